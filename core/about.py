"""The plugin's metadata and dependency list, read from the files that hold them.

``metadata.txt`` is the one source of the version; ``requirements.txt`` the one list of the
Python packages Unmix3D needs beyond what QGIS ships.
"""

from __future__ import annotations

import configparser
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLUGIN_ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def plugin_metadata() -> dict[str, str]:
    """The ``[general]`` section of metadata.txt."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PLUGIN_ROOT / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


def plugin_version() -> str:
    return plugin_metadata()["version"]


@dataclass(frozen=True)
class Requirement:
    pip_spec: str  # e.g. "numba==0.68.1"
    module: str  # the name to import, e.g. "numba"


def requirements(path: Path | None = None) -> list[Requirement]:
    """Parse requirements.txt lines of the form ``<pip spec>  # import: <module>``."""
    path = path or PLUGIN_ROOT / "requirements.txt"
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*([^#\s]+)\s*#\s*import:\s*([\w.]+)", line)
        if match:
            found.append(Requirement(match.group(1), match.group(2)))
    return found


def missing_requirements(
    modules: list[str] | None = None, path: Path | None = None
) -> list[Requirement]:
    """Requirements whose module cannot be found (restricted to ``modules`` when given)."""
    missing = []
    for req in requirements(path):
        if modules is not None and req.module not in modules:
            continue
        if importlib.util.find_spec(req.module) is None:
            missing.append(req)
    return missing


def install_hint(missing: list[Requirement]) -> str:
    """Plain-words instructions for installing missing packages into QGIS's Python."""
    specs = " ".join(f'"{req.pip_spec}"' for req in missing)
    names = ", ".join(req.module for req in missing)
    return (
        f"Unmix3D needs Python packages that this QGIS cannot import: {names}. "
        f"Install them into the Python that QGIS uses, for example with "
        f"/usr/bin/python3 -m pip install --user {specs} "
        f"(on Windows, run the same pip command from the OSGeo4W shell), then restart QGIS. "
        f"Keep numpy at the version QGIS ships (add a constraint numpy==<that version>)."
    )
