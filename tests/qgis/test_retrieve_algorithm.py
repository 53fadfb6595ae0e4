"""unmix3d:retrieve as users run it: a small two-leaf-type forest written as OBJ, a truth
image and an oblique extra image, zones as polygons, and named errors for bad input."""

import csv
import html
import re

import numpy as np
import pytest
from log_feedback import LogFeedback
from qgis.core import QgsProcessingContext, QgsProcessingException

from unmix3d.core.raster_io import read_raster, write_raster
from unmix3d.core.retrieve import virtual
from unmix3d.core.simulate import Geometry, prepare_scene, trace

X0, Y0, SIZE = virtual.X0, virtual.Y0, virtual.SIZE
BANDS = ["B3", "B4", "B8"]
PIXEL = 2.0
GEOMETRIES = [(30.0, 150.0, 0.0, 0.0), (30.0, 150.0, 40.0, 330.0)]


def utm_wkt():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    return srs.ExportToWkt()


def write_obj(path, parts):
    lines, count = [], 0
    for name, triangles in parts.items():
        lines.append(f"g {name}")
        for triangle in triangles:
            lines += [f"v {x:.3f} {y:.3f} {z:.3f}" for x, y, z in triangle]
            lines.append(f"f {count + 1} {count + 2} {count + 3}")
            count += 3
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def forest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forest")
    parts = virtual.virtual_forest_parts(leaves_per_crown=300)
    write_obj(folder / "forest.obj", parts)
    (folder / "elements.csv").write_text(
        "element,match,type,rt_ratio\nsoil,soil,opaque,\nunderstory,understory,opaque,\n"
        "leaf_a,crown_leaf_a,translucent,1.0\nleaf_b,crown_leaf_b,translucent,1.0\n")
    # truth images from the OBJ as read back (its 3-decimal vertices), another seed
    from unmix3d.core.scene.mockup import load_mockup

    scene = prepare_scene(load_mockup(folder / "forest.obj"), virtual.virtual_forest_elements())
    full = virtual.truth_variables(scene)
    x = full[[list(virtual.BANDS).index(b) for b in BANDS]]
    grid = virtual.grid(PIXEL)
    paths = []
    for k, angles in enumerate(GEOMETRIES):
        image, _ = trace(scene, grid, Geometry(*angles), samples=128, seed=500 + k).reflectance(
            x, 0.1)
        paths.append(write_raster(folder / f"image{k}.tif", image, None, grid.geotransform,
                                  utm_wkt(), BANDS))
    return folder, paths, x, scene


def parameters(forest, out, **extra):
    folder, paths, _, _ = forest
    sz, sa, vz, va = GEOMETRIES[0]
    return {"IMAGE": paths[0], "MOCKUP": str(folder / "forest.obj"),
            "ELEMENTS": str(folder / "elements.csv"), "SUN_ZENITH": sz, "SUN_AZIMUTH": sa,
            "VIEW_ZENITH": vz, "VIEW_AZIMUTH": va, "SKYL": "0.1",
            "IMAGES_EXTRA": [paths[1]], "GEOMETRIES_EXTRA": ",".join(map(str, GEOMETRIES[1])),
            "SAMPLES": 64, "SEED": 3, "PRECISION": 0, "OUTPUT": str(out / "retrieved.csv"),
            "SIMULATED": str(out / "simulated.tif"), "REPORT": str(out / "report.html"),
            "CORRELATION": str(out / "correlation.csv"), **extra}


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_retrieve_writes_spectra_simulation_and_report(run_algorithm, forest, tmp_path):
    _, _, x, scene = forest
    outputs = run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path))
    rows = read_rows(outputs["OUTPUT"])
    assert set(rows[0]) >= {"element", "zone", "quantity", "band", "value", "std", "status"}
    soil = scene.var_r[scene.elements.index("soil")]
    for row in rows:
        if row["element"] == "soil":
            truth = x[BANDS.index(row["band"]), soil]
            assert abs(float(row["value"]) - truth) <= 0.01
            assert 0 < float(row["std"]) < 0.01
    leaf_t = [r for r in rows if r["element"] == "leaf_a" and r["quantity"] == "t"]
    assert len(leaf_t) == len(BANDS)
    simulated = read_raster(outputs["SIMULATED"])
    observed = read_raster(parameters(forest, tmp_path)["IMAGE"])
    assert simulated.band_names == BANDS
    assert np.sqrt(np.mean((simulated.data - observed.data) ** 2)) < 0.03
    assert outputs["RMSE"] < 0.03 and outputs["ITERATIONS"] > 0
    report = (tmp_path / "report.html").read_text()
    figures = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', report)
    assert {"loss history", "spectra all", "correlation matrix"} <= set(figures)
    assert sum(f.startswith("residuals ") for f in figures) == len(GEOMETRIES)
    # the report's table of values is the CSV written beside it
    table = report.split("<h2>Retrieved values</h2>", 1)[1].split("</table>", 1)[0]
    shown = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)]
             for r in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1])]
    assert len(shown) == len(rows)
    for cells, row in zip(shown, rows, strict=True):
        assert cells[:5] == [row[k] for k in ("element", "zone", "mode", "quantity", "band")]
        assert float(cells[5]) == pytest.approx(float(row["value"]), rel=6e-4)
    assert (tmp_path / "correlation.csv").read_text().startswith("parameter,")


def test_adaptive_sampling_traces_more_rounds_and_reports_them(run_algorithm, forest,
                                                               tmp_path):
    """PRECISION 0.15 from SAMPLES 16: more rounds are traced; the report lists them from
    16 samples on and why they stopped (the image, traced at 128 samples, has noise of its
    own: the aim is reached or that noise is named)."""
    outputs = run_algorithm("unmix3d:retrieve", parameters(
        forest, tmp_path, SAMPLES=16, PRECISION=0.15, SIMULATED=None, CORRELATION=None,
        INTERVALS=1))
    report = (tmp_path / "report.html").read_text()
    line = re.search(r"aim: standard error [^<]*", report).group(0)
    rounds = re.findall(r"(\d+): (0\.\d+)", line)
    assert len(rounds) >= 2 and rounds[0][0] == "16" and int(rounds[-1][0]) > 16, line
    assert "precision reached" in line or "own noise limits it" in line, line
    if "precision reached" in line:
        rows = read_rows(outputs["OUTPUT"])
        targeted = [float(r["std"]) for r in rows if r["std"] and r["mode"] == "free"
                    and (r["quantity"] == "albedo" or r["element"] in ("soil", "understory"))]
        assert max(targeted) <= 0.15 / 1.96


def test_rt_constraint_from_the_table_is_used_and_reported(run_algorithm, forest, tmp_path):
    """RT_CONSTRAINT = table on leaf_a: its r/t is the table's 1.0 in every band, its rows
    say "constrained", its albedo has a 95 % interval, and the report names the constraint;
    leaf_b (not in RT_ELEMENTS) stays free."""
    outputs = run_algorithm("unmix3d:retrieve", parameters(
        forest, tmp_path, RT_CONSTRAINT=1, RT_ELEMENTS="leaf_a", STARTS=2, SIMULATED=None,
        CORRELATION=None))
    rows = read_rows(outputs["OUTPUT"])
    assert {"low95", "high95", "trades_with"} <= set(rows[0])
    leaf_a = {(r["quantity"], r["band"]): r for r in rows if r["element"] == "leaf_a"}
    for band in BANDS:
        assert float(leaf_a[("r", band)]["value"]) == pytest.approx(
            float(leaf_a[("t", band)]["value"]), rel=1e-9)
        assert leaf_a[("r", band)]["status"] == "constrained"
        albedo = leaf_a[("albedo", band)]
        assert float(albedo["low95"]) <= float(albedo["value"]) <= float(albedo["high95"])
    assert all(r["status"] != "constrained" for r in rows if r["element"] == "leaf_b")
    report = (tmp_path / "report.html").read_text()
    assert "r/t fixed from the element table" in report and "worst-identified pair" in report


def test_prospect_leaves_and_zone_polygons(run_algorithm, forest, tmp_path):
    folder = tmp_path / "zones"
    folder.mkdir()
    path = folder / "zones.geojson"
    half = X0 + SIZE / 2
    path.write_text(
        '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":'
        '"urn:ogc:def:crs:EPSG::32631"}},"features":['
        + ",".join(
            f'{{"type":"Feature","properties":{{"zone":"{name}"}},"geometry":{{"type":'
            f'"Polygon","coordinates":[[[{a},{Y0}],[{b},{Y0}],[{b},{Y0 + SIZE}],'
            f'[{a},{Y0 + SIZE}],[{a},{Y0}]]]}}}}'
            for name, a, b in (("west", X0, half), ("east", half, X0 + SIZE)))
        + "]}")
    outputs = run_algorithm("unmix3d:retrieve", parameters(
        forest, tmp_path, PROSPECT_ELEMENTS="leaf_a,leaf_b", PROSPECT_PARAMETERS="Cab,N",
        ZONES=str(path), ZONE_FIELD="zone", MAX_ITERATIONS=40, REPORT=None,
        CORRELATION=None))
    rows = read_rows(outputs["OUTPUT"])
    cab = [r for r in rows if r["quantity"] == "Cab"]
    assert sorted((r["element"], r["zone"]) for r in cab) == [
        ("leaf_a", "east"), ("leaf_a", "west"), ("leaf_b", "east"), ("leaf_b", "west")]
    assert all(0 <= float(r["value"]) <= 120 for r in cab)
    assert any(r["status"] == "derived" and r["quantity"] == "t" for r in rows)


def test_extra_images_use_their_own_skylight_ratio(run_algorithm, forest, tmp_path):
    """Both images were rendered with SKYL 0.1: telling the algorithm that the extra one
    had 1 (no direct sun) must make the fit worse, so SKYL_EXTRA reaches that image's model."""
    right = run_algorithm("unmix3d:retrieve", parameters(
        forest, tmp_path, SKYL_EXTRA="0.1", REPORT=None, CORRELATION=None, SIMULATED=None))
    wrong = run_algorithm("unmix3d:retrieve", parameters(
        forest, tmp_path, SKYL_EXTRA="1", REPORT=None, CORRELATION=None, SIMULATED=None))
    assert wrong["RMSE"] > 1.5 * right["RMSE"]


@pytest.mark.parametrize("extra, message", [
    ({"GEOMETRIES_EXTRA": ""}, "GEOMETRIES_EXTRA gives 0 geometries"),
    ({"GEOMETRIES_EXTRA": "30,150,40"}, "must be four numbers"),
    ({"PROSPECT_ELEMENTS": "leaf_a", "PROSPECT_START": "Cab=500"}, "Cab = 500"),
    ({"PROSPECT_ELEMENTS": "soil"}, "'soil' is opaque"),
    ({"FIXED_ELEMENTS": "soil"}, "fixed element 'soil' has no value for band"),
    ({"FIXED_ELEMENTS": "rock"}, "unknown element"),
    ({"SKYL": "0.1,0.2"}, "SKYL has 2 values"),
    ({"SKYL_EXTRA": "0.1;0.2"}, "SKYL_EXTRA gives 2 entries but IMAGES_EXTRA has 1"),
    ({"SKYL_EXTRA": "0.1,0.2"}, "SKYL_EXTRA entry 1 has 2 values"),
    ({"RT_CONSTRAINT": 2, "RT_RANGE": "2"}, "RT_RANGE '2' must be two numbers"),
    ({"RT_CONSTRAINT": 2, "RT_RANGE": "2,1"}, "0 <= low <= high"),
    ({"RT_CONSTRAINT": 1, "RT_ELEMENTS": "soil"}, "soil: not a free translucent element"),
    ({"TILE_SIZE": 5, "SCHEDULER": "cluster please"}, "SCHEDULER 'cluster please'"),
    ({"SCHEDULER": "cluster please"}, "SCHEDULER 'cluster please'"),
])
def test_bad_input_is_named(run_algorithm, forest, tmp_path, extra, message):
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path, SAMPLES=4, **extra))
    assert not (tmp_path / "retrieved.csv").exists()


def test_zone_without_pixels_is_refused(run_algorithm, forest, tmp_path):
    path = tmp_path / "zones.tif"
    zones = np.ones((4, 4))
    zones[0, 0] = 7  # zone 7 covers a pixel of the zone raster outside the image
    write_raster(path, zones, None, (X0 - 20, 20, 0, Y0 + SIZE + 20, 0, -20), utm_wkt(),
                 ["zone"])
    with pytest.raises(QgsProcessingException, match="without any valid image pixel: 7"):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path, SAMPLES=4,
                                                     ZONES=str(path)))


# the validation unmix and simulate use ----------------------------------------------------


def geographic_wkt():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def image_variant(forest, folder, case):
    """The nadir image without a CRS, in a geographic CRS, as scaled integers or with a band
    all NaN."""
    raster = read_raster(forest[1][0])
    data, crs = raster.data.copy(), raster.crs_wkt
    if case == "no CRS":
        crs = ""
    elif case == "geographic":
        crs = geographic_wkt()
    elif case == "scaled":
        data = data * 10000 + 1000
    elif case == "NaN band":
        data[1] = np.nan
    return str(write_raster(folder / "image.tif", data, None, raster.geotransform, crs, BANDS))


@pytest.mark.parametrize("case, message", [
    ("no CRS", "IMAGE image has no CRS"),
    ("geographic", "IMAGE image is in a geographic CRS"),
    ("scaled", "SCALE=0.0001 and OFFSET=-0.1"),
    ("NaN band", "IMAGE image band B4 holds no valid pixel"),
])
def test_image_checks_are_those_of_unmix(run_algorithm, forest, tmp_path, case, message):
    image = image_variant(forest, tmp_path, case)
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path, IMAGE=image, SAMPLES=4))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.tif"]


def test_an_extra_image_away_from_the_mockup_is_named(run_algorithm, forest, tmp_path):
    raster = read_raster(forest[1][1])
    x0, dx, _, y0, _, dy = raster.geotransform
    moved = write_raster(tmp_path / "elsewhere.tif", raster.data, None,
                         (x0 + 50000, dx, 0, y0, 0, dy), raster.crs_wkt, BANDS)
    with pytest.raises(QgsProcessingException,
                       match=r"and IMAGES_EXTRA elsewhere \(x .*\) do not overlap"):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path,
                                                     IMAGES_EXTRA=[str(moved)]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.tif"]


def test_bands_and_rules_are_checked_against_the_element_table(run_algorithm, forest,
                                                               tmp_path):
    """A table with band columns must have one for every image band; a rule must name the
    image's bands (a table without band columns is fine: start values have defaults)."""
    table = tmp_path / "elements.csv"
    table.write_text("element,match,type,rt_ratio,rule,B3,B4\nsoil,soil,opaque,,,0.1,0.1\n"
                     "understory,understory,opaque,,,0.1,0.1\n"
                     "leaf_a,crown_leaf_a,translucent,1.0,,0.2,0.1\n"
                     "leaf_b,crown_leaf_b,translucent,1.0,,0.2,0.1\n")
    with pytest.raises(QgsProcessingException, match="band.s. B8 but the element table"):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path, ELEMENTS=str(table)))
    table.write_text((forest[0] / "elements.csv").read_text().replace(
        "rt_ratio\n", "rt_ratio,rule\n").replace("leaf_a,translucent,1.0",
                                                 "leaf_a,translucent,1.0,B99 > B4"))
    with pytest.raises(QgsProcessingException, match="B99"):
        run_algorithm("unmix3d:retrieve", parameters(forest, tmp_path, ELEMENTS=str(table)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elements.csv"]


def test_angles_are_required_unless_metadata_gives_them(run_algorithm, forest, tmp_path):
    given = parameters(forest, tmp_path)
    del given["SUN_AZIMUTH"], given["VIEW_ZENITH"]
    with pytest.raises(QgsProcessingException, match="Give SUN_AZIMUTH, VIEW_ZENITH "):
        run_algorithm("unmix3d:retrieve", given)
    metadata = tmp_path / "MTD_TL.xml"
    metadata.write_text("<Tile><Mean_Sun_Angle><ZENITH_ANGLE>30</ZENITH_ANGLE>"
                        "<AZIMUTH_ANGLE>150</AZIMUTH_ANGLE></Mean_Sun_Angle></Tile>")
    with pytest.raises(QgsProcessingException, match="Give VIEW_ZENITH "):
        run_algorithm("unmix3d:retrieve", {**given, "METADATA": str(metadata)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MTD_TL.xml"]


def test_unwritable_output_is_refused_before_tracing_and_the_log_names_the_angles(
        forest, tmp_path, unmix3d_provider):
    import processing

    (tmp_path / "a_file").write_text("")
    feedback = LogFeedback()
    with pytest.raises(QgsProcessingException, match="REPORT: cannot write into"):
        processing.run("unmix3d:retrieve", parameters(
            forest, tmp_path / "out", REPORT=str(tmp_path / "a_file" / "report.html")),
            feedback=feedback)
    log = " ".join(feedback.lines)
    assert "Angles used: sun zenith 30 (SUN_ZENITH), sun azimuth 150 (SUN_AZIMUTH)" in log
    assert "Angles used for IMAGES_EXTRA image1: sun zenith 30, sun azimuth 150, view " \
           "zenith 40, view azimuth 330 (GEOMETRIES_EXTRA)" in log
    assert "Traced" not in log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_cancel_while_writing_leaves_no_output(forest, tmp_path, unmix3d_provider):
    """The CSV is staged when the cancel comes (at the simulated image): it goes too."""
    out = tmp_path / "out"
    feedback = LogFeedback(cancel_at="writing SIMULATED")
    algorithm = unmix3d_provider.algorithm("retrieve")
    _, ok = algorithm.run(parameters(forest, out, SAMPLES=4, MAX_ITERATIONS=3, STARTS=1,
                                     INTERVALS=1, IMAGES_EXTRA=None, GEOMETRIES_EXTRA=""),
                          QgsProcessingContext(), feedback)
    assert not ok
    assert feedback.texts[-2:] == ["writing OUTPUT", "writing SIMULATED"]
    assert not out.exists()


def run_logged(unmix3d_provider, parameters_, feedback=None):
    feedback = feedback or LogFeedback()
    algorithm = unmix3d_provider.algorithm("retrieve")
    outputs, ok = algorithm.run(parameters_, QgsProcessingContext(), feedback)
    return outputs, ok, feedback


def test_tiled_retrieve_agrees_with_untiled_and_the_automatic_choice_is_logged(
        forest, tmp_path, unmix3d_provider):
    """TILE_SIZE 5 (16 tiles of 10 m; crowns up to 10 m tall, views at 0 and 40 degrees):
    every retrieved value within 3 standard errors of a difference of two runs (3 sqrt(2)
    x the reported one) of the untiled run's. TILE_SIZE 0 on this small scene: untiled,
    said in the log per image."""
    quick = dict(SAMPLES=32, STARTS=1, INTERVALS=1, REPORT=None, SIMULATED=None,
                 CORRELATION=None)
    untiled, ok, feedback = run_logged(unmix3d_provider,
                                       parameters(forest, tmp_path / "a", **quick))
    assert ok
    automatic = [line for line in feedback.lines if line.startswith("TILE_SIZE 0")]
    assert len(automatic) == len(GEOMETRIES), feedback.lines
    assert all("untiled" in line and "memory limit" in line for line in automatic)
    tiled, ok, _ = run_logged(unmix3d_provider, parameters(forest, tmp_path / "b", TILE_SIZE=5,
                                                           **quick))
    assert ok
    whole, joined = read_rows(untiled["OUTPUT"]), read_rows(tiled["OUTPUT"])
    assert [r["quantity"] for r in joined] == [r["quantity"] for r in whole]
    checked = 0
    for a, b in zip(whole, joined, strict=True):
        if a["std"]:
            difference = abs(float(a["value"]) - float(b["value"]))
            assert difference < 3 * np.sqrt(2) * float(a["std"]), (a, b)
            checked += 1
    assert checked >= len(BANDS) * 4


def test_cancel_during_a_tiled_retrieve_leaves_no_output(forest, tmp_path, unmix3d_provider):
    """Canceled at the first finished tile of the first trace: the graph stops, nothing is
    written."""
    out = tmp_path / "out"
    _, ok, feedback = run_logged(unmix3d_provider, parameters(forest, out, TILE_SIZE=5),
                                 LogFeedback(cancel_at="tracing"))
    assert not ok
    assert feedback.texts[0].startswith("tracing") and len(feedback.texts) == 1
    assert not out.exists()
