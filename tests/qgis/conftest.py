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


def registered_provider():
    """The registered unmix3d provider, registered anew when missing."""
    from unmix3d.processing_provider.provider import Unmix3DProvider

    registry = QgsApplication.processingRegistry()
    if registry.providerById("unmix3d") is None:
        provider = Unmix3DProvider()
        assert registry.addProvider(provider)
        _KEPT[:] = [provider]  # the Python object must outlive the registration
    if _KEPT and _alive(_KEPT[0]):
        return _KEPT[0]
    return registry.providerById("unmix3d")  # registered by the plugin itself


_KEPT: list = []


def _alive(provider) -> bool:
    import sip

    return not sip.isdeleted(provider)


class RegisteredProvider:
    """Stands for the registered provider, looked up at every use: a test that unloads the
    plugin deletes the provider object, so no test may keep one (tests run in any order)."""

    def __getattr__(self, name):
        return getattr(registered_provider(), name)


@pytest.fixture(autouse=True)
def provider_registered_after_each_test(qgis_processing):
    """Whatever a test did to the registry, the next one finds the provider (module
    fixtures run Processing before their test's own fixtures)."""
    yield
    registered_provider()


@pytest.fixture(scope="session")
def unmix3d_provider(qgis_processing):
    registered_provider()
    yield RegisteredProvider()


@pytest.fixture
def run_algorithm(unmix3d_provider):
    """Run an algorithm by id and return its results (raises QgsProcessingException)."""
    import processing

    def run(algorithm_id, parameters):
        return processing.run(algorithm_id, parameters)

    return run
