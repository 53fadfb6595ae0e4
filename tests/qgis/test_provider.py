"""The provider offers every algorithm under a fixed id, each fully documented."""

from unmix3d.processing_provider.algorithms import ALGORITHMS


def test_every_listed_algorithm_is_loaded(unmix3d_provider):
    ids = {algorithm.name() for algorithm in unmix3d_provider.algorithms()}
    expected = {module.replace("compare_images", "compare") for module, _ in ALGORITHMS}
    assert ids == expected


def test_every_parameter_and_output_has_help(unmix3d_provider):
    for algorithm in unmix3d_provider.algorithms():
        text = algorithm.shortHelpString()
        for definition in algorithm.parameterDefinitions():
            assert definition.help(), f"{algorithm.id()} {definition.name()} has no help"
            assert definition.name() in text, f"{algorithm.id()} {definition.name()}"
        for output in algorithm.outputDefinitions():
            assert output.name() in text, f"{algorithm.id()} output {output.name()}"
        ok, message = algorithm.canExecute()
        assert ok, message


def test_help_shows_placeholders_and_the_element_table_columns(unmix3d_provider):
    """Help is plain text shown as HTML: <element> must be escaped, not swallowed as a tag."""
    from qgis.PyQt.QtGui import QTextDocument

    for name in ("unmix", "simulate"):
        text = unmix3d_provider.algorithm(name).shortHelpString()
        document = QTextDocument()
        document.setHtml(text)
        shown = document.toPlainText()
        assert "<element>.tif" in shown, name
        for word in ("turbid", "leaf_area_density", "lad", "glob=value"):
            assert word in shown, (name, word)
