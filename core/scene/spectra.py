"""Band-averaged demo spectra over the Sentinel-2 bands (``core/sentinel2.py``), carried as
numbers.

The demo scenes need realistic optical properties without any data file or optional
package at run time, so the spectra below were band-averaged ONCE and pasted here:

- Leaves: PROSPECT-D (``prosail`` 2.0.5, ``prosail.run_prospect(..., prospect_version='D')``,
  400-2500 nm at 1 nm), reflectance ``r`` and transmittance ``t`` separately.
- Urban materials, soils, grass, water: "SpecLib Berlin Urban Gradient 2009", GFZ Data
  Services, doi 10.5880/enmap.2016.008, as distributed in the EnMAP-Box test data
  (``library_berlin.sli``, 177 bands 0.46-2.41 um, reflectance x 10000); where several
  library spectra are named, their band averages were averaged with equal weight.

Band response: boxcar of the nominal width around the nominal centre (Sentinel-2 MSI
nominal values, ESA Sentinel-2 User Handbook), integrated on a 1 nm grid after linear
interpolation; outside the data's range the edge value is held (this only matters for the
library's B1, 0.433-0.453 um, below its first band at 0.460 um, and the lower 2.5 nm of B2).
``tests/core/test_spectra.py`` re-derives these numbers from the sources.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# the band table lives in core/sentinel2.py; importers of the spectra find it here too
from ..sentinel2 import S2_BANDS, S2_CENTERS_UM, S2_RESOLUTION_M, S2_WIDTHS_UM  # noqa: F401


def band_average(
    wavelengths_um: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    band: str | tuple[float, float],
    step_um: float = 0.001,
) -> float:
    """Average a spectrum over a band's boxcar response (how the numbers below were made).

    ``band`` is a Sentinel-2 band name or a ``(centre, width)`` pair in micrometres. The
    spectrum is linearly interpolated on a ``step_um`` grid covering the band; outside the
    sampled range its edge value is held (numpy ``interp`` semantics).
    """
    if isinstance(band, str):
        centre, width = S2_CENTERS_UM[band], S2_WIDTHS_UM[band]
    else:
        centre, width = float(band[0]), float(band[1])
    wl = np.asarray(wavelengths_um, dtype=float)
    val = np.asarray(values, dtype=float)
    if wl.shape != val.shape or wl.ndim != 1 or wl.size < 2:
        raise ValueError("wavelengths and values must be 1-D arrays of the same length")
    order = np.argsort(wl)
    n = max(int(round(width / step_um)), 1)
    # midpoints of n equal sub-intervals of [centre - width/2, centre + width/2]
    grid = centre - width / 2 + (np.arange(n) + 0.5) * (width / n)
    return float(np.mean(np.interp(grid, wl[order], val[order])))


def band_average_all(
    wavelengths_um: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Band-average one spectrum over all twelve Sentinel-2 bands (in ``S2_BANDS`` order)."""
    return np.array([band_average(wavelengths_um, values, b) for b in S2_BANDS])


# --------------------------------------------------------------------------------------
# Leaves: PROSPECT-D (prosail 2.0.5, run_prospect(**params, prospect_version="D")),
# band-averaged reflectance r and transmittance t, in S2_BANDS order.
# --------------------------------------------------------------------------------------

#: PROSPECT-D parameters of each leaf spectrum (prosail keyword names): N structure (-),
#: Cab, Car, Ant (ug/cm2), Cbrown (-), Cw, Cm (g/cm2).
LEAF_PROSPECT_PARAMS: dict[str, dict[str, float]] = {
    # young maize leaves (about V6): thin, moderate chlorophyll
    "maize_early": dict(n=1.4, cab=35.0, car=8.0, cbrown=0.0, cw=0.012, cm=0.0040, ant=1.0),
    # maize at full vegetative growth (about V12-VT): dark green, well watered
    "maize_mid": dict(n=1.5, cab=55.0, car=12.0, cbrown=0.0, cw=0.014, cm=0.0050, ant=1.0),
    # senescing maize (about R5): less chlorophyll, some brown pigment, drier
    "maize_late": dict(n=1.8, cab=25.0, car=8.0, cbrown=0.4, cw=0.010, cm=0.0065, ant=2.0),
    # broadleaf deciduous tree leaf in summer
    "tree_leaf": dict(n=1.7, cab=45.0, car=10.0, cbrown=0.0, cw=0.012, cm=0.0080, ant=2.0),
}

#: Band-averaged PROSPECT-D leaf reflectance (parameters in LEAF_PROSPECT_PARAMS).
LEAF_R: dict[str, tuple[float, ...]] = {
    "maize_early": (
        0.04138, 0.05304, 0.12820, 0.04017, 0.18667, 0.40963,
        0.44580, 0.44583, 0.44567, 0.44034, 0.29608, 0.15275,
    ),
    "maize_mid": (
        0.04122, 0.04629, 0.09571, 0.03606, 0.14319, 0.40411,
        0.45901, 0.45909, 0.45890, 0.45288, 0.29369, 0.14293,
    ),
    "maize_late": (
        0.04244, 0.05788, 0.14037, 0.05722, 0.24219, 0.42082,
        0.46233, 0.47910, 0.48478, 0.48836, 0.35279, 0.19064,
    ),
    "tree_leaf": (
        0.04132, 0.05094, 0.11556, 0.03921, 0.18292, 0.43327,
        0.47812, 0.47819, 0.47803, 0.47291, 0.31879, 0.15583,
    ),
}

#: Band-averaged PROSPECT-D leaf transmittance (parameters in LEAF_PROSPECT_PARAMS).
LEAF_T: dict[str, tuple[float, ...]] = {
    "maize_early": (
        0.00157, 0.02931, 0.14612, 0.01903, 0.22618, 0.47358,
        0.51445, 0.51418, 0.51396, 0.51029, 0.41339, 0.27761,
    ),
    "maize_mid": (
        0.00013, 0.01237, 0.08842, 0.00473, 0.15228, 0.43281,
        0.49175, 0.49154, 0.49130, 0.48703, 0.37720, 0.23544,
    ),
    "maize_late": (
        0.00150, 0.01681, 0.09233, 0.02340, 0.19293, 0.36163,
        0.40343, 0.41904, 0.42439, 0.42957, 0.35524, 0.22718,
    ),
    "tree_leaf": (
        0.00028, 0.01292, 0.08241, 0.00701, 0.15594, 0.40045,
        0.44667, 0.44645, 0.44625, 0.44309, 0.34627, 0.20595,
    ),
}

# --------------------------------------------------------------------------------------
# Opaque materials, band-averaged reflectance in S2_BANDS order. "Berlin library" is
# SpecLib Berlin Urban Gradient 2009 (GFZ Data Services, doi 10.5880/enmap.2016.008,
# EnMAP-Box test-data version); names in quotes are its spectrum names.
# --------------------------------------------------------------------------------------

#: Source spectra averaged into each material ("prosail:rsoilN" = prosail package soil data).
MATERIAL_SOURCES: dict[str, tuple[str, ...]] = {
    "soil_dry": ("bare soil 1", "bare soil 2"),
    "roof_tile": ("red clay tile 1", "red clay tile 2", "red clay tile 3", "red clay tile 4"),
    "roof_concrete": ("concrete 1", "concrete 2", "concrete 3"),
    "roof_bitumen": ("bitumen 1", "bitumen 2", "bitumen 3", "bitumen 4", "bitumen 5"),
    "roof_zinc": ("zinc",),
    "wall_plaster": ("light gray roof material (unknown)",),
    "asphalt": ("asphalt 1", "asphalt 2", "asphalt 3", "asphalt 4"),
    "grass": ("grass (intensively manicured) 1", "grass (intensively manicured) 2"),
    "water": ("water1",),
    "bark": ("brown tile",),
    "soil_dry_prosail": ("prosail:rsoil1",),
    "soil_wet": ("prosail:rsoil2",),
}

#: Band-averaged reflectance of opaque materials (sources in MATERIAL_SOURCES).
MATERIALS: dict[str, tuple[float, ...]] = {
    # Berlin library: mean of "bare soil 1", "bare soil 2"
    "soil_dry": (
        0.08237, 0.10118, 0.13033, 0.17046, 0.18131, 0.18949,
        0.20074, 0.21341, 0.21857, 0.23352, 0.31582, 0.31704,
    ),
    # Berlin library: mean of "red clay tile 1" .. "red clay tile 4"
    "roof_tile": (
        0.05448, 0.06302, 0.09350, 0.17415, 0.19050, 0.20480,
        0.21164, 0.20932, 0.20742, 0.22949, 0.35324, 0.35953,
    ),
    # Berlin library: mean of "concrete 1" .. "concrete 3" (grey concrete)
    "roof_concrete": (
        0.12149, 0.14459, 0.17393, 0.20179, 0.20547, 0.20777,
        0.21372, 0.21991, 0.22237, 0.22845, 0.24970, 0.19185,
    ),
    # Berlin library: mean of "bitumen 1" .. "bitumen 5" (dark roofing)
    "roof_bitumen": (
        0.06180, 0.07079, 0.07519, 0.07526, 0.07786, 0.08108,
        0.08409, 0.08564, 0.08569, 0.09091, 0.13304, 0.13259,
    ),
    # Berlin library: "zinc" (metal roofing)
    "roof_zinc": (
        0.09108, 0.10450, 0.10874, 0.08780, 0.08318, 0.08118,
        0.08305, 0.08683, 0.08741, 0.09827, 0.14098, 0.13400,
    ),
    # Berlin library: "light gray roof material (unknown)"; proxy for light
    # grey plaster walls: the library holds no facade spectra
    "wall_plaster": (
        0.14254, 0.16484, 0.19043, 0.20332, 0.20759, 0.21252,
        0.21722, 0.22027, 0.22174, 0.22261, 0.21312, 0.19049,
    ),
    # Berlin library: mean of "asphalt 1" .. "asphalt 4"
    "asphalt": (
        0.05281, 0.05975, 0.06454, 0.06890, 0.07066, 0.07240,
        0.07390, 0.07467, 0.07460, 0.07787, 0.09130, 0.08925,
    ),
    # Berlin library: mean of "grass (intensively manicured) 1", "... 2" (lawn)
    "grass": (
        0.02713, 0.03463, 0.06591, 0.04442, 0.15723, 0.29413,
        0.36822, 0.40059, 0.41365, 0.42375, 0.23289, 0.10891,
    ),
    # Berlin library: "water1" ("water 2" is left out: its blue is 0.35, glint-like)
    "water": (
        0.01808, 0.02008, 0.02650, 0.01719, 0.01626, 0.01669,
        0.01637, 0.01407, 0.01331, 0.01282, 0.00718, 0.00469,
    ),
    # Berlin library: "brown tile"; proxy for tree bark (brown, reflectance rising
    # into the SWIR): the library holds no bark spectrum
    "bark": (
        0.04394, 0.04980, 0.06691, 0.10573, 0.11568, 0.12477,
        0.13673, 0.14658, 0.14909, 0.18366, 0.43741, 0.46157,
    ),
    # prosail 2.0.5 package data soil_reflectance.txt, column rsoil1 (PROSAIL's
    # default dry soil)
    "soil_dry_prosail": (
        0.22195, 0.23115, 0.26361, 0.31771, 0.33865, 0.35839,
        0.37877, 0.40383, 0.41285, 0.44093, 0.50899, 0.49430,
    ),
    # prosail 2.0.5 package data soil_reflectance.txt, column rsoil2 (PROSAIL's
    # default wet soil); the Berlin library has no wet soil
    "soil_wet": (
        0.02624, 0.02519, 0.02863, 0.03839, 0.04318, 0.05044,
        0.05740, 0.06844, 0.07236, 0.08832, 0.15715, 0.11298,
    ),
}


def leaf_albedo(name: str) -> np.ndarray:
    """Leaf albedo r + t per band: the OP US-DART retrieves for translucent elements."""
    return np.asarray(LEAF_R[name]) + np.asarray(LEAF_T[name])


def leaf_rt_ratio(name: str) -> np.ndarray:
    """Leaf r/t per band: the known ratio that splits a retrieved albedo into r and t."""
    return np.asarray(LEAF_R[name]) / np.asarray(LEAF_T[name])


def leaf_rt_ratio_constant(name: str) -> float:
    """One r/t for all bands (sum of r over sum of t), for tools that take a single ratio."""
    return float(np.sum(LEAF_R[name]) / np.sum(LEAF_T[name]))


def skyl_clear_sky(
    sun_zenith_deg: float, aot550: float = 0.1, angstrom_exponent: float = 1.3
) -> dict[str, float]:
    """Approximate clear-sky SKYL (diffuse / total downward irradiance) per S2 band.

    A demo needs plausible per-band sky fractions, not an atmospheric code. Rayleigh optical
    depth from Hansen & Travis (1974, Space Sci. Rev. 16:527, sea level), aerosol optical
    depth ``aot550 * (wl / 0.55) ** -angstrom_exponent``, non-absorbing; direct irradiance
    ``exp(-tau / mu)``; scattered light ``1 - exp(-tau / mu)`` of which half of the Rayleigh
    part and 75 % of the aerosol part goes down. Gas absorption cancels in the ratio and is
    ignored. Gives about 0.24 at B1 and 0.015 at B12 for a 30 degree sun.
    """
    mu = math.cos(math.radians(sun_zenith_deg))
    if mu <= 0.05:
        raise ValueError("sun zenith must be below about 87 degrees")
    out = {}
    for band in S2_BANDS:
        wl = S2_CENTERS_UM[band]
        tau_r = 0.008569 * wl**-4 * (1.0 + 0.0113 * wl**-2 + 0.00013 * wl**-4)
        tau_a = aot550 * (wl / 0.55) ** -angstrom_exponent
        tau = tau_r + tau_a
        direct = math.exp(-tau / mu)
        diffuse = (1.0 - direct) * (0.5 * tau_r + 0.75 * tau_a) / tau
        out[band] = round(diffuse / (direct + diffuse), 4)
    return out
