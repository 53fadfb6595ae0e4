"""The plugin's one translation context: every user-visible string goes through ``tr``."""

from qgis.PyQt.QtCore import QCoreApplication

CONTEXT = "Unmix3D"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)
