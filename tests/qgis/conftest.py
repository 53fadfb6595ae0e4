"""Processing tests: QGIS is started by pytest-qgis; the provider is registered once."""

import pytest
from qgis.core import QgsApplication


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
