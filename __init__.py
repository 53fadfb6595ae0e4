"""Unmix3D: optical properties of scene elements from mixed pixels with 3D radiative transfer."""


def classFactory(iface):  # noqa: N802 - QGIS's name
    """QGIS plugin entry point; works without a GUI (``iface`` None) for qgis_process."""
    from .plugin.unmix3d_plugin import Unmix3DPlugin

    return Unmix3DPlugin(iface)
