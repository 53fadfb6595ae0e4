"""Collect every user-visible string of the plugin into the i18n/*.ts sources.

Strings are those passed to ``tr(...)``, the LABEL / GROUP / DESCRIPTION class attributes of
algorithms, and the help text given to ``self.add(parameter, help)``. Existing translations
are kept; new strings are added as unfinished; strings no longer used are dropped.
Run: .venv/bin/python scripts/update_translations.py [--check]
"""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["plugin", "processing_provider"]
CONTEXT = "Unmix3D"
TRANSLATED_ATTRIBUTES = {"LABEL", "GROUP", "DESCRIPTION"}


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class UntranslatableString(ValueError):
    """A ``tr`` call whose text is built before translation (f-string, ``.format``, ``%`` or
    ``+``): the catalogue can never hold it, so it would stay English forever."""


def _built_before_translation(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def strings_in_source(source: str, filename: str = "<source>") -> list[str]:
    """User-visible strings of one module; UntranslatableString names every ``tr`` call
    whose text is not a literal to translate first (``tr("... {0}").format(x)``)."""
    found: dict[str, None] = {}
    bad = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "tr" and node.args and _built_before_translation(node.args[0]):
                bad.append(f"{filename}:{node.lineno}")
            if name == "tr" and node.args and _literal(node.args[0]):
                found[_literal(node.args[0])] = None
            if name == "add" and len(node.args) >= 2 and _literal(node.args[1]):
                found[_literal(node.args[1])] = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in TRANSLATED_ATTRIBUTES:
                text = _literal(node.value)
                if text:
                    found[text] = None
    if bad:
        raise UntranslatableString(
            "tr() of a string built before translation (use tr(\"... {0}\").format(x)): "
            + ", ".join(bad))
    return list(found)


def user_strings() -> list[str]:
    found: dict[str, None] = {}
    bad = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            try:
                strings = strings_in_source(path.read_text(encoding="utf-8"),
                                            str(path.relative_to(ROOT)))
            except UntranslatableString as error:
                bad.append(str(error).partition("): ")[2])
                continue
            found.update(dict.fromkeys(strings))
    if bad:
        raise UntranslatableString(
            "tr() of a string built before translation (use tr(\"... {0}\").format(x)): "
            + ", ".join(bad))
    return list(found)


def read_ts(path: Path) -> dict[str, tuple[str, bool]]:
    """source -> (translation, finished)."""
    messages = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        text = translation.text or "" if translation is not None else ""
        finished = translation is not None and translation.get("type") is None and bool(text)
        messages[source] = (text, finished)
    return messages


def write_ts(path: Path, language: str, strings: list[str], known) -> None:
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in strings:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        text, finished = known.get(source, ("", False))
        translation = ET.SubElement(message, "translation")
        translation.text = text
        if not finished:
            translation.set("type", "unfinished")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                    encoding="utf-8")


def main() -> int:
    try:
        strings = user_strings()
    except UntranslatableString as error:
        print(error)
        return 2
    missing_any = False
    for path in sorted((ROOT / "i18n").glob("*.ts")):
        language = ET.parse(path).getroot().get("language")
        known = read_ts(path)
        missing = [s for s in strings if not known.get(s, ("", False))[1]]
        if "--check" in sys.argv:
            if missing:
                missing_any = True
                print(f"{path.name}: {len(missing)} strings without a finished translation")
        else:
            write_ts(path, language, strings, known)
            print(f"{path.name}: {len(strings)} strings, {len(missing)} to translate")
    return 1 if missing_any else 0


if __name__ == "__main__":
    sys.exit(main())
