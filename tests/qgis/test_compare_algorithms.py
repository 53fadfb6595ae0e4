"""unmix3d:compare and unmix3d:coregister as Processing algorithms (and compare headless)."""

import csv
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from osgeo import osr
from qgis.core import QgsProcessingException, QgsProcessingFeedback
from scipy import ndimage

from unmix3d.core.raster_io import read_raster, write_raster
from unmix3d.processing_provider.compare_images import CompareAlgorithm

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "qgis_process.sh"
S2_NAMES = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12"]
SENSOR = CompareAlgorithm.SENSOR_IDS.index
NO_SENSOR = SENSOR(None)


def wkt(epsg):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs.ExportToWkt()


def read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def outputs(tmp_path, name="out"):
    return {
        "TABLE": str(tmp_path / f"{name}.csv"),
        "RESIDUALS": str(tmp_path / f"{name}_residuals.tif"),
        "REPORT": str(tmp_path / f"{name}.html"),
    }


# --------------------------------------------------------------------------- S2 vs SuperDove


def _lonlat(points, epsg):
    """(lon, lat) of (x, y) points of a UTM CRS."""
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(epsg)
    dst.ImportFromEPSG(4326)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    out = np.array(osr.CoordinateTransformation(src, dst).TransformPoints(points))
    return out[:, 0], out[:, 1]


def _scene(geotransform, shape, epsg, gain):
    """Reflectance of one smooth scene, defined on the ground (lon/lat), at pixel centres."""
    rows, cols = shape
    x0, dx, _, y0, _, dy = geotransform
    xx, yy = np.meshgrid(x0 + (np.arange(cols) + 0.5) * dx, y0 + (np.arange(rows) + 0.5) * dy)
    lon, lat = _lonlat(np.column_stack([xx.ravel(), yy.ravel()]), epsg)
    east = (lon - 5.99) * 111320 * np.cos(np.radians(50.0))
    north = (lat - 50.0) * 110540
    field = np.sin(2 * np.pi * east / 230) * np.cos(2 * np.pi * north / 170)
    return 0.1 * gain + 0.04 * field.reshape(shape)


@pytest.fixture(scope="module")
def s2_and_superdove(tmp_path_factory):
    """A 10 m 12-band Sentinel-2 L2A image in UTM 31N near the zone's east edge (DN, offset
    -0.1) and a 3 m 8-band SuperDove image of the same place in UTM 32N (DN, reflectance
    0.01 higher), with a NoData hole in the SuperDove image."""
    folder = tmp_path_factory.mktemp("s2sd")
    s2_gt = (714000.0, 10.0, 0.0, 5541000.0, 0.0, -10.0)
    s2_shape = (60, 60)
    s2 = np.stack([_scene(s2_gt, s2_shape, 32631, 1 + 0.1 * k) for k in range(12)])
    s2_path = folder / "s2.tif"
    write_raster(s2_path, np.round((s2 + 0.1) * 10000), None, s2_gt, wkt(32631))  # unnamed

    # SuperDove grid: the bounding box, in UTM 32N, of the Sentinel-2 image's corners.
    x0, _, _, y0, _, _ = s2_gt
    corners = [(x0, y0), (x0 + 600, y0), (x0, y0 - 600), (x0 + 600, y0 - 600)]
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(32631)
    dst.ImportFromEPSG(32632)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    xy = np.array(osr.CoordinateTransformation(src, dst).TransformPoints(corners))[:, :2]
    left, top = np.floor(xy[:, 0].min() / 3) * 3, np.ceil(xy[:, 1].max() / 3) * 3
    cols = int(np.ceil((xy[:, 0].max() - left) / 3))
    rows = int(np.ceil((top - xy[:, 1].min()) / 3))
    sd_gt = (left, 3.0, 0.0, top, 0.0, -3.0)
    # SuperDove band k simulates the S2 band it pairs with (same gain) plus 0.01.
    gains = {0: 0, 1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 8}
    sd = np.stack([_scene(sd_gt, (rows, cols), 32632, 1 + 0.1 * gains[k]) for k in range(8)])
    valid = np.ones(sd.shape, bool)
    hole = (slice(None), slice(rows // 2 - 10, rows // 2 + 10), slice(cols // 2, cols // 2 + 20))
    valid[hole] = False
    sd_path = folder / "superdove.tif"
    names = ["coastal blue", "blue", "green I", "green", "yellow", "red", "red edge", "NIR"]
    write_raster(sd_path, np.round((sd + 0.01) * 10000), valid, sd_gt, wkt(32632), names)
    return s2_path, sd_path


def test_sentinel2_vs_superdove_across_utm_zones(run_algorithm, s2_and_superdove, tmp_path):
    s2_path, sd_path = s2_and_superdove
    params = {
        "IMAGE_A": str(s2_path), "IMAGE_B": str(sd_path), "SENSOR_A": SENSOR("sentinel2"),
        "SENSOR_B": SENSOR("planetscope_superdove"),
        "SCALE_A": 0.0001, "OFFSET_A": -0.1, "SCALE_B": 0.0001, "OFFSET_B": 0.0,
        **outputs(tmp_path),
    }
    result = run_algorithm("unmix3d:compare", params)
    rows = read_table(result["TABLE"])
    assert [r["band_pair"] for r in rows] == [
        "B1-coastal blue", "B2-blue", "B3-green", "B4-red", "B5-red edge", "B8A-NIR"]
    assert rows[1]["band_a"] == "B2" and rows[1]["band_b"] == "blue"
    for row in rows:
        # Same scene, SuperDove 0.01 brighter: scale and offset were applied to both.
        assert float(row["median_residual"]) == pytest.approx(0.01, abs=0.002)
        assert float(row["amd"]) < 0.02
        assert float(row["hash_sum"]) > 4.0
    assert len({r["n_valid"] for r in rows}) == 1  # one NoData mask for every pair

    residuals = read_raster(result["RESIDUALS"])
    assert residuals.band_names == [r["band_pair"] for r in rows]
    assert "32632" in residuals.crs_wkt
    assert residuals.pixel_size == (3.0, 3.0)
    assert residuals.valid[0].sum() == int(rows[0]["n_valid"])
    # The SuperDove hole is NoData in the residuals (same grid as the SuperDove image).
    sd = read_raster(sd_path)
    x_off = round((residuals.geotransform[0] - sd.geotransform[0]) / 3)
    y_off = round((sd.geotransform[3] - residuals.geotransform[3]) / 3)
    sd_valid = sd.valid[0][y_off:y_off + residuals.shape[0], x_off:x_off + residuals.shape[1]]
    assert not (residuals.valid[0] & ~sd_valid).any()
    assert (~sd_valid).sum() == 400

    report = Path(result["REPORT"]).read_text(encoding="utf-8")
    for alt in ("hash similarities and AMD per band", "distributions per band",
                "residual maps", "true-colour composites"):
        assert f'<img alt="{alt}" src="data:image/png;base64,' in report, alt
    # the report's metrics table holds the metrics CSV's AMD of every band pair
    for row in rows:
        found = re.search(f"<td>{re.escape(row['band_pair'])}</td><td>{row['n_valid']}</td>"
                          r"<td>([^<]*)</td>", report)
        assert found and float(found[1]) == pytest.approx(float(row["amd"]), rel=6e-4), row
    assert "B8A-NIR" in report


# --------------------------------------------------------------------------- exact small case


@pytest.fixture
def coarse_and_fine(tmp_path):
    """A: 9 m, 4 x 5 px, 2 bands; B: 3 m, 13 x 16 px starting one fine pixel left of and
    above A (same CRS). NoData: A band 1 at (1, 2), B band 2 at (1, 1) of A's footprint."""
    rng = np.random.default_rng(7)
    a = rng.uniform(0.05, 0.5, (2, 4, 5))
    b = rng.uniform(0.05, 0.5, (2, 13, 16))
    valid_a = np.ones(a.shape, bool)
    valid_a[0, 1, 2] = False
    valid_b = np.ones(b.shape, bool)
    valid_b[1, 2, 2] = False
    crs = wkt(32631)
    path_a, path_b = tmp_path / "a.tif", tmp_path / "b.tif"
    write_raster(path_a, a, valid_a, (500000.0, 9.0, 0.0, 4000000.0, 0.0, -9.0), crs,
                 ["red", "nir"])
    write_raster(path_b, b, valid_b, (499997.0, 3.0, 0.0, 4000003.0, 0.0, -3.0), crs,
                 ["red", "nir"])
    # Expected, on A's footprint at 3 m: A duplicated 3 x 3, B cropped.
    a32 = a.astype(np.float32).astype(float)
    b32 = b.astype(np.float32).astype(float)
    dup = np.repeat(np.repeat(a32, 3, axis=1), 3, axis=2)
    crop = b32[:, 1:, 1:]
    mask = np.repeat(np.repeat(valid_a.all(axis=0), 3, axis=0), 3, axis=1)
    mask &= valid_b[:, 1:, 1:].all(axis=0)
    return path_a, path_b, dup, crop, mask


def test_amd_matches_numpy_with_pixel_duplication_and_nodata(run_algorithm, coarse_and_fine,
                                                             tmp_path):
    path_a, path_b, dup, crop, mask = coarse_and_fine
    result = run_algorithm("unmix3d:compare", {
        "IMAGE_A": str(path_a), "IMAGE_B": str(path_b), "SENSOR_A": NO_SENSOR,
        "SENSOR_B": NO_SENSOR, **outputs(tmp_path)})
    rows = read_table(result["TABLE"])
    assert [r["band_pair"] for r in rows] == ["red-red", "nir-nir"]
    for k, row in enumerate(rows):
        diff = (crop[k] - dup[k])[mask]
        assert int(row["n_valid"]) == mask.sum() == 12 * 15 - 9 - 1
        assert float(row["amd"]) == pytest.approx(np.abs(diff).mean(), rel=1e-7)
        assert float(row["mean_residual"]) == pytest.approx(diff.mean(), rel=1e-7, abs=1e-12)
        assert float(row["median_residual"]) == pytest.approx(np.median(diff), rel=1e-7)
        assert float(row["median_a"]) == pytest.approx(np.median(dup[k][mask]), rel=1e-7)
        assert float(row["median_b"]) == pytest.approx(np.median(crop[k][mask]), rel=1e-7)
    residuals = read_raster(result["RESIDUALS"])
    assert residuals.band_names == ["red-red", "nir-nir"]
    assert residuals.geotransform == (500000.0, 3.0, 0.0, 4000000.0, 0.0, -3.0)
    assert residuals.shape == (12, 15)
    np.testing.assert_array_equal(residuals.valid[0], mask)
    np.testing.assert_allclose(residuals.data[:, mask], (crop - dup)[:, mask], rtol=1e-6)


def test_swapping_images_negates_residuals(run_algorithm, coarse_and_fine, tmp_path):
    """The finer grid is used whichever image is finer."""
    path_a, path_b, dup, crop, mask = coarse_and_fine
    result = run_algorithm("unmix3d:compare", {
        "IMAGE_A": str(path_b), "IMAGE_B": str(path_a), "SENSOR_A": NO_SENSOR,
        "SENSOR_B": NO_SENSOR, **outputs(tmp_path)})
    rows = read_table(result["TABLE"])
    assert float(rows[1]["amd"]) == pytest.approx(np.abs(crop[1] - dup[1])[mask].mean(), rel=1e-7)
    residuals = read_raster(result["RESIDUALS"])
    assert residuals.pixel_size == (3.0, 3.0)
    np.testing.assert_allclose(residuals.data[:, mask], (dup - crop)[:, mask], rtol=1e-6)


def test_table_is_loaded_as_a_typed_table_layer(unmix3d_provider, coarse_and_fine, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProject, QgsWkbTypes

    path_a, path_b, *_ = coarse_and_fine
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run("unmix3d:compare", {
        "IMAGE_A": str(path_a), "IMAGE_B": str(path_b), "SENSOR_A": NO_SENSOR,
        "SENSOR_B": NO_SENSOR, **outputs(tmp_path)}, context=context)
    tables = [(layer_id, details) for layer_id, details in
              context.layersToLoadOnCompletion().items() if details.outputName == "TABLE"]
    assert len(tables) == 1
    layer = context.getMapLayer(tables[0][0])
    assert layer.isValid() and layer.featureCount() == 2
    assert layer.geometryType() == QgsWkbTypes.NullGeometry
    assert layer.fields().field("amd").isNumeric()
    assert layer.source().startswith("file://") and result["TABLE"] in layer.source()


def test_band_pairs_by_hand(run_algorithm, coarse_and_fine, tmp_path):
    path_a, path_b, dup, crop, _ = coarse_and_fine
    result = run_algorithm("unmix3d:compare", {
        "IMAGE_A": str(path_a), "IMAGE_B": str(path_b), "SENSOR_A": NO_SENSOR,
        "SENSOR_B": NO_SENSOR, "BAND_PAIRS": "2:1", **outputs(tmp_path)})
    rows = read_table(result["TABLE"])
    assert [r["band_pair"] for r in rows] == ["nir-red"]
    # Only the compared bands' NoData counts: A band 2 and B band 1 have none.
    assert int(rows[0]["n_valid"]) == 12 * 15
    assert float(rows[0]["amd"]) == pytest.approx(np.abs(crop[0] - dup[1]).mean(), rel=1e-7)


# --------------------------------------------------------------------------- simulated vs satellite


def test_simulated_vs_satellite_errors_per_element(run_algorithm, tmp_path):
    rng = np.random.default_rng(3)
    satellite = rng.uniform(0.05, 0.4, (2, 40, 40))
    simulated = satellite.copy()
    simulated[:, :, :20] *= 1.1  # roofs: 10 % too bright
    simulated[:, :, 20:] *= 0.8  # trees: 20 % too dark
    fractions = np.zeros((2, 40, 40))
    fractions[0, :, :20] = 1.0
    fractions[1, :, 20:] = 1.0
    gt, crs = (300000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0), wkt(32632)
    paths = {n: tmp_path / f"{n}.tif" for n in ("sat", "sim", "frac")}
    write_raster(paths["sat"], satellite, None, gt, crs, ["B4", "B8"])
    write_raster(paths["sim"], simulated, None, gt, crs, ["B4", "B8"])
    write_raster(paths["frac"], fractions, None, gt, crs, ["roof", "tree"])
    relative = tmp_path / "relative.tif"
    result = run_algorithm("unmix3d:compare", {
        "IMAGE_A": str(paths["sat"]), "IMAGE_B": str(paths["sim"]), "SENSOR_A": SENSOR("sentinel2"),
        "SENSOR_B": SENSOR("sentinel2"), "MODE": 1, "FRACTIONS": str(paths["frac"]),
        "RELATIVE_ERRORS": str(relative), **outputs(tmp_path)})
    rows = read_table(result["TABLE"])
    assert [(r["band_pair"], r["element"]) for r in rows] == [
        ("B4-B4", "all"), ("B4-B4", "roof"), ("B4-B4", "tree"),
        ("B8-B8", "all"), ("B8-B8", "roof"), ("B8-B8", "tree")]
    by = {(r["band_pair"], r["element"]): r for r in rows}
    for band in ("B4-B4", "B8-B8"):
        roof, tree = by[(band, "roof")], by[(band, "tree")]
        assert int(roof["n_valid"]) == int(tree["n_valid"]) == 800
        assert float(roof["rel_error_mean"]) == pytest.approx(0.1, rel=1e-5)
        assert float(tree["rel_error_median"]) == pytest.approx(0.2, rel=1e-5)
        assert float(tree["rel_error_iqr"]) == pytest.approx(0.0, abs=1e-5)
        assert float(by[(band, "all")]["rel_error_mean"]) == pytest.approx(0.15, rel=1e-5)
        assert roof["amd"] == ""  # element rows carry relative errors only
    errors = read_raster(result["RELATIVE_ERRORS"])
    assert errors.band_names == ["B4-B4", "B8-B8"]
    np.testing.assert_allclose(errors.data[:, :, :20], 0.1, rtol=1e-5)
    report = Path(result["REPORT"]).read_text(encoding="utf-8")
    assert "Relative error per element" in report and "roof" in report


# --------------------------------------------------------------------------- bad input, cancel


def _assert_nothing_written(tmp_path, keep):
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in keep)
    assert left == [], left


@pytest.mark.parametrize(
    "change, message",
    [
        ({"BAND_PAIRS": ","}, "No band pair"),
        ({"BAND_PAIRS": "B99:2", "SENSOR_A": SENSOR("sentinel2")}, "'B99' is not a band"),
        ({"SENSOR_A": SENSOR("sentinel2"), "SENSOR_B": SENSOR("sentinel2"),
          "BAND_PAIRS": "B4:B13"}, "'B13' is not a band"),
        ({"SCALE_B": 0.0}, "SCALE_B"),
    ],
)
def test_bad_band_pairs_and_scale_are_named(run_algorithm, coarse_and_fine, tmp_path, change,
                                             message):
    path_a, path_b, *_ = coarse_and_fine
    params = {"IMAGE_A": str(path_a), "IMAGE_B": str(path_b), "SENSOR_A": NO_SENSOR,
              "SENSOR_B": NO_SENSOR, **outputs(tmp_path)}
    params.update(change)
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("unmix3d:compare", params)
    _assert_nothing_written(tmp_path, {"a.tif", "b.tif"})


def test_band_names_unknown_to_the_sensor_are_named(run_algorithm, coarse_and_fine, tmp_path):
    path_a, path_b, *_ = coarse_and_fine
    odd = tmp_path / "odd.tif"
    write_raster(odd, np.ones((2, 4, 5)), None, (500000.0, 9.0, 0.0, 4000000.0, 0.0, -9.0),
                 wkt(32631), ["B4", "B13"])
    with pytest.raises(QgsProcessingException, match="IMAGE_A: Band 'B13' is not a band of "
                                                      "sensor 'Sentinel-2 MSI"):
        run_algorithm("unmix3d:compare", {
            "IMAGE_A": str(odd), "IMAGE_B": str(path_b), "SENSOR_A": SENSOR("sentinel2"),
            "SENSOR_B": NO_SENSOR, **outputs(tmp_path)})
    _assert_nothing_written(tmp_path, {"a.tif", "b.tif", "odd.tif"})


def test_images_that_do_not_overlap_are_refused(run_algorithm, tmp_path):
    data = np.random.default_rng(1).random((1, 10, 10))
    write_raster(tmp_path / "a.tif", data, None, (500000, 10, 0, 4000000, 0, -10), wkt(32631))
    # The same size 200 km away, in the next zone.
    write_raster(tmp_path / "b.tif", data, None, (500000, 10, 0, 4000000, 0, -10), wkt(32632))
    with pytest.raises(QgsProcessingException, match="do not overlap"):
        run_algorithm("unmix3d:compare", {
            "IMAGE_A": str(tmp_path / "a.tif"), "IMAGE_B": str(tmp_path / "b.tif"),
            "SENSOR_A": NO_SENSOR, "SENSOR_B": NO_SENSOR, **outputs(tmp_path)})
    _assert_nothing_written(tmp_path, {"a.tif", "b.tif"})


def test_all_nodata_band_is_named(run_algorithm, tmp_path):
    data = np.random.default_rng(1).random((2, 10, 10))
    valid = np.ones(data.shape, bool)
    valid[1] = False
    gt, crs = (500000, 10, 0, 4000000, 0, -10), wkt(32631)
    write_raster(tmp_path / "a.tif", data, None, gt, crs, ["B4", "B8"])
    write_raster(tmp_path / "b.tif", data, valid, gt, crs, ["B4", "B8"])
    with pytest.raises(QgsProcessingException, match="Band B8 of IMAGE_B is all NoData"):
        run_algorithm("unmix3d:compare", {
            "IMAGE_A": str(tmp_path / "a.tif"), "IMAGE_B": str(tmp_path / "b.tif"),
            "SENSOR_A": SENSOR("sentinel2"), "SENSOR_B": SENSOR("sentinel2"),
            **outputs(tmp_path)})
    _assert_nothing_written(tmp_path, {"a.tif", "b.tif"})


def test_cancel_leaves_nothing(unmix3d_provider, coarse_and_fine, tmp_path):
    import processing

    path_a, path_b, *_ = coarse_and_fine
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda _: feedback.cancel())
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run("unmix3d:compare", {
            "IMAGE_A": str(path_a), "IMAGE_B": str(path_b), "SENSOR_A": NO_SENSOR,
            "SENSOR_B": NO_SENSOR, **outputs(tmp_path)}, feedback=feedback)
    _assert_nothing_written(tmp_path, {"a.tif", "b.tif"})


# --------------------------------------------------------------------------- headless


def test_compare_headless(coarse_and_fine, tmp_path):
    path_a, path_b, dup, crop, mask = coarse_and_fine
    out = outputs(tmp_path, "headless")
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    run = subprocess.run(
        [str(WRAPPER), "run", "unmix3d:compare", "--", f"IMAGE_A={path_a}", f"IMAGE_B={path_b}",
         "SENSOR_A=0", "SENSOR_B=0", *(f"{k}={v}" for k, v in out.items())],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read_table(out["TABLE"])
    assert [r["band_pair"] for r in rows] == ["red-red", "nir-nir"]
    assert float(rows[0]["amd"]) == pytest.approx(np.abs(crop[0] - dup[0])[mask].mean(), rel=1e-7)
    assert Path(out["REPORT"]).exists() and Path(out["RESIDUALS"]).exists()


# --------------------------------------------------------------------------- coregister


def _texture(n, seed=1, sigma=3.0):
    rng = np.random.default_rng(seed)
    t = ndimage.gaussian_filter(rng.normal(size=(n, n)), sigma, mode="wrap")
    return 0.1 + 0.05 * t / t.std()


def _fourier_shift(image, shift):
    """Exact sub-pixel shift of a periodic image: content moves by +shift (rows, cols)."""
    return np.fft.ifftn(ndimage.fourier_shift(np.fft.fftn(image), shift)).real


@pytest.fixture
def shifted_pair(tmp_path):
    """Satellite image and a simulated image whose content sits 0.4 px too far south and
    1.3 px too far east (10 m pixels, UTM 31N)."""
    reference = _texture(96)
    moving = _fourier_shift(reference, (0.4, 1.3))
    gt, crs = (600000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0), wkt(32631)
    paths = tmp_path / "satellite.tif", tmp_path / "simulated.tif"
    write_raster(paths[0], np.stack([reference, 2 * reference]), None, gt, crs, ["B4", "B8"])
    write_raster(paths[1], np.stack([moving, 2 * moving]), None, gt, crs, ["B4", "B8"])
    return paths, reference


def test_coregister_recovers_shift_and_mockup_offset(run_algorithm, shifted_pair, tmp_path):
    (satellite, simulated), reference = shifted_pair
    shifted, flow = tmp_path / "shifted.tif", tmp_path / "flow.tif"
    result = run_algorithm("unmix3d:coregister", {
        "REFERENCE": str(satellite), "MOVING": str(simulated), "BAND_REFERENCE": 2,
        "BAND_MOVING": 2, "DENSE": True, "SHIFTED": str(shifted), "FLOW": str(flow)})
    assert result["RELIABLE"] is True and result["REASON"] == ""
    assert result["SHIFT_X_PX"] == pytest.approx(-1.3, abs=0.1)
    assert result["SHIFT_Y_PX"] == pytest.approx(-0.4, abs=0.1)
    # The simulation is too far east and south: the mock-up moves west and north.
    assert result["MOCKUP_OFFSET_X"] == pytest.approx(-13.0, abs=1.0)
    assert result["MOCKUP_OFFSET_Y"] == pytest.approx(4.0, abs=1.0)
    assert result["SHIFT_X_M"] == result["MOCKUP_OFFSET_X"]
    out = read_raster(result["SHIFTED"])
    assert out.band_names == ["B4", "B8"]
    inner = (slice(6, -6), slice(6, -6))
    np.testing.assert_allclose(out.data[0][inner], reference[inner], atol=0.01)
    field = read_raster(result["FLOW"])
    assert field.band_names == ["dy (pixels, down)", "dx (pixels, right)"]
    assert np.median(field.data[1][field.valid[1]]) == pytest.approx(-1.3, abs=0.2)


def test_coregister_resamples_a_finer_simulation(run_algorithm, tmp_path):
    """A 5 m simulation is averaged onto the 10 m satellite grid before registration."""
    fine = _texture(192, seed=2, sigma=6.0)
    moving = _fourier_shift(fine, (0.0, 2.0))  # 2 px of 5 m = 10 m east
    coarse = fine.reshape(96, 2, 96, 2).mean(axis=(1, 3))
    crs = wkt(32631)
    write_raster(tmp_path / "sat.tif", coarse, None, (600000, 10, 0, 5000000, 0, -10), crs)
    write_raster(tmp_path / "sim.tif", moving, None, (600000, 5, 0, 5000000, 0, -5), crs)
    result = run_algorithm("unmix3d:coregister", {
        "REFERENCE": str(tmp_path / "sat.tif"), "MOVING": str(tmp_path / "sim.tif"),
        "SHIFTED": str(tmp_path / "shifted.tif")})
    assert result["MOCKUP_OFFSET_X"] == pytest.approx(-10.0, abs=1.0)
    assert result["MOCKUP_OFFSET_Y"] == pytest.approx(0.0, abs=1.0)
    assert read_raster(result["SHIFTED"]).shape == (96, 96)


def test_coregister_refuses_uniform_image(run_algorithm, shifted_pair, tmp_path):
    (satellite, _), _ = shifted_pair
    flat = tmp_path / "flat.tif"
    write_raster(flat, np.full((1, 96, 96), 0.12), None, (600000.0, 10.0, 0.0, 5000000.0, 0.0,
                                                           -10.0), wkt(32631))
    shifted = tmp_path / "shifted.tif"
    with pytest.raises(QgsProcessingException, match="moving image is too uniform"):
        run_algorithm("unmix3d:coregister", {"REFERENCE": str(satellite), "MOVING": str(flat),
                                             "SHIFTED": str(shifted)})
    assert not shifted.exists()
    with pytest.raises(QgsProcessingException, match="BAND_MOVING is band 3"):
        run_algorithm("unmix3d:coregister", {"REFERENCE": str(satellite), "MOVING": str(flat),
                                             "BAND_MOVING": 3, "SHIFTED": str(shifted)})
    _assert_nothing_written(tmp_path, {"satellite.tif", "simulated.tif", "flat.tif"})


def test_coregister_unrelated_images_are_flagged_unreliable(run_algorithm, tmp_path):
    gt, crs = (600000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0), wkt(32631)
    write_raster(tmp_path / "a.tif", _texture(64, 1, 2.0), None, gt, crs)
    write_raster(tmp_path / "b.tif", _texture(64, 2, 2.0), None, gt, crs)
    result = run_algorithm("unmix3d:coregister", {
        "REFERENCE": str(tmp_path / "a.tif"), "MOVING": str(tmp_path / "b.tif"),
        "SHIFTED": str(tmp_path / "shifted.tif")})
    assert result["RELIABLE"] is False
    assert "no clear correlation peak" in result["REASON"]


def test_dense_flow_without_destination_goes_to_a_temporary_file(run_algorithm, shifted_pair,
                                                                  tmp_path):
    (satellite, simulated), _ = shifted_pair
    result = run_algorithm("unmix3d:coregister", {
        "REFERENCE": str(satellite), "MOVING": str(simulated), "DENSE": True,
        "SHIFTED": str(tmp_path / "shifted.tif")})
    field = read_raster(result["FLOW"])
    assert field.shape == (96, 96)
    dy, dx = (np.median(field.data[i][field.valid[i]]) for i in range(2))
    assert dy == pytest.approx(-0.4, abs=0.2) and dx == pytest.approx(-1.3, abs=0.2)
