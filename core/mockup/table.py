"""The element table written beside the mock-up: one row per element with its type, the
globs matching its groups and a starting spectrum (``spectra.py``, Sentinel-2 band names)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..scene.elements import ElementRow
from .inputs import BuildError, BuildOptions

#: Default spectra (names in spectra.py) for the element names this module produces.
DEFAULT_SPECTRUM = {
    "ground": "soil_dry", "soil": "soil_dry", "grass": "grass", "asphalt": "asphalt",
    "water": "water", "roof": "roof_concrete", "roof_tile": "roof_tile",
    "roof_concrete": "roof_concrete", "roof_bitumen": "roof_bitumen", "roof_zinc": "roof_zinc",
    "wall": "wall_plaster", "trunk": "bark",
}
LEAF_SPECTRUM = "tree_leaf"
GREY = 0.2


def default_op(element: str, kind: str, bands: Sequence[str]) -> tuple[list[float], float | None]:
    """A starting spectrum for an element (reflectance, or leaf albedo r + t with r/t) from
    spectra.py where the band names are Sentinel-2's; a flat grey (0.2) or, for leaves, a
    flat albedo of 0.5 otherwise."""
    from ..scene import spectra as sp

    bands = list(bands)
    known = [b in sp.S2_BANDS for b in bands]
    if kind in ("translucent", "turbid"):
        r = np.asarray(sp.LEAF_R[LEAF_SPECTRUM])
        t = np.asarray(sp.LEAF_T[LEAF_SPECTRUM])
        ratio = float(sp.leaf_rt_ratio_constant(LEAF_SPECTRUM))
        values = [float(r[sp.S2_BANDS.index(b)] + t[sp.S2_BANDS.index(b)]) if k else 0.5
                  for b, k in zip(bands, known, strict=True)]
        return values, ratio
    name = DEFAULT_SPECTRUM.get(element)
    if name is None:
        for prefix, spectrum in (("roof", "roof_concrete"), ("wall", "wall_plaster"),
                                 ("water", "water"), ("grass", "grass")):
            if element.startswith(prefix):
                name = spectrum
    if name is None or name not in sp.MATERIALS:
        return [GREY] * len(bands), None
    spectrum = np.asarray(sp.MATERIALS[name])
    return [float(spectrum[sp.S2_BANDS.index(b)]) if k else GREY
            for b, k in zip(bands, known, strict=True)], None


class Elements:
    """Element name -> (type, match globs), in order of appearance; one name, one type."""

    def __init__(self):
        self.kind: dict[str, str] = {}
        self.patterns: dict[str, list[str]] = {}

    def add(self, element: str, kind: str, pattern: str) -> None:
        if element in self.kind and self.kind[element] != kind:
            raise BuildError(f"element '{element}' would be both {self.kind[element]} and "
                             f"{kind}: rename a class (land cover, roof or tree class)")
        self.kind.setdefault(element, kind)
        patterns = self.patterns.setdefault(element, [])
        if pattern not in patterns:
            patterns.append(pattern)

    def rows(self, options: BuildOptions) -> list[ElementRow]:
        rows = []
        for element, kind in self.kind.items():
            op, ratio = default_op(element, kind, options.bands)
            extra = {}
            if kind == "turbid":
                extra = {"leaf_area_density": f"{options.leaf_area_density:g}",
                         "lad": options.lad}
            rows.append(ElementRow(element, ";".join(self.patterns[element]), kind, op,
                                   rt_ratio=ratio if kind != "opaque" else None, **extra))
        return rows

    def check(self, group_names: Sequence[str]) -> None:
        """Each group matched by exactly one element (as the element table will check)."""
        from fnmatch import fnmatchcase

        for group in group_names:
            hits = [e for e, ps in self.patterns.items()
                    if any(fnmatchcase(group.lower(), p.lower()) for p in ps)]
            if len(hits) != 1:
                raise BuildError(f"group '{group}' is matched by {len(hits)} elements "
                                 f"({', '.join(hits)}): rename a class so that element names "
                                 f"do not start like another element's groups")


def group_pattern(prefix: str, suffix: str, per_object: bool) -> str:
    return f"{prefix}_[0-9]*{suffix}" if per_object else f"{prefix}_all{suffix}"
