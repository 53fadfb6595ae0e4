"""The Unmix3D Processing provider (id ``unmix3d``)."""

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..core.about import plugin_version
from .algorithms import algorithm_classes

ICON = Path(__file__).resolve().parents[1] / "icons" / "unmix3d.svg"


class Unmix3DProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "unmix3d"

    def name(self) -> str:
        return "Unmix3D"

    def longName(self) -> str:  # noqa: N802 - QGIS API
        return f"Unmix3D {plugin_version()}"

    def versionInfo(self) -> str:  # noqa: N802 - QGIS API
        return plugin_version()

    def icon(self):
        return QIcon(str(ICON))

    def svgIconPath(self) -> str:  # noqa: N802 - QGIS API
        return str(ICON)

    def loadAlgorithms(self):  # noqa: N802 - QGIS API
        for algorithm_class in algorithm_classes():
            self.addAlgorithm(algorithm_class())
