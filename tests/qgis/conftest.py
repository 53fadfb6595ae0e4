"""Processing tests: QGIS is started by pytest-qgis; the provider is registered once."""

import gc

import pytest
from qgis.core import QgsApplication


@pytest.fixture(autouse=True)
def collect_processing_contexts():
    """Free each test's leftovers (processing contexts held in reference cycles, such as a
    caught exception's traceback) while QGIS still runs: collected after QGIS has exited,
    a context's layer store closes GDAL datasets on a dead GDAL and crashes the process."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def unmix3d_provider(qgis_processing):
    from unmix3d.processing_provider.provider import Unmix3DProvider

    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("unmix3d")
    if provider is None:
        provider = Unmix3DProvider()
        assert registry.addProvider(provider)
    yield provider


@pytest.fixture
def run_algorithm(unmix3d_provider):
    """Run an algorithm by id and return its results (raises QgsProcessingException)."""
    import processing

    def run(algorithm_id, parameters):
        return processing.run(algorithm_id, parameters)

    return run
