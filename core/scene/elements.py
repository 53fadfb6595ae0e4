"""The element table: which mock-up parts form which scene element, its optical type, its
reflectance/transmittance ratio, its spectral rule and its optical properties per band.

CSV columns (DESIGN.md): ``element``, ``match`` (globs on part names, ``;``-separated,
case-insensitive), ``type`` (``opaque`` | ``translucent`` | ``turbid``), ``rt_ratio`` (r/t for
translucent and turbid elements), optional ``rt_ratio_<band>`` overrides, ``rule`` (optional
spectral rule), then one column per band holding the element's OP: reflectance for opaque
elements, albedo (r + t) for translucent and turbid ones.

Turbid elements (volumes of small leaves, as DART's turbid cells) also take
``leaf_area_density`` (m2/m3) and ``lad`` (leaf angle distribution, see
``raytrace.lad.LAD_HELP``; default spherical). Either holds one value for all the
element's parts or ``glob=value`` pairs separated by ``;`` (first match wins), so plots at
different growth stages can share one element (one r and t) and differ in structure.
Their mock-up parts are closed meshes whose inside is the medium.

``write_element_table`` writes the same format (demo scenes, the mock-up builder).
"""

from __future__ import annotations

import csv
import fnmatch
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..rules import Rule, RuleError, parse_rule
from ..sentinel2 import S2_BANDS

OPAQUE = "opaque"
TRANSLUCENT = "translucent"
TURBID = "turbid"
KINDS = (OPAQUE, TRANSLUCENT, TURBID)
RESERVED = {"element", "match", "type", "rt_ratio", "rule", "leaf_area_density", "lad"}


class ElementTableError(ValueError):
    """A problem in the element table, naming the element, column or part concerned."""


@dataclass
class Element:
    name: str
    patterns: list[str]
    kind: str
    rt_ratio: float | None = None
    rt_ratio_by_band: dict[str, float] = field(default_factory=dict)
    rule: Rule | None = None
    op: dict[str, float] = field(default_factory=dict)  # band -> reflectance or albedo
    # turbid elements: (glob on part names, value) pairs, first match wins
    leaf_area_density: list[tuple[str, float]] = field(default_factory=list)
    lad: list[tuple[str, str]] = field(default_factory=list)

    @property
    def translucent(self) -> bool:
        """Has a reflectance and a transmittance (leaves as facets or as a turbid medium):
        two variables, OP = albedo split by the r/t ratio."""
        return self.kind in (TRANSLUCENT, TURBID)

    @property
    def turbid(self) -> bool:
        return self.kind == TURBID

    def structure(self, part_name: str) -> tuple[float, str]:
        """(leaf area density, LAD) of one of a turbid element's parts."""
        name = part_name.lower()

        def first(pairs, default):
            for pattern, value in pairs:
                if fnmatch.fnmatchcase(name, pattern.lower()):
                    return value
            return default

        density = first(self.leaf_area_density, None)
        if density is None:
            raise ElementTableError(
                f"turbid element '{self.name}': no leaf_area_density for part '{part_name}'"
            )
        return density, first(self.lad, "spherical")

    def ratio(self, band: str) -> float:
        """r/t for this band (translucent elements only)."""
        return self.rt_ratio_by_band.get(band, self.rt_ratio)

    def matches(self, part_name: str) -> bool:
        name = part_name.lower()
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.patterns)


def split_albedo(albedo, ratio):
    """US-DART's albedo w with a known ratio q = r/t: r = q w / (1 + q), t = w / (1 + q)."""
    return ratio * albedo / (1.0 + ratio), albedo / (1.0 + ratio)


@dataclass
class ElementTable:
    elements: list[Element]
    bands: list[str]  # band columns present in the table, in file order
    path: str = ""

    @property
    def names(self) -> list[str]:
        return [element.name for element in self.elements]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def require_bands(self, bands: list[str]) -> None:
        """Every element must give an OP for every band (for simulation or as start values)."""
        for element in self.elements:
            missing = [band for band in bands if band not in element.op]
            if missing:
                raise ElementTableError(
                    f"{self._where()}element '{element.name}' has no optical property for "
                    f"band(s) {', '.join(missing)} (columns must be named like the image's "
                    f"bands: {', '.join(bands)})"
                )

    def check_rules(self, bands: list[str]) -> None:
        for element in self.elements:
            if element.rule is not None:
                try:
                    element.rule.check_bands(bands, element.name)
                except RuleError as error:
                    raise ElementTableError(f"{self._where()}{error}") from None

    def reflectance_transmittance(self, band: str) -> tuple[np.ndarray, np.ndarray]:
        """Per element r and t for ``band`` from the table's OPs (t = 0 for opaque)."""
        r = np.zeros(len(self.elements))
        t = np.zeros(len(self.elements))
        for i, element in enumerate(self.elements):
            if element.translucent:
                r[i], t[i] = split_albedo(element.op[band], element.ratio(band))
            else:
                r[i] = element.op[band]
        return r, t

    def assign_parts(self, part_names: list[str]) -> np.ndarray:
        """Element index of each mock-up part; every part matched exactly once and every
        element matching at least one part, or an error naming them all."""
        owners = []
        unmatched, doubly = [], []
        for part in part_names:
            hits = [i for i, element in enumerate(self.elements) if element.matches(part)]
            if not hits:
                unmatched.append(part)
            elif len(hits) > 1:
                doubly.append(f"{part} ({', '.join(self.elements[i].name for i in hits)})")
            owners.append(hits[0] if hits else -1)
        problems = []
        if unmatched:
            problems.append(f"mock-up parts matched by no element: {_some(unmatched)}")
        if doubly:
            problems.append(f"mock-up parts matched by several elements: {_some(doubly)}")
        used = set(owners)
        absent = [e.name for i, e in enumerate(self.elements) if i not in used]
        if absent:
            problems.append(
                f"element(s) absent from the mock-up (their match patterns find no part): "
                f"{', '.join(absent)}"
            )
        if problems:
            raise ElementTableError(self._where() + "; ".join(problems))
        return np.asarray(owners, dtype=np.int32)

    def _where(self) -> str:
        return f"{os.path.basename(self.path)}: " if self.path else ""


def _some(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def read_element_table(path: str | os.PathLike) -> ElementTable:
    path = str(path)
    name = os.path.basename(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ElementTableError(f"{name}: cannot read the element table ({error})") from None
    if not rows:
        raise ElementTableError(f"{name}: the element table has no rows")
    columns = [c.strip() for c in rows[0].keys() if c is not None]
    for needed in ("element", "match", "type"):
        if needed not in columns:
            raise ElementTableError(f"{name}: the element table lacks the column '{needed}'")
    bands = [c for c in columns if c not in RESERVED and not c.startswith("rt_ratio_")]
    elements, seen = [], set()
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        elements.append(_parse_row(row, bands, f"{name} line {line}"))
        if elements[-1].name in seen:
            raise ElementTableError(f"{name} line {line}: element '{elements[-1].name}' twice")
        seen.add(elements[-1].name)
    return ElementTable(elements, bands, path)


def _number(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        message = f"{where}: column '{column}' holds '{text}', not a number"
        raise ElementTableError(message) from None
    if not math.isfinite(value):
        raise ElementTableError(f"{where}: column '{column}' is not finite")
    return value


def _parse_row(row: dict[str, str], bands: list[str], where: str) -> Element:
    name = row.get("element", "")
    if not name:
        raise ElementTableError(f"{where}: empty element name")
    where = f"{where} (element '{name}')"
    patterns = [p.strip() for p in row.get("match", "").split(";") if p.strip()]
    if not patterns:
        raise ElementTableError(f"{where}: empty 'match' pattern")
    kind = row.get("type", "").lower()
    if kind not in KINDS:
        raise ElementTableError(f"{where}: type '{row.get('type')}' is not one of {KINDS}")
    element = Element(name=name, patterns=patterns, kind=kind)
    if kind in (TRANSLUCENT, TURBID):
        if not row.get("rt_ratio"):
            raise ElementTableError(f"{where}: {kind} elements need an rt_ratio (r/t)")
        element.rt_ratio = _number(row["rt_ratio"], where, "rt_ratio")
        for column, text in row.items():
            if column.startswith("rt_ratio_") and text:
                element.rt_ratio_by_band[column[len("rt_ratio_"):]] = _number(text, where, column)
        for column, ratio in [("rt_ratio", element.rt_ratio), *element.rt_ratio_by_band.items()]:
            if ratio <= 0:
                raise ElementTableError(f"{where}: {column} must be > 0, got {ratio}")
    if kind == TURBID:
        _parse_structure(element, row, where)
    if row.get("rule"):
        try:
            element.rule = parse_rule(row["rule"])
        except RuleError as error:
            raise ElementTableError(f"{where}: {error}") from None
    for band in bands:
        if row.get(band, "") == "":
            continue
        value = _number(row[band], where, band)
        if not 0.0 <= value <= 1.0:
            what = "albedo r + t" if element.translucent else "reflectance"
            raise ElementTableError(f"{where}: {what} for band {band} is {value}, outside [0, 1]")
        element.op[band] = value
    return element


def _pairs(text: str) -> list[tuple[str, str]]:
    """``value`` or ``glob=value;glob=value`` -> [(glob, value)]."""
    out = []
    for item in (p.strip() for p in text.split(";")):
        if item:
            glob, sep, value = item.partition("=")
            out.append((glob.strip(), value.strip()) if sep else ("*", item))
    return out


def _parse_structure(element: Element, row: dict[str, str], where: str) -> None:
    from ..raytrace.lad import parse_lad

    pairs = _pairs(row.get("leaf_area_density", ""))
    if not pairs:
        raise ElementTableError(
            f"{where}: turbid elements need a leaf_area_density (m2/m3), one number or "
            f"'part_glob=number' pairs separated by ';'"
        )
    for glob, text in pairs:
        value = _number(text, where, "leaf_area_density")
        if value <= 0:
            raise ElementTableError(f"{where}: leaf_area_density must be > 0, got {value}")
        element.leaf_area_density.append((glob, value))
    for glob, text in _pairs(row.get("lad", "")):
        try:
            parse_lad(text)
        except ValueError as error:
            raise ElementTableError(f"{where}: column 'lad': {error}") from None
        element.lad.append((glob, text))


@dataclass
class ElementRow:
    """One element-table row; ``op`` is reflectance (opaque) or albedo (translucent)."""

    element: str
    match: str
    type: str
    op: Sequence[float]
    rt_ratio: float | None = None
    rt_ratio_bands: Sequence[float] | None = None
    rule: str = ""
    leaf_area_density: str = ""  # turbid: "u" or "glob=u;glob=u" (m2/m3)
    lad: str = ""  # turbid: leaf angle distribution, same forms


def write_element_table(
    path: str | Path, rows: Iterable[ElementRow], bands: Sequence[str] = S2_BANDS
) -> Path:
    """Write an element table CSV in DESIGN.md's format (``rt_ratio_<band>`` columns too;
    ``leaf_area_density`` and ``lad`` after ``rule`` when an element is turbid)."""
    path = Path(path)
    rows = list(rows)
    turbid = any(r.type == "turbid" for r in rows)
    structure = ["leaf_area_density", "lad"] if turbid else []
    header = ["element", "match", "type", "rt_ratio", "rule", *structure, *bands]
    header += [f"rt_ratio_{b}" for b in bands]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            if r.type not in ("opaque", "translucent", "turbid"):
                raise ValueError(f"element {r.element!r}: bad type {r.type!r}")
            if len(r.op) != len(bands):
                raise ValueError(f"element {r.element!r}: {len(r.op)} OPs for {len(bands)} bands")
            ratio = "" if r.rt_ratio is None else f"{r.rt_ratio:.5g}"
            per_band = (
                [f"{v:.5g}" for v in r.rt_ratio_bands]
                if r.rt_ratio_bands is not None
                else [""] * len(bands)
            )
            w.writerow(
                [r.element, r.match, r.type, ratio, r.rule,
                 *([r.leaf_area_density, r.lad] if turbid else []),
                 *[f"{v:.5f}" for v in r.op], *per_band]
            )
    return path
