"""QGIS glue: translations, the Processing provider, and nothing else."""

from pathlib import Path

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

I18N = Path(__file__).resolve().parents[1] / "i18n"


def translation_file(locale: str) -> Path | None:
    """The compiled translation for a QGIS locale such as ``fr``, ``fr_FR`` or ``zh-Hans``."""
    locale = (locale or "").replace("_", "-")
    if locale.lower().startswith("zh"):
        name = "unmix3d_zh-Hans.qm"
    else:
        name = f"unmix3d_{locale[:2].lower()}.qm"
    path = I18N / name
    return path if path.exists() else None


class Unmix3DPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None
        self.translator = None
        locale = QgsSettings().value("locale/userLocale", "") or ""
        path = translation_file(str(locale))
        if path is not None:
            self.translator = QTranslator()
            if self.translator.load(str(path)):
                QCoreApplication.installTranslator(self.translator)

    def initProcessing(self):  # noqa: N802 - QGIS API
        from ..processing_provider.provider import Unmix3DProvider

        if self.provider is None:
            self.provider = Unmix3DProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
