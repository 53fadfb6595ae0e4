"""What every Unmix3D algorithm shares: fixed ids, help assembled from parameter help,
a dependency check, and short ways to declare parameters."""

from __future__ import annotations

from html import escape

from qgis.core import QgsProcessingAlgorithm, QgsProcessingParameterDefinition

from ..core.about import install_hint, missing_requirements
from .i18n import tr


class Unmix3DAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME, LABEL, GROUP, DESCRIPTION and REQUIRES and define ``declare()``.

    ``NAME`` is the fixed, lowercase id (never derived from a translated label).
    ``REQUIRES`` lists modules from requirements.txt the algorithm cannot run without.
    """

    NAME = ""
    LABEL = ""
    GROUP = ""
    GROUP_ID = ""
    DESCRIPTION = ""
    REQUIRES: tuple[str, ...] = ()

    def __init__(self):
        super().__init__()
        self._parameter_help: list[tuple[str, str]] = []

    # identity -------------------------------------------------------------------------
    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return tr(self.LABEL)

    def group(self) -> str:
        return tr(self.GROUP)

    def groupId(self) -> str:  # noqa: N802 - QGIS API
        return self.GROUP_ID

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()

    # help -----------------------------------------------------------------------------
    def shortDescription(self) -> str:  # noqa: N802 - QGIS API
        return tr(self.DESCRIPTION)

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        """The description followed by every parameter's help, so each is written once."""
        items = "".join(
            f"<li><b>{escape(label)}</b> (<code>{name}</code>): {escape(text)}</li>"
            for name, label, text in self._help_items()
        )  # help is plain text: <element>.tif and B8 > B4 must show, not be read as tags
        return f"<p>{escape(tr(self.DESCRIPTION))}</p><ul>{items}</ul>"

    def _help_items(self):
        if not self._parameter_help:
            self.initAlgorithm({})
        for name, text in self._parameter_help:
            definition = self.parameterDefinition(name)
            if definition is None:
                definition = self.outputDefinition(name)
            label = definition.description() if definition is not None else name
            yield name, label, text

    # parameters -----------------------------------------------------------------------
    def add(self, parameter: QgsProcessingParameterDefinition, help_text: str, advanced=False):
        """Add a parameter (or destination) with its help text, translated."""
        text = tr(help_text)
        if hasattr(parameter, "setHelp"):
            parameter.setHelp(text)
        if advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(parameter)
        self._parameter_help = [(n, t) for n, t in self._parameter_help if n != parameter.name()]
        self._parameter_help.append((parameter.name(), text))
        return parameter

    def add_output(self, output, help_text: str):
        """Declare an output (number, string, boolean) with its help, listed in the help page."""
        self.addOutput(output)
        self._parameter_help.append((output.name(), tr(help_text)))
        return output

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self._parameter_help = []
        self.declare()

    def declare(self) -> None:
        raise NotImplementedError

    # dependencies ---------------------------------------------------------------------
    def canExecute(self):  # noqa: N802 - QGIS API
        """Report missing Python packages in plain words instead of failing at run time."""
        missing = missing_requirements(list(self.REQUIRES)) if self.REQUIRES else []
        if missing:
            return False, tr(install_hint(missing))
        return True, ""
