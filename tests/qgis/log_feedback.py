"""A Processing feedback that keeps the log and progress texts, for the QGIS tests."""

from qgis.core import QgsProcessingFeedback


class LogFeedback(QgsProcessingFeedback):
    """Keeps the log; ``on_text(feedback, text)`` runs at every progress text (e.g.
    'writing roof.tif'); ``cancel_at`` cancels at the first progress text starting so."""

    def __init__(self, on_text=None, cancel_at=None):
        super().__init__()
        self.lines, self.texts = [], []
        self.on_text, self.cancel_at = on_text, cancel_at

    def pushInfo(self, info):  # noqa: N802 - QGIS API
        self.lines.append(info)

    def pushWarning(self, warning):  # noqa: N802 - QGIS API
        self.lines.append(warning)

    def setProgressText(self, text):  # noqa: N802 - QGIS API
        super().setProgressText(text)
        self.texts.append(text)
        if self.on_text is not None:
            self.on_text(self, text)
        if self.cancel_at and text.startswith(self.cancel_at):
            self.cancel()
