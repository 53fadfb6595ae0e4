"""Ways to constrain a leaf's r/t split where the images cannot make it (one view sees
mostly reflected light; transmitted light reaches it mixed with the ground's).

- ``table``: r/t fixed per band at the element table's ``rt_ratio`` (``rt_ratio_<band>``
  overrides): only the albedo r + t is retrieved, as in US-DART.
- ``range``: r/t bounded per band to a range the user gives.
- ``prospect``: r/t bounded per band to the range PROSPECT-D leaves span over plausible
  biochemistry (``PROSPECT_PRIOR_RANGES``): a prior from leaf physics, not from this leaf.
- a second view or date (extra images) constrains the split through the data instead.
"""

from __future__ import annotations

import numpy as np

from .loss import FREE, RetrievalError

KINDS = ("none", "table", "range", "prospect")
#: Plausible green-leaf biochemistry (canonical PROSPECT names): the PROSPECT-D prior.
PROSPECT_PRIOR_RANGES = {"N": (1.2, 2.5), "Cab": (10.0, 80.0), "Car": (2.0, 20.0),
                         "Ant": (0.0, 5.0), "Cw": (0.005, 0.03), "Cm": (0.002, 0.015)}


def prospect_ratio_range(bands, leaves: int = 48, seed: int = 0):
    """(low, high) r/t per band over ``leaves`` PROSPECT-D leaves drawn in
    PROSPECT_PRIOR_RANGES (Latin hypercube, seeded)."""
    from .prospect import LeafModel

    model = LeafModel(bands)
    rng = np.random.default_rng(seed)
    names = list(PROSPECT_PRIOR_RANGES)
    strata = np.array([rng.permutation(leaves) for _ in names]).T  # (leaves, names)
    fraction = (strata + rng.uniform(size=strata.shape)) / leaves
    ratios = []
    for row in fraction:
        values = {n: lo + f * (hi - lo)
                  for n, f, (lo, hi) in zip(names, row, PROSPECT_PRIOR_RANGES.values(),
                                            strict=True)}
        r, t = model.spectra(values)
        ratios.append(r / np.maximum(t, 1e-9))
    ratios = np.array(ratios)
    return ratios.min(axis=0), ratios.max(axis=0)


def rt_bounds(kind: str, scene, bands, modes: dict[str, str] | None = None,
              elements: list[str] | None = None, ratio_range: tuple[float, float] | None = None):
    """(element -> (low, high) r/t per band, element -> text for the report) for the free
    translucent ``elements`` (all of them when None)."""
    if kind not in KINDS:
        raise RetrievalError(f"r/t constraint '{kind}' is not one of {', '.join(KINDS)}")
    modes = modes or {}
    table = scene.elements
    leaves = [e.name for e in table.elements
              if e.translucent and modes.get(e.name, FREE) == FREE]
    if elements:
        unknown = [n for n in elements if n not in leaves]
        if unknown:
            raise RetrievalError(f"r/t constraint on {', '.join(unknown)}: not a free "
                                 f"translucent element (free leaves: {', '.join(leaves)})")
        leaves = list(elements)
    bounds, notes = {}, {}
    if kind == "none":
        return bounds, notes
    if kind == "prospect":
        low, high = prospect_ratio_range(bands)
    for name in leaves:
        element = table.elements[table.index(name)]
        if kind == "table":
            if element.rt_ratio is None and not element.rt_ratio_by_band:
                raise RetrievalError(f"element '{name}': r/t fixed from the element table, "
                                     f"but its rt_ratio is empty")
            ratio = np.array([element.ratio(b) for b in bands], dtype=float)
            bounds[name] = (ratio, ratio)
            notes[name] = "r/t fixed from the element table: " + ", ".join(
                f"{b} {v:.3g}" for b, v in zip(bands, ratio, strict=True))
        elif kind == "range":
            if ratio_range is None or len(ratio_range) != 2:
                raise RetrievalError("r/t range: give 'low,high', e.g. 0.8,1.5")
            lo, hi = (float(v) for v in ratio_range)
            if not 0 <= lo <= hi:
                raise RetrievalError(f"r/t range {lo:g},{hi:g}: need 0 <= low <= high")
            bounds[name] = (np.full(len(bands), lo), np.full(len(bands), hi))
            notes[name] = f"r/t bounded to [{lo:g}, {hi:g}] in every band"
        else:
            bounds[name] = (low, high)
            notes[name] = "r/t bounded by the PROSPECT-D prior (range over plausible " \
                "leaves): " + ", ".join(f"{b} [{a:.3g}, {c:.3g}]"
                                        for b, a, c in zip(bands, low, high, strict=True))
    return bounds, notes
