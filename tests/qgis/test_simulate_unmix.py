"""unmix3d:simulate and unmix3d:unmix as users run them, on a small scene written as OBJ."""

import re

import numpy as np
import pytest
from log_feedback import LogFeedback
from obj_scene import box, rectangle, write_obj
from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

from unmix3d.core.raster_io import read_raster, write_raster

X0, Y0, SIZE = 500000.0, 4800000.0, 200.0

BANDS = ["B2", "B3", "B4", "B8"]
TRUTH = {"ground": [0.08, 0.12, 0.16, 0.25], "roof": [0.3, 0.28, 0.25, 0.22],
         "vegetation": [0.1, 0.25, 0.08, 0.9]}
EXTENT = f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [EPSG:32631]"


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
        "TRACE_NOISE": 0.0, "ITERATIONS": 4, "WINDOW": "5x5", "TRUTH": str(scene_files / "truth"),
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
    assert "Accuracy table" in report
    assert "Monte Carlo noise reached by the trace at SAMPLES 64" in report
    for alt in ("convergence of ground", "convergence of roof", "convergence of vegetation",
                "OP error maps", "image residual map", "OP standard errors"):
        assert f'<img alt="{alt}" src="data:image/png;base64,' in report, alt
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
    # START_WEIGHT=0: with pixels held to their pure neighbours a vegetation sliver can end
    # with B8 < B4, and the spectral rule then reopens that one pixel after closure
    run_unmix(run_algorithm, scene_files, result["OUTPUT"], out, CLOSURE=True,
              MINOR_PER_WINDOW=True, START_WEIGHT=0.0)
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
        "TRACE_NOISE": 0.0, "OUTPUT_FOLDER": str(tmp_path / "maps"), "SIMULATED": None,
        "REPORT": None, "LOAD_MAPS": True,
    })
    groups = [g for g in project.layerTreeRoot().findGroups() if g.name().startswith("OP maps")]
    assert len(groups) == 1
    names = sorted(layer.name() for layer in groups[0].findLayers())
    assert names == ["ground", "roof", "vegetation"]
    for node in groups[0].findLayers():
        assert isinstance(node.layer().renderer(), QgsMultiBandColorRenderer)
    project.clear()


# failure leaves nothing ------------------------------------------------------------------
def test_unwritable_output_is_refused_before_computing_and_leaves_nothing(
        run_algorithm, scene_files, satellite, tmp_path):
    _, result = satellite
    (tmp_path / "a_file").write_text("")
    out = tmp_path / "maps"
    feedback = LogFeedback()
    with pytest.raises(QgsProcessingException, match="REPORT: cannot write into"):
        processing_run("unmix3d:unmix", unmix_parameters(
            scene_files, result["OUTPUT"], out, REPORT=str(tmp_path / "a_file" / "r.html")),
            feedback)
    assert not any("Traced" in line or "trace" in line for line in feedback.lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]
    with pytest.raises(QgsProcessingException, match="FRACTIONS: cannot write into"):
        run_algorithm("unmix3d:simulate", {
            "MOCKUP": str(scene_files / "scene.obj"),
            "ELEMENTS": str(scene_files / "elements.csv"), "REFERENCE": result["OUTPUT"],
            **GEOMETRY, "SAMPLES": 1, "OUTPUT": str(tmp_path / "sim" / "image.tif"),
            "FRACTIONS": str(tmp_path / "a_file" / "fractions.tif")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def unmix_parameters(scene_files, image, out, **extra):
    return {"IMAGE": str(image), "MOCKUP": str(scene_files / "scene.obj"),
            "ELEMENTS": str(scene_files / "elements.csv"), **GEOMETRY, "SAMPLES": 16,
            "TRACE_NOISE": 0.0, "ITERATIONS": 1, "OUTPUT_FOLDER": str(out),
            "SIMULATED": str(out / "simulated.tif"), "REPORT": str(out / "report.html"),
            "LOAD_MAPS": False, **extra}


def processing_run(algorithm_id, parameters, feedback):
    import processing

    return processing.run(algorithm_id, parameters, feedback=feedback)


@pytest.mark.parametrize("how", ["cancel", "sigterm"])
def test_cancel_or_sigterm_while_writing_leaves_nothing(unmix3d_provider, scene_files,
                                                       satellite, tmp_path, how):
    import os
    import signal

    _, result = satellite

    def stop(feedback, text):
        if text.startswith("writing roof"):  # ground.tif and its _std are staged by then
            if how == "cancel":
                feedback.cancel()
            else:
                os.kill(os.getpid(), signal.SIGTERM)

    out = tmp_path / "maps"
    algorithm = unmix3d_provider.algorithm("unmix")
    feedback = LogFeedback(stop)
    handler = signal.getsignal(signal.SIGTERM)
    _, ok = algorithm.run(unmix_parameters(scene_files, result["OUTPUT"], out),
                          QgsProcessingContext(), feedback)
    assert not ok
    assert "writing ground_std.tif" in feedback.texts and "writing roof.tif" in feedback.texts
    assert not out.exists(), list(out.iterdir())
    assert signal.getsignal(signal.SIGTERM) is handler  # put back after the run


# one validation for all algorithms ---------------------------------------------------------
def geographic_wkt():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


@pytest.mark.parametrize("crs, message", [("", "has no CRS"),
                                           ("geographic", "is in a geographic CRS")])
def test_image_without_a_projected_crs_is_refused_by_unmix_and_simulate(
        run_algorithm, scene_files, satellite, tmp_path, crs, message):
    _, result = satellite
    image = read_raster(result["OUTPUT"])
    path = tmp_path / "image.tif"
    write_raster(path, image.data, None, image.geotransform,
                 geographic_wkt() if crs else "", BANDS)
    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match=f"IMAGE image {message}"):
        run_unmix(run_algorithm, scene_files, path, out)
    with pytest.raises(QgsProcessingException, match=f"REFERENCE image {message}"):
        run_algorithm("unmix3d:simulate", {
            "MOCKUP": str(scene_files / "scene.obj"),
            "ELEMENTS": str(scene_files / "elements.csv"), "REFERENCE": str(path),
            **GEOMETRY, "OUTPUT": str(tmp_path / "sim.tif")})
    assert not out.exists() and not (tmp_path / "sim.tif").exists()


def test_band_missing_from_the_table_and_unknown_rule_band_are_refused_by_both(
        run_algorithm, scene_files, satellite, tmp_path):
    _, result = satellite
    image = read_raster(result["OUTPUT"])
    extra = tmp_path / "five_bands.tif"
    write_raster(extra, np.concatenate([image.data, image.data[:1]]), None, image.geotransform,
                 image.crs_wkt, BANDS + ["B11"])
    with pytest.raises(QgsProcessingException, match="band.s. B11 but the element table"):
        run_unmix(run_algorithm, scene_files, extra, tmp_path / "maps", SKYL="0.2")
    table = (scene_files / "elements.csv").read_text().replace("B8 > B4", "B99 > B4")
    bad = tmp_path / "elements.csv"
    bad.write_text(table)
    with pytest.raises(QgsProcessingException, match="B99"):
        run_algorithm("unmix3d:simulate", {
            "MOCKUP": str(scene_files / "scene.obj"), "ELEMENTS": str(bad),
            "REFERENCE": result["OUTPUT"], **GEOMETRY, "OUTPUT": str(tmp_path / "sim.tif")})
    assert not list(tmp_path.glob("*.tif*")) or list(tmp_path.glob("*.tif")) == [extra]


def test_angles_are_required_and_the_log_says_which_were_used(run_algorithm, scene_files,
                                                              satellite, tmp_path):
    _, result = satellite
    parameters = unmix_parameters(scene_files, result["OUTPUT"], tmp_path / "maps")
    del parameters["SUN_AZIMUTH"], parameters["VIEW_ZENITH"]
    with pytest.raises(QgsProcessingException, match="Give SUN_AZIMUTH, VIEW_ZENITH"):
        run_algorithm("unmix3d:unmix", parameters)
    simulate = {"MOCKUP": str(scene_files / "scene.obj"),
                "ELEMENTS": str(scene_files / "elements.csv"), "REFERENCE": result["OUTPUT"],
                "SUN_ZENITH": 30.0, "OUTPUT": str(tmp_path / "sim.tif")}
    with pytest.raises(QgsProcessingException, match="Give SUN_AZIMUTH, VIEW_ZENITH, VIEW_AZ"):
        run_algorithm("unmix3d:simulate", simulate)
    feedback = LogFeedback()
    processing_run("unmix3d:simulate", {**simulate, **GEOMETRY, "SAMPLES": 1}, feedback)
    assert "Angles used: sun zenith 35 (SUN_ZENITH), sun azimuth 160 (SUN_AZIMUTH)" in \
        " ".join(feedback.lines)


def test_an_element_never_seen_is_warned_about():
    from unmix3d.processing_provider.unmix import warn_unseen_elements

    feedback = LogFeedback()
    fractions = np.zeros((2, 3, 3))
    fractions[0], fractions[1, 1, 1] = 1.0, 0.02
    warn_unseen_elements(feedback, ["ground", "wall"], np.array([fractions[0] > 0,
                                                                 fractions[1] > 0.05]),
                         fractions, 0.05)
    assert len(feedback.lines) == 1 and "wall is never seen" in feedback.lines[0]
    assert "0.020" in feedback.lines[0] and "NoData" in feedback.lines[0]


def test_adaptive_sampling_is_logged_and_reported(unmix3d_provider, scene_files, satellite,
                                                 tmp_path):
    _, result = satellite
    out = tmp_path / "maps"
    feedback = LogFeedback()
    processing_run("unmix3d:unmix", unmix_parameters(scene_files, result["OUTPUT"], out,
                                                     TRACE_NOISE=0.001, TIME_BUDGET=0.0),
                   feedback)
    log = " ".join(feedback.lines)
    assert "16 samples per pixel: trace noise" in log and "aim 0.001 %" in log
    assert "adaptive sampling: time budget" in log
    assert "adaptive sampling" in (out / "report.html").read_text()


def test_the_log_says_which_monte_carlo_noise_the_trace_reached():
    from types import SimpleNamespace

    from unmix3d.processing_provider.unmix import log_noise_reached

    feedback = LogFeedback()
    simulated = np.full((2, 2, 2), 0.2)
    error = np.stack([np.full((2, 2), 0.002), np.full((2, 2), 0.004)])
    image = simulated * 1.01
    result = SimpleNamespace(simulated=simulated, simulated_error=error)
    log_noise_reached(feedback, result, image, np.ones((2, 2), bool), ["B4", "B8"], 256)
    assert len(feedback.lines) == 1
    assert "SAMPLES 256" in feedback.lines[0] and "B4 1 %, B8 2 %" in feedback.lines[0]
    assert "B4 0.99 %, B8 0.99 %" in feedback.lines[0]  # |0.2 - 0.202| / 0.202


# layers and files ----------------------------------------------------------------------------
def test_op_maps_say_what_they_hold_and_the_simulation_loads_below_them(
        unmix3d_provider, scene_files, satellite, tmp_path):
    import processing
    from osgeo import gdal
    from qgis.core import QgsMultiBandColorRenderer, QgsProject, QgsRasterLayer

    _, result = satellite
    project = QgsProject.instance()
    out = tmp_path / "maps"
    processing.runAndLoadResults("unmix3d:unmix", {
        **unmix_parameters(scene_files, result["OUTPUT"], out), "REPORT": None,
        "LOAD_MAPS": True})
    root = project.layerTreeRoot()
    names = [child.name() for child in root.children()]
    group = next(n for n in names if n.startswith("OP maps"))
    assert names.index(group) < names.index("Final simulated image"), names
    simulated = project.mapLayersByName("Final simulated image")[0]
    renderer = simulated.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)
    project.clear()
    vegetation = gdal.Open(str(out / "vegetation.tif"))
    assert vegetation.GetMetadata()["quantity"] == "albedo r + t"
    assert gdal.Open(str(out / "roof.tif")).GetMetadata()["quantity"] == "reflectance"
    assert vegetation.GetRasterBand(3).GetDescription() == "B4"
    layer = QgsRasterLayer(str(out / "roof.tif"), "roof")  # its .qml is read on opening
    assert (out / "roof.qml").exists() and (out / "roof_std.qml").exists()
    assert isinstance(layer.renderer(), QgsMultiBandColorRenderer)
    assert layer.renderer().redBand() == 3


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


def quick_unmix(scene_files, image, out):
    """16 samples per pixel (400 pixels: two trace chunks), 3 iterations, OP maps only."""
    return unmix_parameters(scene_files, image, out, ITERATIONS=3, REPORT=None,
                            SIMULATED=None)


def run_cancelled_from_another_thread(scene_files, image, out, stage):
    """processing.run of unmix while another thread, as the dialog's Cancel button does,
    calls ``feedback.cancel()`` once the run reports ``stage`` (the run waits for that call
    there, so the cancel lands in that stage). -> (progress texts after the cancel, error)."""
    import threading

    import processing

    reached, canceled = threading.Event(), threading.Event()
    after: list[str] = []

    def watch(feedback, text):
        if canceled.is_set():
            after.append(text)
        elif text == stage and not reached.is_set():
            reached.set()
            assert canceled.wait(30), "the cancel thread never ran"

    feedback = LogFeedback(watch)
    cancel_threads = []

    def click_cancel():
        if reached.wait(120):
            cancel_threads.append(threading.get_ident())
            feedback.cancel()
            canceled.set()

    button = threading.Thread(target=click_cancel)
    button.start()
    error = None
    try:
        processing.run("unmix3d:unmix", quick_unmix(scene_files, image, out),
                       feedback=feedback)
    except QgsProcessingException as raised:
        error = str(raised)
    finally:
        reached.set()
        button.join()
    assert cancel_threads and cancel_threads[0] != threading.get_ident()
    return after, error


@pytest.mark.parametrize("stage", ["tracing", "iteration 1"])
def test_cancel_from_another_thread_stops_in_that_stage_and_leaves_nothing(
        unmix3d_provider, scene_files, satellite, tmp_path, stage):
    """Canceled after the first trace chunk or as the first gradient iteration starts, the
    run stops at its next look at the button: no further progress at all (not the second
    trace chunk, not the next stage), nothing written. The control, a run left alone,
    traces a second chunk and goes on to the later stages and the writing."""
    _, result = satellite
    out = tmp_path / "maps"
    after, error = run_cancelled_from_another_thread(scene_files, result["OUTPUT"], out, stage)
    assert error == "Canceled: no OP map was written."
    assert after == []
    assert not out.exists()
    if stage == "tracing":
        feedback = LogFeedback()
        processing_run("unmix3d:unmix", quick_unmix(scene_files, result["OUTPUT"],
                                                    tmp_path / "control"), feedback)
        assert feedback.texts.count("tracing") >= 2
        later = feedback.texts[feedback.texts.index("tracing"):]
        for label in ("pure pixel selection", "iteration 1", "iteration 2",
                      "writing ground.tif"):
            assert label in later


def test_tiled_unmix_reaches_the_run_and_keeps_its_accuracy(run_algorithm, scene_files,
                                                            satellite, tmp_path):
    _, result = satellite
    out = tmp_path / "tiled"
    run_unmix(run_algorithm, scene_files, result["OUTPUT"], out, TILE_SIZE=6)
    fractions = read_raster(result["FRACTIONS"]).data
    for i, name in enumerate(["ground", "roof"]):  # opaque: as untiled, median error <= 0.3 %
        op = read_raster(out / f"{name}.tif")
        pure = fractions[i] == 1.0
        error = np.abs(op.data[:, pure] / np.array(TRUTH[name])[:, None] - 1)
        assert np.median(error) <= 0.003
    with pytest.raises(QgsProcessingException, match="SCHEDULER 'nowhere'"):
        run_unmix(run_algorithm, scene_files, result["OUTPUT"], tmp_path / "bad", TILE_SIZE=6,
                  SCHEDULER="nowhere")


def write_mockup_folder(scene_files, folder):
    """The test scene as a tiled mock-up folder: two OBJ pieces (ground and one roof; the
    other roof and the tree crowns), as build_mockup writes a city piece by piece."""
    from unmix3d.core.scene.mockup import read_obj

    triangles, part, names = read_obj(scene_files / "scene.obj")
    folder.mkdir()
    for piece, chosen in (("piece_0.obj", ("ground", "roof_a")),
                          ("piece_1.obj", ("roof_b", "tree_crowns"))):
        write_obj(folder / piece, {name: [tuple(map(tuple, t)) for t in triangles[part == i]]
                                   for i, name in enumerate(names) if name in chosen})
    return folder


def by_tiles(scene_files, image, out, **extra):
    return {"IMAGE": str(image), "MOCKUP": str(scene_files / "scene.obj"),
            "ELEMENTS": str(scene_files / "elements.csv"), **GEOMETRY, "SAMPLES": 64,
            "SEED": 3, "ITERATIONS": 4, "WINDOW": "5x5", "TILE_SIZE": 10,
            "UNMIX_BY_TILES": True, "OUTPUT_FOLDER": str(out),
            "SIMULATED": str(out / "simulated_by_tiles.tif"), "REPORT": None,
            "LOAD_MAPS": False, **extra}


def test_unmixing_by_tiles_from_a_mockup_folder_keeps_the_accuracy_and_writes_styled_maps(
        run_algorithm, scene_files, satellite, tmp_path):
    from osgeo import gdal

    _, result = satellite
    folder = write_mockup_folder(scene_files, tmp_path / "pieces")
    out = tmp_path / "maps"
    done = run_algorithm("unmix3d:unmix", by_tiles(scene_files, result["OUTPUT"], out,
                                                   MOCKUP=str(folder)))
    assert (folder / "mockup_index.json").exists()  # opened once: the pieces' boxes kept
    fractions = read_raster(result["FRACTIONS"]).data
    for i, name in enumerate(["ground", "roof"]):  # opaque: median error <= 0.3 %, as untiled
        op = read_raster(out / f"{name}.tif")
        assert op.band_names == BANDS
        pure = fractions[i] == 1.0
        error = np.abs(op.data[:, pure] / np.array(TRUTH[name])[:, None] - 1)
        assert np.median(error) <= 0.003, name
        assert (out / f"{name}.qml").exists() and (out / f"{name}_std.qml").exists()
        assert gdal.Open(str(out / f"{name}_std.tif")).GetMetadata()["quantity"] == \
            "standard error of the reflectance"
        std = read_raster(out / f"{name}_std.tif")
        assert (std.data[:, pure] > 0).all()
    assert gdal.Open(str(out / "vegetation.tif")).GetMetadata()["quantity"] == "albedo r + t"
    assert not (out / "simulated.tif").exists()
    simulated = read_raster(done["SIMULATED"])
    image = read_raster(result["OUTPUT"])
    both = simulated.valid & image.valid
    assert np.median(np.abs(simulated.data[both] / image.data[both] - 1)) < 0.01
    # the same maps from the OBJ file itself (the two sources give the same sub-scenes)
    whole = tmp_path / "whole"
    done = run_algorithm("unmix3d:unmix", by_tiles(scene_files, result["OUTPUT"], whole,
                                                   REPORT="TEMPORARY_OUTPUT"))
    assert "REPORT" not in done  # the dialog's default temporary report is left out
    assert gdal.Open(str(whole / "roof.tif")).GetRasterBand(1).GetUnitType() == "1"
    for name in ("ground", "roof"):
        a, b = read_raster(out / f"{name}.tif"), read_raster(whole / f"{name}.tif")
        assert np.array_equal(a.valid, b.valid)
        np.testing.assert_allclose(a.data[a.valid], b.data[b.valid], rtol=2e-3)


@pytest.mark.parametrize("extra, message", [
    ({"TILE_SIZE": 0}, "UNMIX_BY_TILES needs a TILE_SIZE"),
    ({"REPORT": "report.html"}, "UNMIX_BY_TILES: REPORT need"),
    ({"TRUTH": "truth", "ACCURACY": "accuracy.csv"}, "UNMIX_BY_TILES: TRUTH, ACCURACY need"),
    ({"INPUT_LEVEL": 1}, "UNMIX_BY_TILES unmixes surface reflectance only"),
    ({"SCALE": 10000.0}, "band B2 has a median of .*SCALE=0.0001"),
    ({"MOCKUP": "pieces", "MOCKUP_OFFSET_X": 5.0}, "tiled mock-up folder, .*MOCKUP_OFFSET_X"),
    ({"MOCKUP": "pieces", "UNMIX_BY_TILES": False}, "is a folder: a tiled mock-up folder"),
])
def test_unmixing_by_tiles_refuses_what_it_cannot_do_and_leaves_nothing(
        run_algorithm, scene_files, satellite, tmp_path, extra, message):
    _, result = satellite
    write_mockup_folder(scene_files, tmp_path / "pieces")
    extra = {key: str(tmp_path / value) if key in ("REPORT", "ACCURACY", "MOCKUP") else
             str(scene_files / value) if key == "TRUTH" else value
             for key, value in extra.items()}
    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("unmix3d:unmix", by_tiles(scene_files, result["OUTPUT"], out, **extra))
    assert not out.exists() or not list(out.iterdir())


def test_cancel_while_unmixing_by_tiles_leaves_nothing(unmix3d_provider, scene_files,
                                                       satellite, tmp_path):
    _, result = satellite

    class CancelAfterATile(QgsProcessingFeedback):
        """Cancels once the first tiles are done (the image's scan is 0-5 %)."""
        furthest = 0.0

        def setProgress(self, progress):  # noqa: N802 - QGIS API
            super().setProgress(progress)
            self.furthest = max(self.furthest, progress)
            if progress > 6:
                self.cancel()

    out = tmp_path / "maps"
    feedback = CancelAfterATile()
    _, ok = unmix3d_provider.algorithm("unmix").run(
        by_tiles(scene_files, result["OUTPUT"], out), QgsProcessingContext(), feedback)
    assert not ok and feedback.isCanceled()
    assert 6 < feedback.furthest < 95  # canceled while unmixing tiles, before their end
    left = [path for path in tmp_path.rglob("*") if path != out]
    assert not left and (not out.exists() or not list(out.iterdir()))


def test_simulating_by_tiles_from_a_mockup_folder_matches_the_obj_within_the_noise(
        run_algorithm, scene_files, tmp_path):
    folder = write_mockup_folder(scene_files, tmp_path / "pieces")
    common = {"ELEMENTS": str(scene_files / "elements.csv"), "EXTENT": EXTENT,
              "PIXEL_SIZE": 10.0, "CRS": "EPSG:32631", "BANDS": ",".join(BANDS), **GEOMETRY,
              "SAMPLES": 64, "SEED": 5, "TILE_SIZE": 10}
    images = {}
    for name, mockup in (("folder", folder), ("obj", scene_files / "scene.obj")):
        done = run_algorithm("unmix3d:simulate", {
            **common, "MOCKUP": str(mockup), "OUTPUT": str(tmp_path / f"{name}.tif"),
            "STDERR": str(tmp_path / f"{name}_se.tif")})
        images[name] = (read_raster(done["OUTPUT"]).data, read_raster(done["STDERR"]).data)
    (a, sa), (b, sb) = images["folder"], images["obj"]
    z = (a - b) / np.sqrt(sa**2 + sb**2 + 1e-12)
    assert np.sqrt(np.mean(z**2)) < 1.5 and np.abs(z).max() < 6
    with pytest.raises(QgsProcessingException, match="tiled mock-up folder, read per tile"):
        run_algorithm("unmix3d:simulate", {**common, "MOCKUP": str(folder), "TILE_SIZE": 0,
                                           "OUTPUT": str(tmp_path / "none.tif")})
