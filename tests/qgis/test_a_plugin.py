"""The plugin's QGIS glue: classFactory with and without a GUI, provider added and removed.

Unloading removes (and deletes) the registered provider; the conftest registers it anew
after each test, so these tests may run in any order."""

from qgis.core import QgsApplication

import unmix3d
from unmix3d.core.about import plugin_version


def test_plugin_registers_and_removes_its_provider(qgis_iface, qgis_processing):
    registry = QgsApplication.processingRegistry()
    if registry.providerById("unmix3d") is not None:  # registered by other tests
        registry.removeProvider(registry.providerById("unmix3d"))
    assert registry.providerById("unmix3d") is None
    plugin = unmix3d.classFactory(qgis_iface)
    plugin.initGui()
    provider = registry.providerById("unmix3d")
    assert provider is not None and provider.versionInfo() == plugin_version()
    assert registry.algorithmById("unmix3d:unmix") is not None
    plugin.unload()
    assert registry.providerById("unmix3d") is None


def test_headless_plugin_needs_no_interface(qgis_processing):
    registry = QgsApplication.processingRegistry()
    if registry.providerById("unmix3d") is not None:  # registered by other tests
        registry.removeProvider(registry.providerById("unmix3d"))
    plugin = unmix3d.classFactory(None)
    plugin.initProcessing()
    assert QgsApplication.processingRegistry().providerById("unmix3d") is not None
    plugin.unload()
