"""unmix3d:simulate and unmix3d:unmix as users run them, on a small scene written as OBJ."""

import re

import numpy as np
import pytest
from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

from unmix3d.core.raster_io import read_raster, write_raster

X0, Y0, SIZE = 500000.0, 4800000.0, 200.0
BANDS = ["B2", "B3", "B4", "B8"]
TRUTH = {"ground": [0.08, 0.12, 0.16, 0.25], "roof": [0.3, 0.28, 0.25, 0.22],
         "vegetation": [0.1, 0.25, 0.08, 0.9]}
EXTENT = f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]"


def rectangle(x0, y0, x1, y1, z):
    a, b, c, d = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [(a, b, c), (a, c, d)]


def box(x0, y0, x1, y1, height):
    faces = rectangle(x0, y0, x1, y1, height)
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
        faces += [((ax, ay, 0), (bx, by, 0), (bx, by, height)),
                  ((ax, ay, 0), (bx, by, height), (ax, ay, height))]
    return faces


def write_obj(path, groups):
    lines, count = [], 0
    for name, triangles in groups.items():
        lines.append(f"g {name}")
        for triangle in triangles:
            for x, y, z in triangle:
                lines.append(f"v {x:.3f} {y:.3f} {z:.3f}")
            lines.append(f"f {count + 1} {count + 2} {count + 3}")
            count += 3
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scene")
    rng = np.random.default_rng(0)
    leaves = []
    for _ in range(1500):
        centre = np.array([X0 + rng.uniform(110, 190), Y0 + rng.uniform(20, 90),
                           rng.uniform(1, 8)])
        leaves.append([tuple(centre + rng.uniform(-0.8, 0.8, 3)) for _ in range(3)])
    write_obj(folder / "scene.obj", {
        "ground": rectangle(X0, Y0, X0 + SIZE, Y0 + SIZE, 0.0),
        "roof_a": box(X0 + 23, Y0 + 117, X0 + 71, Y0 + 176, 12.0),
        "roof_b": box(X0 + 128, Y0 + 133, X0 + 165, Y0 + 181, 7.0),
        "tree_crowns": leaves,
    })
    header = "element,match,type,rt_ratio,rule," + ",".join(BANDS) + "\n"
    rows = [f"ground,ground,opaque,,,{','.join(map(str, TRUTH['ground']))}\n",
            f"roof,roof_*,opaque,,,{','.join(map(str, TRUTH['roof']))}\n",
            f"vegetation,tree_*,translucent,1.1,B8 > B4,"
            f"{','.join(map(str, TRUTH['vegetation']))}\n"]
    (folder / "elements.csv").write_text(header + "".join(rows))
    truth = folder / "truth"
    for name, values in TRUTH.items():
        write_raster(truth / f"{name}.tif", np.broadcast_to(np.array(values)[:, None, None],
                                                            (4, 20, 20)),
                     None, (X0, 10, 0, Y0 + SIZE, 0, -10), utm_wkt(), BANDS)
    return folder


def utm_wkt():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    return srs.ExportToWkt()


GEOMETRY = {"SUN_ZENITH": 35.0, "SUN_AZIMUTH": 160.0, "VIEW_ZENITH": 5.0, "VIEW_AZIMUTH": 100.0,
            "SKYL": "0.2,0.15,0.12,0.06"}


@pytest.fixture(scope="module")
def satellite(scene_files, unmix3d_provider, tmp_path_factory):
    import processing

    out = tmp_path_factory.mktemp("sat")
    result = processing.run("unmix3d:simulate", {
        "MOCKUP": str(scene_files / "scene.obj"), "ELEMENTS": str(scene_files / "elements.csv"),
        "EXTENT": EXTENT, "PIXEL_SIZE": 10.0, "CRS": "EPSG:32631", "BANDS": ",".join(BANDS),
        **GEOMETRY, "SAMPLES": 256, "SEED": 99, "OUTPUT": str(out / "satellite.tif"),
        "FRACTIONS": str(out / "fractions.tif"), "STDERR": str(out / "stderr.tif"),
        "GRADIENTS": str(out / "gradients"),
    })
    return out, result


def test_simulate_writes_named_bands_fractions_and_gradients(satellite):
    out, result = satellite
    image = read_raster(result["OUTPUT"])
    assert image.band_names == BANDS and image.shape == (20, 20)
    assert image.geotransform == (X0, 10, 0, Y0 + SIZE, 0, -10)
    fractions = read_raster(result["FRACTIONS"])
    assert fractions.band_names == ["ground", "roof", "vegetation"]
    np.testing.assert_allclose(fractions.data.sum(axis=0), 1.0, atol=1e-6)
    # open ground: nearly a Lambertian plane (BRF = rho), less the sky that the buildings and
    # trees 50 m away hide and plus the light they reflect (a few tenths of a per cent)
    assert fractions.data[0, 15, 2] == 1.0
    np.testing.assert_allclose(image.data[:, 15, 2], TRUTH["ground"], rtol=5e-3)
    gradient = read_raster(out / "gradients" / "ground.tif")
    np.testing.assert_allclose(gradient.data[:, 15, 2], 1.0, rtol=1e-2)
    for name in ("vegetation_r.tif", "vegetation_t.tif", "roof.tif"):
        assert (out / "gradients" / name).exists()
    stderr = read_raster(result["STDERR"])
    assert (stderr.data[:, fractions.data[2] > 0.3] > 0).all()  # leaves are noisy


def run_unmix(run_algorithm, scene_files, image, out, **extra):
    return run_algorithm("unmix3d:unmix", {
        "IMAGE": str(image), "MOCKUP": str(scene_files / "scene.obj"),
        "ELEMENTS": str(scene_files / "elements.csv"), **GEOMETRY, "SAMPLES": 64, "SEED": 3,
        "ITERATIONS": 4, "WINDOW": "5x5", "TRUTH": str(scene_files / "truth"),
        "OUTPUT_FOLDER": str(out), "SIMULATED": str(out / "simulated.tif"),
        "REPORT": str(out / "report.html"), "ACCURACY": str(out / "accuracy.csv"),
        "LOAD_MAPS": False, **extra,
    })


def test_unmix_writes_op_maps_report_and_accuracy(run_algorithm, scene_files, satellite,
                                                  tmp_path):
    _, result = satellite
    out = tmp_path / "maps"
    outputs = run_unmix(run_algorithm, scene_files, result["OUTPUT"], out)
    fractions = read_raster(result["FRACTIONS"]).data
    for i, name in enumerate(["ground", "roof", "vegetation"]):
        op = read_raster(out / f"{name}.tif")
        assert op.band_names == BANDS
        # NoData below MIN_FRACTION = 0.05 (of the unmix trace's own estimate of fractions)
        assert op.valid[0][fractions[i] >= 0.15].all() and not op.valid[0][fractions[i] == 0].any()
        if name != "vegetation":  # opaque: the target, median error <= 0.3 %
            pure = fractions[i] == 1.0
            error = np.abs(op.data[:, pure] / np.array(TRUTH[name])[:, None] - 1)
            assert np.median(error) <= 0.003
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64") >= 4 and "Accuracy table" in report
    accuracy = (out / "accuracy.csv").read_text().splitlines()
    assert accuracy[0].startswith("case,element,pixels") and len(accuracy) == 4
    assert outputs["OUTPUT_FOLDER"] == str(out)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_closure_and_minor_elements_reach_the_run(run_algorithm, scene_files, satellite,
                                                 tmp_path):
    """CLOSURE makes the simulated image equal the image (float32 outputs); the report and
    the accuracy table say which settings ran."""
    _, result = satellite
    out = tmp_path / "closed"
    run_unmix(run_algorithm, scene_files, result["OUTPUT"], out, CLOSURE=True,
              MINOR_PER_WINDOW=True)
    image, simulated = read_raster(result["OUTPUT"]), read_raster(out / "simulated.tif")
    np.testing.assert_allclose(simulated.data, image.data, rtol=1e-5)
    report = (out / "report.html").read_text()
    assert re.search(r"minor elements</td>\s*<td>window<", report)
    assert re.search(r"closure</td>\s*<td>True<", report)
    assert "us-dart + closure" in (out / "accuracy.csv").read_text()
    # with the baseline, CLOSURE is ignored (a warning says so) and not reported as run
    out = tmp_path / "baseline"
    run_unmix(run_algorithm, scene_files, result["OUTPUT"], out, CLOSURE=True, METHOD=1)
    assert re.search(r"closure</td>\s*<td>False<", (out / "report.html").read_text())
    assert "+ closure" not in (out / "accuracy.csv").read_text()


def test_scaled_reflectance_is_refused_with_the_fix(run_algorithm, scene_files, satellite,
                                                    tmp_path):
    _, result = satellite
    image = read_raster(result["OUTPUT"])
    scaled = tmp_path / "scaled.tif"
    write_raster(scaled, image.data * 10000 + 1000, None, image.geotransform, image.crs_wkt,
                 BANDS)
    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match="SCALE=0.0001 and OFFSET=-0.1"):
        run_unmix(run_algorithm, scene_files, scaled, out)
    assert not out.exists() or not list(out.glob("*.tif"))
    maps = run_unmix(run_algorithm, scene_files, scaled, out, SCALE=0.0001, OFFSET=-0.1)
    assert (out / "ground.tif").exists() and maps


def test_nodata_pixels_stay_nodata(run_algorithm, scene_files, satellite, tmp_path):
    _, result = satellite
    image = read_raster(result["OUTPUT"])
    holes = image.data.copy()
    holes[:, 3:6, 3:6] = np.nan
    path = tmp_path / "holes.tif"
    write_raster(path, holes, None, image.geotransform, image.crs_wkt, BANDS)
    out = tmp_path / "maps"
    run_unmix(run_algorithm, scene_files, path, out)
    simulated = read_raster(out / "simulated.tif")
    assert not simulated.valid[:, 3:6, 3:6].any() and simulated.valid[:, 10, 10].all()


def test_image_outside_the_mockup_is_refused(run_algorithm, scene_files, satellite, tmp_path):
    _, result = satellite
    image = read_raster(result["OUTPUT"])
    moved = tmp_path / "elsewhere.tif"
    x0, dx, _, y0, _, dy = image.geotransform
    write_raster(moved, image.data, None, (x0 + 50000, dx, 0, y0, 0, dy), image.crs_wkt, BANDS)
    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match="do not overlap"):
        run_unmix(run_algorithm, scene_files, moved, out)
    assert not out.exists() or not list(out.glob("*.tif"))


@pytest.mark.parametrize("extra, message", [
    ({"WINDOW": "1x2"}, "fewer than the 3 elements"),
    ({"WINDOW": "five"}, "WINDOW 'five'"),
    ({"SKYL": "0.1,0.2"}, "SKYL has 2 values"),
])
def test_bad_parameters_are_named(run_algorithm, scene_files, satellite, tmp_path, extra,
                                  message):
    _, result = satellite
    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match=message):
        run_unmix(run_algorithm, scene_files, result["OUTPUT"], out, **extra)
    assert not out.exists() or not list(out.glob("*.tif"))


def test_rule_naming_an_absent_band_is_refused(run_algorithm, scene_files, satellite, tmp_path):
    _, result = satellite
    table = (scene_files / "elements.csv").read_text().replace("B8 > B4", "B8A > B4")
    bad = tmp_path / "elements.csv"
    bad.write_text(table)
    with pytest.raises(QgsProcessingException, match="B8A"):
        run_unmix(run_algorithm, scene_files, result["OUTPUT"], tmp_path / "maps",
                  ELEMENTS=str(bad))


def test_cancel_mid_run_leaves_no_op_maps(unmix3d_provider, scene_files, satellite, tmp_path):
    _, result = satellite

    class CancelDuringTrace(QgsProcessingFeedback):
        def setProgress(self, progress):  # noqa: N802 - QGIS API
            super().setProgress(progress)
            if progress > 1:
                self.cancel()

    algorithm = unmix3d_provider.algorithm("unmix")
    out = tmp_path / "maps"
    parameters = {"IMAGE": result["OUTPUT"], "MOCKUP": str(scene_files / "scene.obj"),
                  "ELEMENTS": str(scene_files / "elements.csv"), **GEOMETRY,
                  "OUTPUT_FOLDER": str(out), "LOAD_MAPS": False}
    context = QgsProcessingContext()
    _, ok = algorithm.run(parameters, context, CancelDuringTrace())
    assert not ok
    assert not out.exists() or not list(out.glob("*.tif"))


def test_simulate_from_op_maps_reproduces_the_table(run_algorithm, scene_files, satellite,
                                                    tmp_path):
    _, result = satellite
    out = tmp_path / "from_maps.tif"
    run_algorithm("unmix3d:simulate", {
        "MOCKUP": str(scene_files / "scene.obj"), "ELEMENTS": str(scene_files / "elements.csv"),
        "OP_MAPS": str(scene_files / "truth"), "REFERENCE": result["OUTPUT"], **GEOMETRY,
        "SAMPLES": 256, "SEED": 99, "OUTPUT": str(out), "FRACTIONS": None,
    })
    # same seed, same paths: equal but for the float32 storage of the GeoTIFFs
    np.testing.assert_allclose(read_raster(out).data, read_raster(result["OUTPUT"]).data,
                               rtol=3e-7)


def test_op_maps_load_as_a_styled_group(unmix3d_provider, scene_files, satellite, tmp_path):
    import processing
    from qgis.core import QgsMultiBandColorRenderer, QgsProject

    _, result = satellite
    project = QgsProject.instance()
    processing.runAndLoadResults("unmix3d:unmix", {
        "IMAGE": result["OUTPUT"], "MOCKUP": str(scene_files / "scene.obj"),
        "ELEMENTS": str(scene_files / "elements.csv"), **GEOMETRY, "ITERATIONS": 1,
        "OUTPUT_FOLDER": str(tmp_path / "maps"), "SIMULATED": None, "REPORT": None,
        "LOAD_MAPS": True,
    })
    groups = [g for g in project.layerTreeRoot().findGroups() if g.name().startswith("OP maps")]
    assert len(groups) == 1
    names = sorted(layer.name() for layer in groups[0].findLayers())
    assert names == ["ground", "roof", "vegetation"]
    for node in groups[0].findLayers():
        assert isinstance(node.layer().renderer(), QgsMultiBandColorRenderer)
    project.clear()


def error_pixels(raster):
    return raster.data.shape[1] * raster.data.shape[2]


def test_tiled_simulate_matches_untiled_and_refuses_gradients(run_algorithm, scene_files,
                                                              tmp_path):
    common = {"MOCKUP": str(scene_files / "scene.obj"),
              "ELEMENTS": str(scene_files / "elements.csv"), "EXTENT": EXTENT,
              "PIXEL_SIZE": 10.0, "CRS": "EPSG:32631", "BANDS": ",".join(BANDS), **GEOMETRY,
              "SAMPLES": 16, "SEED": 5}
    products = {}
    for tile_size in (0, 6):
        products[tile_size] = run_algorithm("unmix3d:simulate", {
            **common, "TILE_SIZE": tile_size, "OUTPUT": str(tmp_path / f"r{tile_size}.tif"),
            "FRACTIONS": str(tmp_path / f"f{tile_size}.tif"),
            "STDERR": str(tmp_path / f"e{tile_size}.tif")})
    image, tiled = (read_raster(products[k]["OUTPUT"]) for k in (0, 6))
    assert tiled.band_names == BANDS and tiled.geotransform == image.geotransform
    # each element's visible share of the scene, within its binomial noise
    fractions = [read_raster(products[k]["FRACTIONS"]).data.mean(axis=(1, 2)) for k in (0, 6)]
    noise = np.sqrt(fractions[0] * (1 - fractions[0]) / (16 * error_pixels(image)))
    assert (np.abs(fractions[1] - fractions[0]) <= 3 * noise + 1e-12).all()
    error = read_raster(products[0]["STDERR"]).data
    mean_error = np.sqrt((error ** 2).sum(axis=(1, 2))) / error[0].size
    assert (np.abs((tiled.data - image.data).mean(axis=(1, 2))) < 3 * mean_error).all()
    with pytest.raises(QgsProcessingException, match="TILE_SIZE 6: tiled runs"):
        run_algorithm("unmix3d:simulate", {**common, "TILE_SIZE": 6,
                                           "OUTPUT": str(tmp_path / "g.tif"),
                                           "GRADIENTS": str(tmp_path / "gradients")})
