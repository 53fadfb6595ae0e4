from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from unmix3d.plugin.unmix3d_plugin import translation_file
from unmix3d.processing_provider.i18n import tr


def test_compiled_french_translation_is_used():
    path = translation_file("fr_FR")
    assert path is not None and path.name == "unmix3d_fr.qm"
    translator = QTranslator()
    assert translator.load(str(path))
    QCoreApplication.installTranslator(translator)
    try:
        assert tr("Image tools") == "Outils image"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert tr("Image tools") == "Image tools"


def test_chinese_locale_names_map_to_simplified_chinese():
    for locale in ("zh-Hans", "zh_CN", "zh"):
        assert translation_file(locale).name == "unmix3d_zh-Hans.qm"
