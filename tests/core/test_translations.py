"""Every user-visible string has a finished French and Simplified Chinese translation."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("update_translations",
                                              ROOT / "scripts" / "update_translations.py")
update_translations = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_translations)


def test_translation_sources_are_complete():
    strings = update_translations.user_strings()
    assert "Degrade resolution (block mean)" in strings
    for language_file in ("unmix3d_fr.ts", "unmix3d_zh-Hans.ts"):
        known = update_translations.read_ts(ROOT / "i18n" / language_file)
        untranslated = [s for s in strings if not known.get(s, ("", False))[1]]
        assert not untranslated, f"{language_file}: {untranslated[:3]}"


def test_collector_refuses_strings_built_before_translation():
    """tr(f"...") and its kin translate a string no catalogue can hold: the collector must
    name each such call, and accept tr("... {0}").format(x)."""
    import pytest

    for source in ('tr(f"Traced {n} pixels")', 'tr("Traced {0}".format(n))',
                   'x = 1\nself.tr("a " + b)', 'tr("%d pixels" % n)'):
        line = source.count("\n") + 1
        with pytest.raises(update_translations.UntranslatableString, match=f"m.py:{line}"):
            update_translations.strings_in_source(source, "m.py")
    assert update_translations.strings_in_source('tr("Traced {0} pixels").format(n)',
                                                 "m.py") == ["Traced {0} pixels"]
