"""PROSPECT-D leaves mapped to sensor bands, with finite-difference derivatives.

``prosail.run_prospect`` (PROSPECT-D / PROSPECT-5, ``prosail`` 2.0.5) gives leaf reflectance
and transmittance from 400 to 2500 nm at 1 nm. A linear band-averaging operator (the boxcar
response of ``scene.spectra.band_average``, as a matrix) maps them to Sentinel-2 bands. The
derivatives with respect to the biochemical parameters come from central finite differences
of PROSPECT (one-sided at the range ends): PROSPECT costs about a millisecond, the chain rule
multiplies them by the exact dR/dr, dR/dt of the trace.
"""

from __future__ import annotations

import numpy as np

from ..scene.spectra import S2_CENTERS_UM, S2_WIDTHS_UM

#: Parameter names as users write them, prosail keyword, unit and the accepted range.
#: Ranges follow the span of published PROSPECT calibration and LUT studies, widened a
#: little; outside them PROSPECT is extrapolating.
PARAMETERS: dict[str, tuple[str, str, float, float]] = {
    "N": ("n", "-", 1.0, 3.5),
    "Cab": ("cab", "ug/cm2", 0.0, 120.0),
    "Car": ("car", "ug/cm2", 0.0, 30.0),
    "Ant": ("ant", "ug/cm2", 0.0, 40.0),
    "Cbrown": ("cbrown", "-", 0.0, 1.0),
    "Cw": ("cw", "g/cm2 (cm)", 0.0, 0.08),
    "Cm": ("cm", "g/cm2", 0.0, 0.04),
}
NAMES = tuple(PARAMETERS)
#: Start values (and values of the parameters that are not retrieved).
DEFAULTS = {"N": 1.5, "Cab": 40.0, "Car": 8.0, "Ant": 1.0, "Cbrown": 0.0, "Cw": 0.01,
            "Cm": 0.005}
#: Retrieved by default; Cbrown (senescent pigment) stays at its start value.
DEFAULT_FREE = ("N", "Cab", "Car", "Ant", "Cw", "Cm")
WAVELENGTHS_NM = np.arange(400, 2501)


class ProspectError(ValueError):
    """Bad PROSPECT parameters or bands, with the parameter named."""


def canonical(name: str) -> str:
    for key in NAMES:
        if key.lower() == name.strip().lower():
            return key
    raise ProspectError(f"unknown PROSPECT parameter '{name}' (known: {', '.join(NAMES)})")


def check_values(values: dict[str, float], where: str = "PROSPECT") -> dict[str, float]:
    """Canonical names, every parameter present (defaults filled in), each within range."""
    out = dict(DEFAULTS)
    for name, value in values.items():
        key = canonical(name)
        value = float(value)
        _, unit, low, high = PARAMETERS[key]
        if not np.isfinite(value) or not low <= value <= high:
            raise ProspectError(
                f"{where}: {key} = {value:g} {unit} is outside PROSPECT's range "
                f"[{low:g}, {high:g}]"
            )
        out[key] = value
    return out


def parse_values(text: str, where: str = "PROSPECT_START") -> dict[str, float]:
    """``"N=1.5, Cab=40"`` -> {"N": 1.5, "Cab": 40.0} (checked against the ranges)."""
    values = {}
    for item in (p.strip() for p in str(text or "").replace(";", ",").split(",")):
        if not item:
            continue
        name, sep, number = item.partition("=")
        if not sep:
            raise ProspectError(f"{where}: '{item}' must look like Cab=40")
        try:
            values[canonical(name)] = float(number)
        except ValueError:
            raise ProspectError(f"{where}: '{number.strip()}' is not a number") from None
    return check_values(values, where)


def parse_names(text: str) -> tuple[str, ...]:
    names = tuple(canonical(n) for n in str(text or "").replace(";", ",").split(",")
                  if n.strip())
    if not names:
        raise ProspectError("no PROSPECT parameter to retrieve: name at least one, e.g. Cab")
    if len(set(names)) != len(names):
        raise ProspectError(f"PROSPECT parameters named twice: {', '.join(names)}")
    return names


def band_matrix(bands, wavelengths_nm=WAVELENGTHS_NM, step_um: float = 0.001) -> np.ndarray:
    """(bands, wavelengths) operator equal to ``spectra.band_average`` for each band: boxcar
    of the nominal width, spectrum linearly interpolated at ``step_um`` midpoints."""
    wl = np.asarray(wavelengths_nm, dtype=float) / 1000.0
    out = np.zeros((len(bands), wl.size))
    for b, band in enumerate(bands):
        if band not in S2_CENTERS_UM:
            raise ProspectError(
                f"band '{band}' is not a Sentinel-2 band name (B1 ... B12, B8A): PROSPECT "
                f"spectra are mapped to bands by their Sentinel-2 response"
            )
        centre, width = S2_CENTERS_UM[band], S2_WIDTHS_UM[band]
        n = max(int(round(width / step_um)), 1)
        grid = centre - width / 2 + (np.arange(n) + 0.5) * (width / n)
        grid = np.clip(grid, wl[0], wl[-1])
        i = np.clip(np.searchsorted(wl, grid, side="right") - 1, 0, wl.size - 2)
        f = (grid - wl[i]) / (wl[i + 1] - wl[i])
        np.add.at(out[b], i, (1 - f) / n)
        np.add.at(out[b], i + 1, f / n)
    return out


def prospect_spectra(values: dict[str, float], version: str = "D"):
    """(reflectance, transmittance) at 400..2500 nm for canonical parameter values."""
    import prosail

    kwargs = {PARAMETERS[k][0]: float(v) for k, v in values.items()}
    _, r, t = prosail.run_prospect(prospect_version=version, **kwargs)
    return np.asarray(r, dtype=float), np.asarray(t, dtype=float)


class LeafModel:
    """PROSPECT leaves in sensor bands: ``spectra`` and ``jacobian`` for parameter dicts
    (canonical names or prosail keywords)."""

    def __init__(self, bands, version: str = "D"):
        self.bands = list(bands)
        self.version = version
        self.matrix = band_matrix(self.bands)

    def _values(self, params: dict[str, float]) -> dict[str, float]:
        keyword = {v[0]: k for k, v in PARAMETERS.items()}
        return check_values({keyword.get(k, k): v for k, v in params.items()})

    def spectra(self, params: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Band r and t (bands,) each."""
        r, t = prospect_spectra(self._values(params), self.version)
        return self.matrix @ r, self.matrix @ t

    def jacobian(self, params: dict[str, float], free: tuple[str, ...],
                 relative_step: float = 1e-3):
        """(r, t, dr, dt): band spectra and their derivatives (bands, len(free)) by central
        differences with a step of ``relative_step`` times the parameter's range."""
        values = self._values(params)
        r, t = self.spectra(values)
        dr = np.zeros((len(self.bands), len(free)))
        dt = np.zeros_like(dr)
        for k, name in enumerate(free):
            _, _, low, high = PARAMETERS[name]
            h = relative_step * (high - low)
            up, down = dict(values), dict(values)
            up[name] = min(values[name] + h, high)
            down[name] = max(values[name] - h, low)
            r_up, t_up = self.spectra(up)
            r_down, t_down = self.spectra(down)
            span = up[name] - down[name]
            dr[:, k] = (r_up - r_down) / span
            dt[:, k] = (t_up - t_down) / span
        return r, t, dr, dt
