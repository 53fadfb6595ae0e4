"""Top-of-atmosphere input: unmix3d:simulate writes a TOA image through 6S, unmix3d:unmix
with INPUT_LEVEL=1 (TOA) unmixes it headless through qgis_process (the trace has the same seed,
so the OPs come back to rounding), bad atmospheres are named."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from obj_scene import box, rectangle
from qgis.core import QgsProcessingException

from unmix3d.core.raster_io import read_raster

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "qgis_process.sh"
X0, Y0, SIZE = 500000.0, 4800000.0, 100.0
GROUND, ROOF = (0.12, 0.3), (0.35, 0.25)  # B4, B8A
COMMON = ["SUN_ZENITH=40", "SUN_AZIMUTH=150", "VIEW_ZENITH=10", "VIEW_AZIMUTH=100",
          "SAMPLES=16", "SEED=5", "AOT550=0.3", "AEROSOL_MODEL=2", "DATE=2024-06-15"]




@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """Ground and one 8 m building (its shadow reacts to SKYL; the NW corner pixel is open
    ground, the centre pixel roof)."""
    folder = tmp_path_factory.mktemp("toa")
    lines, count = [], 0
    for name, triangles in (("ground", rectangle(X0, Y0, X0 + SIZE, Y0 + SIZE, 0.0)),
                            ("roof", box(X0 + 30, Y0 + 30, X0 + 70, Y0 + 70, 8.0))):
        lines.append(f"g {name}")
        for triangle in triangles:
            lines += [f"v {x:.2f} {y:.2f} {z:.2f}" for x, y, z in triangle]
            lines.append(f"f {count + 1} {count + 2} {count + 3}")
            count += 3
    (folder / "scene.obj").write_text("\n".join(lines) + "\n")
    (folder / "elements.csv").write_text(
        "element,match,type,rt_ratio,rule,B4,B8A\n"
        f"ground,ground,opaque,,,{GROUND[0]},{GROUND[1]}\n"
        f"roof,roof,opaque,,,{ROOF[0]},{ROOF[1]}\n")
    return folder


def qgis_process(*args, home):
    env = dict(os.environ, HOME=str(home))
    return subprocess.run([str(WRAPPER), *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_toa_simulate_then_unmix_headless(run_algorithm, scene, tmp_path):
    from unmix3d.core.atmosphere.sixs import Atmosphere, lambertian_toa
    from unmix3d.core.simulate import Geometry

    toa_image = tmp_path / "toa.tif"
    parameters = dict(item.split("=") for item in COMMON)
    run_algorithm("unmix3d:simulate", {
        **parameters, "MOCKUP": str(scene / "scene.obj"),
        "ELEMENTS": str(scene / "elements.csv"),
        "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]", "PIXEL_SIZE": 10.0,
        "CRS": "EPSG:32631", "BANDS": "B4,B8A", "INPUT_LEVEL": 1, "ADJACENCY": False,
        "OUTPUT": str(toa_image)})
    toa = read_raster(toa_image)
    # without adjacency a pixel of pure ground is 6S's TOA for a ground of that reflectance
    geometry = Geometry(40, 150, 10, 100)
    atmosphere = Atmosphere("urban", 0.3, month=6, day=15)
    for b, band in enumerate(("B4", "B8A")):
        expected = lambertian_toa("S2A", band, geometry, atmosphere, GROUND[b])
        assert toa.data[b, 0, 0] == pytest.approx(expected, rel=5e-3)
        assert toa.data[b, 0, 0] != pytest.approx(GROUND[b], rel=0.02)
    folder = tmp_path / "maps"
    run = qgis_process(
        "run", "unmix3d:unmix", "--json", "--", f"IMAGE={toa_image}",
        f"MOCKUP={scene / 'scene.obj'}", f"ELEMENTS={scene / 'elements.csv'}",
        "INPUT_LEVEL=1", "ADJACENCY=false", *COMMON, "TRACE_NOISE=0", "ITERATIONS=2",
        "WINDOW=3x3",
        "LOAD_MAPS=false", f"OUTPUT_FOLDER={folder}", f"REPORT={tmp_path / 'report.html'}",
        home=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout[run.stdout.index("{"):])["results"]["OUTPUT_FOLDER"]
    ground = read_raster(folder / "ground.tif")
    np.testing.assert_allclose(ground.data[:, 0, 0], GROUND, rtol=1e-3)
    roof = read_raster(folder / "roof.tif")
    np.testing.assert_allclose(roof.data[:, 5, 5], ROOF, rtol=1e-3)
    report = (tmp_path / "report.html").read_text()
    assert "6S B4" in report and "spherical albedo" in report


@pytest.mark.parametrize("extra, message", [
    ({"AOT550": 5.0}, "AOT550 5 is out of range [0, 3]"),
    ({"SKYL": "6S", "DATE": "June"}, "DATE 'June' must look like 2024-06-15"),
    ({"INPUT_LEVEL": 1, "BANDS": "B4,B13"}, "band 'B13' has no spectral response function"),
])
def test_bad_atmosphere_is_named(run_algorithm, scene, tmp_path, extra, message):
    parameters = {
        "MOCKUP": str(scene / "scene.obj"), "ELEMENTS": str(scene / "elements.csv"),
        "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]", "PIXEL_SIZE": 10.0,
        "CRS": "EPSG:32631", "BANDS": "B4,B8A", "INPUT_LEVEL": 1, "SAMPLES": 1,
        "SUN_ZENITH": 30.0, "SUN_AZIMUTH": 150.0, "VIEW_ZENITH": 0.0, "VIEW_AZIMUTH": 0.0,
        "OUTPUT": str(tmp_path / "out.tif"), **extra,
    }
    with pytest.raises(QgsProcessingException, match=message.replace("[", r"\[")
                       .replace("]", r"\]")):
        run_algorithm("unmix3d:simulate", parameters)
    assert not (tmp_path / "out.tif").exists()


def test_skyl_from_6s_at_surface_level(run_algorithm, scene, tmp_path):
    """SKYL=6S without TOA: the surface image under 6S's sky share; a plane stays rho."""
    from unmix3d.core.atmosphere.sixs import Atmosphere, band_terms
    from unmix3d.core.simulate import Geometry

    parameters = dict(item.split("=") for item in COMMON)
    result = run_algorithm("unmix3d:simulate", {
        **parameters, "MOCKUP": str(scene / "scene.obj"),
        "ELEMENTS": str(scene / "elements.csv"),
        "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]", "PIXEL_SIZE": 10.0,
        "CRS": "EPSG:32631", "BANDS": "B4,B8A", "SKYL": "6S",
        "OUTPUT": str(tmp_path / "surface.tif")})
    image = read_raster(result["OUTPUT"]).data
    np.testing.assert_allclose(image[:, 0, 0], GROUND, rtol=1e-6)  # open ground: rho (float32 file)
    skyl = [band_terms("S2A", band, Geometry(40, 150, 10, 100),
                       Atmosphere("urban", 0.3, month=6, day=15)).sky_share
            for band in ("B4", "B8A")]
    others = {}
    for text in (",".join(f"{v:.12f}" for v in skyl), "0"):
        others[text] = read_raster(run_algorithm("unmix3d:simulate", {
            **parameters, "MOCKUP": str(scene / "scene.obj"),
            "ELEMENTS": str(scene / "elements.csv"),
            "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]", "PIXEL_SIZE": 10.0,
            "CRS": "EPSG:32631", "BANDS": "B4,B8A", "SKYL": text,
            "OUTPUT": str(tmp_path / f"skyl{len(others)}.tif")})["OUTPUT"]).data
    numeric, no_sky = others.values()
    np.testing.assert_allclose(image, numeric, rtol=1e-6)  # SKYL=6S is 6S's sky share
    assert np.abs(image - no_sky).max() > 1e-3  # and SKYL matters in shadows
