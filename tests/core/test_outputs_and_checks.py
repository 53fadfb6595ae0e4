"""Outputs staged and moved in together, file modes, layer styles, and the scaled-integer
check decided from the data type and the distribution."""

import os

import numpy as np
import pytest

from unmix3d.core.raster_io import read_raster, write_raster
from unmix3d.core.sentinel2 import surface_reflectance
from unmix3d.core.staging import OutputNotWritable, StagedOutputs


def test_staged_outputs_appear_together_or_not_at_all(tmp_path):
    staged = StagedOutputs()
    report = staged.reserve(tmp_path / "new" / "deep" / "report.html", "REPORT")
    folder = staged.reserve_folder(tmp_path / "maps", "OUTPUT_FOLDER")
    open(report, "w").write("x")
    open(os.path.join(folder, "ground.tif"), "w").write("x")
    assert not (tmp_path / "new" / "deep" / "report.html").exists()
    staged.discard()
    # nothing of the run left, not even the folders it made
    assert sorted(p.name for p in tmp_path.iterdir()) == []

    staged = StagedOutputs()
    report = staged.reserve(tmp_path / "out" / "report.html", "REPORT")
    folder = staged.reserve_folder(tmp_path / "out", "OUTPUT_FOLDER")
    open(report, "w").write("x")
    open(os.path.join(folder, "ground.tif"), "w").write("x")
    staged.commit()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ground.tif", "report.html"]


def test_an_output_that_cannot_be_written_is_named_before_anything_is_written(tmp_path):
    (tmp_path / "a_file").write_text("")
    staged = StagedOutputs()
    staged.reserve(tmp_path / "fine" / "image.tif", "OUTPUT")
    with pytest.raises(OutputNotWritable, match="REPORT: cannot write into"):
        staged.reserve(tmp_path / "a_file" / "report.html", "REPORT")
    staged.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_geotiffs_respect_the_umask_and_say_what_they_hold(tmp_path):
    previous = os.umask(0o022)
    try:
        path = write_raster(tmp_path / "op.tif", np.full((2, 3, 3), 0.2), None,
                            (0, 10, 0, 30, 0, -10), "", ["B4", "B8"],
                            metadata={"element": "roof", "quantity": "reflectance"}, unit="1")
    finally:
        os.umask(previous)
    assert os.stat(path).st_mode & 0o777 == 0o644
    from osgeo import gdal

    dataset = gdal.Open(path)
    assert dataset.GetMetadata()["element"] == "roof"
    assert dataset.GetRasterBand(2).GetDescription() == "B8"
    assert dataset.GetRasterBand(1).GetUnitType() == "1"


def test_layer_style_is_true_colour_where_the_bands_allow():
    from xml.etree import ElementTree

    from unmix3d.core.layer_style import raster_qml

    data = np.random.default_rng(0).uniform(0.05, 0.3, (4, 5, 5))
    renderer = ElementTree.fromstring(raster_qml(["B2", "B3", "B4", "B8"], data,
                                                 np.ones((5, 5), bool))
                                      .split("\n", 1)[1]).find("pipe/rasterrenderer")
    assert renderer.get("type") == "multibandcolor"
    assert (renderer.get("redBand"), renderer.get("greenBand"), renderer.get("blueBand")) \
        == ("3", "2", "1")
    low = float(renderer.find("redContrastEnhancement/minValue").text)
    assert low == pytest.approx(np.percentile(data[2], 2))
    grey = ElementTree.fromstring(raster_qml(["B8"], data[:1], np.ones((5, 5), bool))
                                  .split("\n", 1)[1]).find("pipe/rasterrenderer")
    assert grey.get("type") == "singlebandgray"


def test_scaled_integers_are_recognised_from_type_and_distribution_not_one_pixel(tmp_path):
    rng = np.random.default_rng(1)
    image = rng.uniform(0.05, 0.3, (2, 10, 10))
    image[0, 3, 3] = 2.9  # a noisy pixel of a float simulation at 8 samples
    valid = np.ones(image.shape, bool)
    reflectance, per_pixel, notes = surface_reflectance(image, valid, ["B4", "B8"])
    assert not per_pixel[3, 3] and per_pixel.sum() == 99 and "1 negative or saturated" in notes[0]
    with pytest.raises(ValueError, match="SCALE=0.0001"):
        surface_reflectance(image * 10000 + 1000, valid, ["B4", "B8"])
    # integers: even a dark image (median below 1.5) stored as integers is scaled
    with pytest.raises(ValueError, match="integers"):
        surface_reflectance(np.full((1, 4, 4), 1.0) + np.eye(4) * 4, np.ones((1, 4, 4), bool),
                            ["B4"], integer_type=True)
    path = write_raster(tmp_path / "int.tif", image * 10000, None, (0, 10, 0, 100, 0, -10), "",
                        ["B4", "B8"], dtype=__import__("osgeo.gdal").gdal.GDT_UInt16)
    assert read_raster(path).integer_type and not read_raster(
        write_raster(tmp_path / "f.tif", image, None, (0, 10, 0, 100, 0, -10), "")).integer_type


def test_a_rule_calling_a_function_names_it_and_what_is_allowed():
    from unmix3d.core.rules import RuleError, parse_rule

    with pytest.raises(RuleError, match=r"'__import__\(' is a function call.*band names"):
        parse_rule("__import__('os')")
    with pytest.raises(RuleError, match=r"';' \(in '; x'\) is not allowed"):
        parse_rule("B8 > B4 ; x")


def test_a_constant_map_gets_a_stretch_qgis_can_draw():
    """True-OP maps of the demo scenes are constant: min = max would defeat the stretch."""
    from xml.etree import ElementTree

    from unmix3d.core.layer_style import raster_qml

    data = np.full((3, 4, 4), 0.25)
    renderer = ElementTree.fromstring(raster_qml(["B2", "B3", "B4"], data,
                                                 np.ones(data.shape, bool)).split("\n", 1)[1])
    low = float(renderer.find("pipe/rasterrenderer/redContrastEnhancement/minValue").text)
    high = float(renderer.find("pipe/rasterrenderer/redContrastEnhancement/maxValue").text)
    assert low == 0.25 and high > low


def test_window_solves_look_at_cancel_between_batches(monkeypatch):
    """Batched solves equal one solve, and a cancel stops them within a batch."""
    from unmix3d.core.canceled import Canceled
    from unmix3d.core.unmix import windows

    rng = np.random.default_rng(4)
    n, k = 50, 3
    a = rng.random((n, 9, k))
    gram = np.einsum("nmi,nmj->nij", a, a) / 9
    rhs = np.einsum("nmi,nm->ni", a, rng.random((n, 9))) / 9
    lower = rng.uniform(0.0, 0.3, (n, k))
    upper = lower + rng.uniform(0.05, 0.5, (n, k))
    arguments = (gram, rhs, lower, upper, (lower + upper) / 2, np.ones((n, k), bool), 1e-14,
                 1e12, 1e12)
    whole, _ = windows.solve_bounded(*arguments)
    monkeypatch.setattr(windows, "SOLVE_BATCH", 8)
    asked = []
    batched, _ = windows.solve_bounded(*arguments, is_canceled=lambda: asked.append(1) and False)
    np.testing.assert_array_equal(batched, whole)
    assert len(asked) == 7  # ceil(50 / 8) looks
    with pytest.raises(Canceled):
        windows.solve_bounded(*arguments, is_canceled=lambda: len(asked) > 8 or asked.append(1))


def test_the_papers_figures_go_beside_ours_on_the_vegetation_demo_only(tmp_path):
    from unmix3d.core.unmix.accuracy import published_for_demo

    (tmp_path / "truth").mkdir()
    assert published_for_demo(str(tmp_path / "truth"), "sat, us-dart", "us-dart", False) == {}
    (tmp_path / "vegetation.json").write_text("{}")
    figures = published_for_demo(str(tmp_path / "truth"), "sat, dart-calibration",
                                 "dart-calibration", False)
    assert figures == {("sat, dart-calibration", "ground"): (0.37, 7.40, 126.32),
                       ("sat, dart-calibration", "vegetation"): (1.37, 41.24, 50.56)}


def test_trace_chunks_sized_for_cancel_leave_the_result_unchanged(monkeypatch):
    """The tracer looks at the cancel button every CHUNK_SECONDS or so, in chunks sized by
    their time; each pixel has its own random stream, so the result is the same."""
    from scenes import grid_over, leaf_cloud_scene

    from unmix3d.core import simulate
    from unmix3d.core.simulate import Geometry, trace

    scene = leaf_cloud_scene()
    whole = trace(scene, grid_over(20, 4), Geometry(30, 0), samples=16, seed=9)
    monkeypatch.setattr(simulate, "FIRST_CHUNK_PIXELS", 4)
    monkeypatch.setattr(simulate, "CHUNK_SECONDS", 1e-9)  # every chunk the smallest: 1 pixel
    looks = []
    chunked = trace(scene, grid_over(20, 4), Geometry(30, 0), samples=16, seed=9,
                    is_canceled=lambda: looks.append(1) and False)
    assert len(looks) == 1 + 21  # 25 pixels: 4 in the first chunk, then one at a time
    assert (whole.polynomials.coefficients != chunked.polynomials.coefficients).nnz == 0
    np.testing.assert_array_equal(whole.fractions, chunked.fractions)
