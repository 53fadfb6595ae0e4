"""The carried demo spectra: plausible, and re-derivable from their cited sources."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import prosail
import pytest

from unmix3d.core.scene import spectra as sp

BERLIN = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "berlin"
# carried with 5 decimals: a re-derivation must agree to rounding
TOL = 6e-6


def _berlin_library() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    hdr = (BERLIN / "library_berlin.hdr").read_text()
    wl = np.array([float(x) for x in re.search(r"wavelength\s*=\s*\{([^}]*)\}", hdr)
                   .group(1).split(",")])
    names_block = re.search(r"spectra names\s*=\s*\{([^}]*)\}", hdr).group(1)
    names = [n.strip() for n in names_block.replace("\n", " ").split(",")]
    data = np.fromfile(BERLIN / "library_berlin.sli", dtype="<f8").reshape(len(names), wl.size)
    csv_names = [line.split(",")[0] for line in
                 (BERLIN / "library_berlin.csv").read_text().splitlines()[1:]]
    assert csv_names == names
    return wl, {n: d / 10000.0 for n, d in zip(names, data, strict=True)}


def test_band_table_matches_sentinel2_nominal():
    assert sp.S2_BANDS == ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9",
                           "B11", "B12")
    centres = [sp.S2_CENTERS_UM[b] for b in sp.S2_BANDS]
    assert centres == sorted(centres)
    assert sp.S2_CENTERS_UM["B8"] == 0.842 and sp.S2_WIDTHS_UM["B8"] == 0.115
    assert sp.S2_CENTERS_UM["B12"] == 2.190 and sp.S2_WIDTHS_UM["B12"] == 0.180
    assert all(sp.S2_WIDTHS_UM[b] > 0 for b in sp.S2_BANDS)
    assert {sp.S2_RESOLUTION_M[b] for b in ("B2", "B3", "B4", "B8")} == {10}


def test_band_average_is_a_boxcar_mean():
    wl = np.linspace(0.4, 2.5, 50)
    assert sp.band_average(wl, np.full(50, 0.3), "B4") == pytest.approx(0.3)
    # a linear spectrum averages to its value at the band centre
    assert sp.band_average(wl, 2.0 * wl, "B11") == pytest.approx(2 * 1.610, rel=1e-9)
    # explicit (centre, width); a step inside the band gives the covered fraction
    wl2 = np.array([0.9, 0.99999, 1.0, 1.1])
    assert sp.band_average(wl2, [0, 0, 1, 1], (1.0, 0.1)) == pytest.approx(0.5, abs=0.011)
    assert sp.band_average_all(wl, wl).shape == (12,)
    with pytest.raises(ValueError):
        sp.band_average([0.5], [0.1], "B2")


def test_all_spectra_physical():
    for name in sp.LEAF_R:
        r, t = np.asarray(sp.LEAF_R[name]), np.asarray(sp.LEAF_T[name])
        assert r.shape == t.shape == (12,)
        assert np.all((r > 0) & (r < 1) & (t > 0) & (t < 1))
        assert np.all(r + t <= 1.0), name
        a = sp.leaf_albedo(name)
        i = {b: k for k, b in enumerate(sp.S2_BANDS)}
        # chlorophyll well and red edge
        assert a[i["B8"]] > a[i["B4"]] and a[i["B3"]] > a[i["B4"]]
        assert a[i["B7"]] > a[i["B5"]] > a[i["B4"]]
        # water absorption lowers SWIR below NIR
        assert a[i["B12"]] < a[i["B11"]] < a[i["B8"]]
        assert np.allclose(sp.leaf_rt_ratio(name) * t, r)
    for name, r in sp.MATERIALS.items():
        r = np.asarray(r)
        assert r.shape == (12,) and np.all((r > 0) & (r < 1)), name
    m = {k: np.asarray(v) for k, v in sp.MATERIALS.items()}
    b4, b8 = sp.S2_BANDS.index("B4"), sp.S2_BANDS.index("B8")
    assert m["grass"][b8] > 3 * m["grass"][b4]
    assert m["water"].max() < 0.05
    assert m["asphalt"].max() < 0.1 and m["roof_bitumen"][:10].max() < 0.1
    assert np.all(m["soil_wet"] < m["soil_dry_prosail"])
    assert m["roof_tile"][b4] > 2 * m["roof_tile"][sp.S2_BANDS.index("B2")]  # red tiles


def test_library_numbers_rederive_from_berlin_library():
    wl, lib = _berlin_library()
    checked = 0
    for name, sources in sp.MATERIAL_SOURCES.items():
        if sources[0].startswith("prosail:"):
            continue
        ref = np.mean([sp.band_average_all(wl, lib[s]) for s in sources], axis=0)
        np.testing.assert_allclose(sp.MATERIALS[name], ref, atol=TOL, err_msg=name)
        checked += 1
    assert checked >= 9


def test_leaf_numbers_rederive_from_prospect_d():
    for name, params in sp.LEAF_PROSPECT_PARAMS.items():
        wl_nm, r, t = prosail.run_prospect(prospect_version="D", **params)
        np.testing.assert_allclose(sp.LEAF_R[name], sp.band_average_all(wl_nm / 1000, r),
                                   atol=TOL, err_msg=name)
        np.testing.assert_allclose(sp.LEAF_T[name], sp.band_average_all(wl_nm / 1000, t),
                                   atol=TOL, err_msg=name)


def test_prosail_soils_rederive():
    wl = np.arange(400, 2501) / 1000.0
    soil = prosail.spectral_lib.soil
    np.testing.assert_allclose(sp.MATERIALS["soil_dry_prosail"],
                               sp.band_average_all(wl, soil.rsoil1), atol=TOL)
    np.testing.assert_allclose(sp.MATERIALS["soil_wet"],
                               sp.band_average_all(wl, soil.rsoil2), atol=TOL)


def test_skyl_plausible():
    s30, s60 = sp.skyl_clear_sky(30.0), sp.skyl_clear_sky(60.0)
    v30 = [s30[b] for b in sp.S2_BANDS]
    assert list(s30) == list(sp.S2_BANDS)
    assert all(0 < v < 0.5 for v in v30)
    assert v30 == sorted(v30, reverse=True)  # sky light is bluer than sunlight
    assert all(s60[b] > s30[b] for b in sp.S2_BANDS)
    assert 0.15 < s30["B1"] < 0.35 and s30["B12"] < 0.03


def test_no_runtime_dependency_on_sources():
    root = Path(sp.__file__).parent
    for f in ("spectra.py", *sorted(p.relative_to(root).as_posix()
                                    for p in (root / "demo_scenes").glob("*.py"))):
        code = (root / f).read_text()
        assert "import prosail" not in code and "from prosail" not in code
        assert "shared/data" not in code and "../shared" not in code
    code = (root / "spectra.py").read_text()
    assert not any(w in code for w in ("open(", "fromfile", "read_text", "loadtxt"))
