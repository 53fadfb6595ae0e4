"""unmix3d:build_mockup as users run it: layers in (memory layers and GeoPackages, several
CRSs), mock-up + element table out, then rendered by unmix3d:simulate in a graphical model,
and headless through qgis_process.

Tolerances: the OBJ keeps millimetres: heights to 1e-3 m, areas to a relative 1e-4.
Leaf area per crown: a whole number of leaves, within half a leaf of LAD x crown volume.
"""

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from osgeo import ogr, osr
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
    QgsVectorLayer,
)

from unmix3d.core.mockup import triangle_areas
from unmix3d.core.raster_io import read_raster, write_raster
from unmix3d.core.scene.elements import read_element_table
from unmix3d.core.scene.mockup import load_mockup, read_obj
from unmix3d.core.scene.spectra import MATERIALS, S2_BANDS

X0, Y0 = 500000.0, 4800000.0
BANDS = ["B2", "B3", "B4", "B8"]
ROOT = Path(__file__).resolve().parents[2]

BUILDINGS = [  # local WKT, height, floors, roof class
    ("POLYGON((20 20, 80 20, 80 70, 20 70, 20 20))", 15.0, None, "concrete"),
    ("POLYGON((100 20, 160 20, 160 80, 130 80, 130 50, 100 50, 100 20))", None, 3, None),
    ("POLYGON((20 100, 90 100, 90 170, 20 170, 20 100),(40 120, 70 120, 70 150, 40 150, "
     "40 120))", 9.0, None, None),
    ("POLYGON((120 120, 160 160, 160 120, 120 160, 120 120))", 6.0, None, None),  # bow-tie
    ("POLYGON((170 170, 180 170, 180 180, 170 180, 170 170))", None, None, None),  # no height
]
TREES = [(110, 180, 6.0, 4.0), (185, 100, 8.0, 5.0)]  # local x, y, crown diameter, height
WATER = "POLYGON((175 20, 195 20, 195 60, 175 60, 175 20))"


def utm(wkt_local):
    geometry = ogr.CreateGeometryFromWkt(wkt_local)
    for ring in range(geometry.GetGeometryCount()):
        part = geometry.GetGeometryRef(ring)
        for i in range(part.GetPointCount()):
            x, y = part.GetPoint_2D(i)
            part.SetPoint_2D(i, x + X0, y + Y0)
    return geometry.ExportToWkt()


def memory_buildings():
    layer = QgsVectorLayer("Polygon?crs=EPSG:32631&field=h:double&field=floors:integer"
                           "&field=roof:string", "houses", "memory")
    features = []
    for wkt, height, floors, roof in BUILDINGS:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(utm(wkt)))
        feature.setAttributes([height, floors, roof])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


def to_wgs84(x, y):
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(32631)
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(source, target).TransformPoint(x, y)
    return lon, lat


def gpkg(path, name, geometry_type, epsg, fields, rows):
    """A GeoPackage layer: rows = [(wkt, {field: value})]."""
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    layer = source.CreateLayer(name, srs, geometry_type)
    for field, kind in fields:
        layer.CreateField(ogr.FieldDefn(field, kind))
    for wkt, values in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        for key, value in values.items():
            if value is not None:
                feature.SetField(key, value)
        layer.CreateFeature(feature)
    source = None
    return f"{path}|layername={name}"


def utm_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    return srs.ExportToWkt()


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    image = folder / "image.tif"
    write_raster(image, np.zeros((4, 20, 20)), None, (X0, 10, 0, Y0 + 200, 0, -10), utm_wkt(),
                 BANDS)
    trees = gpkg(folder / "trees.gpkg", "trees", ogr.wkbPoint, 4326,
                 [("diameter", ogr.OFTReal), ("crown_h", ogr.OFTReal), ("kind", ogr.OFTString)],
                 [("POINT({} {})".format(*to_wgs84(X0 + x, Y0 + y)),
                   {"diameter": d, "crown_h": h, "kind": "linden" if i else None})
                  for i, (x, y, d, h) in enumerate(TREES)])
    water = gpkg(folder / "water.gpkg", "water", ogr.wkbPolygon, 32631, [],
                 [(utm(WATER), {})])
    buildings = gpkg(folder / "buildings.gpkg", "houses", ogr.wkbPolygon, 32631,
                     [("h", ogr.OFTReal), ("floors", ogr.OFTInteger), ("roof", ogr.OFTString)],
                     [(utm(w), {"h": h, "floors": f, "roof": r}) for w, h, f, r in BUILDINGS])
    return {"image": str(image), "trees": trees, "water": water, "buildings": buildings,
            "folder": folder}


def base_parameters(layers, out, **extra):
    return {"IMAGE": layers["image"], "MARGIN": 10.0, "GROUND_RESOLUTION": 10.0,
            "BUILDINGS": memory_buildings(), "HEIGHT_FIELD": "h", "FLOORS_FIELD": "floors",
            "FLOOR_HEIGHT": 3.5, "ROOF_CLASS_FIELD": "roof",
            "TREES": layers["trees"], "CROWN_DIAMETER_FIELD": "diameter",
            "CROWN_HEIGHT_FIELD": "crown_h", "TREE_CLASS_FIELD": "kind",
            "CROWN_CENTRE_HEIGHT": 9.0, "LEAF_AREA_DENSITY": 0.8, "LEAF_SIZE": 0.1,
            "WATER": layers["water"], "BANDS": ",".join(BANDS),
            "OUTPUT": str(out / "city.obj"), "ELEMENTS": str(out / "elements.csv"),
            "SUMMARY": str(out / "summary.json"), **extra}


def groups(path):
    triangles, part, names = read_obj(str(path))
    out = {}
    for i, name in enumerate(names):
        t = triangles[part == i]
        out[name] = (float(triangle_areas(t).sum()), float(t[..., 2].min()),
                     float(t[..., 2].max()))
    return out


def test_build_from_layers_matches_the_inputs(run_algorithm, layers, tmp_path):
    result = run_algorithm("unmix3d:build_mockup", base_parameters(layers, tmp_path))
    stats = groups(result["OUTPUT"])
    from shapely import make_valid, wkt

    for number, roof, height in ((1, "roof_concrete", 15.0), (2, "roof", 10.5),
                                 (3, "roof", 9.0), (4, "roof", 6.0)):
        footprint = make_valid(wkt.loads(utm(BUILDINGS[number - 1][0])))
        area, zmin, zmax = stats[f"{roof}_{number}"]
        assert area == pytest.approx(footprint.area, rel=1e-4)
        assert zmin == zmax == pytest.approx(height, abs=1e-3)
        wall_area, wall_min, _ = stats[f"wall_{number}"]
        assert wall_area == pytest.approx(footprint.boundary.length * height, rel=1e-4)
        assert wall_min == pytest.approx(0.0, abs=1e-3)
    assert "roof_5" not in stats  # no height: skipped, counted
    for number, (_, _, diameter, crown_height) in enumerate(TREES, start=1):
        group = "tree_1_leaves" if number == 1 else "linden_2_leaves"
        target = 0.8 * 4 / 3 * math.pi * (diameter / 2) ** 2 * crown_height / 2
        assert abs(stats[group][0] - target) <= 0.05 + 1e-3 * target
    assert stats["water_1"][0] == pytest.approx(800.0, rel=1e-6)
    assert stats["water_1"][1] == pytest.approx(0.05, abs=1e-3)
    assert stats["ground"][0] == pytest.approx(220.0 * 220.0, rel=1e-9)
    summary = json.loads(Path(result["SUMMARY"]).read_text())
    counts = summary["buildings"]["counts"]
    assert counts["repaired"] == 1 and counts["skipped_missing_height"] == 1
    assert summary["triangles"] == result["TRIANGLES"] <= summary["triangle_budget"]
    table = read_element_table(result["ELEMENTS"])
    table.assign_parts(load_mockup(result["OUTPUT"]).part_names)
    table.require_bands(BANDS)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def build_then_simulate_model() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("build and render", "unmix3d tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("image", "Image"),
                            QgsProcessingModelParameter("image"))
    model.addModelParameter(QgsProcessingParameterFeatureSource("buildings", "Buildings"),
                            QgsProcessingModelParameter("buildings"))
    build = QgsProcessingModelChildAlgorithm("unmix3d:build_mockup")
    build.setChildId("build")
    static = QgsProcessingModelChildParameterSource.fromStaticValue
    build.addParameterSources("IMAGE", [
        QgsProcessingModelChildParameterSource.fromModelParameter("image")])
    build.addParameterSources("BUILDINGS", [
        QgsProcessingModelChildParameterSource.fromModelParameter("buildings")])
    for key, value in (("HEIGHT_FIELD", "h"), ("FLOORS_FIELD", "floors"), ("MARGIN", 30.0),
                       ("GROUND_RESOLUTION", 10.0), ("BANDS", ",".join(BANDS))):
        build.addParameterSources(key, [static(value)])
    model.addChildAlgorithm(build)
    render = QgsProcessingModelChildAlgorithm("unmix3d:simulate")
    render.setChildId("render")
    for key, output in (("MOCKUP", "OUTPUT"), ("ELEMENTS", "ELEMENTS")):
        render.addParameterSources(key, [
            QgsProcessingModelChildParameterSource.fromChildOutput("build", output)])
    render.addParameterSources("REFERENCE", [
        QgsProcessingModelChildParameterSource.fromModelParameter("image")])
    for key, value in (("SUN_ZENITH", 30.0), ("SUN_AZIMUTH", 160.0), ("VIEW_ZENITH", 0.0),
                       ("VIEW_AZIMUTH", 0.0), ("SKYL", "0.2"), ("SAMPLES", 16), ("SEED", 2),
                       ("BOUNDARY", 0)):
        render.addParameterSources(key, [static(value)])
    output = QgsProcessingModelOutput("rendered", "Rendered image")
    output.setChildOutputName("OUTPUT")
    render.setModelOutputs({"rendered": output})
    model.addChildAlgorithm(render)
    return model


def test_model_builds_then_renders(unmix3d_provider, layers, tmp_path):
    model_file = tmp_path / "build_render.model3"
    assert build_then_simulate_model().toFile(str(model_file))
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(model_file))
    out = tmp_path / "rendered.tif"
    parameters = {"image": layers["image"], "buildings": layers["buildings"],
                  "render:rendered": str(out)}
    ok, message = model.checkParameterValues(parameters, QgsProcessingContext())
    assert ok, message
    _, ok = model.run(parameters, QgsProcessingContext(), QgsProcessingFeedback())
    assert ok
    image = read_raster(out)
    assert image.band_names == BANDS and image.shape == (20, 20)
    idx = [S2_BANDS.index(b) for b in BANDS]
    # a roof pixel (building 1 covers x 20-80, y 20-70; row 0 is north: y 190-200), seen
    # from nadir: the default roof spectrum (concrete) to the Monte Carlo noise
    roof = np.asarray(MATERIALS["roof_concrete"])[idx]
    np.testing.assert_allclose(image.data[:, 15, 5], roof, rtol=0.08)
    soil = np.asarray(MATERIALS["soil_dry"])[idx]
    np.testing.assert_allclose(image.data[:, 1, 1], soil, rtol=0.08)


@pytest.mark.parametrize("extra, message", [
    ({"TARGET_CRS": "EPSG:4326"}, "geographic"),
    ({"HEIGHT_FIELD": "height_m"}, "HEIGHT_FIELD 'height_m' is not a field"),
    ({"MAX_TRIANGLES": 500}, "MAX_TRIANGLES"),
    ({"LANDCOVER_MAPPING": "1=grass"}, "mapping item '1=grass'"),
])
def test_bad_input_is_named_and_nothing_is_written(run_algorithm, layers, tmp_path, extra,
                                                   message):
    with pytest.raises(QgsProcessingException, match=message):
        run_algorithm("unmix3d:build_mockup", base_parameters(layers, tmp_path, **extra))
    assert not list(tmp_path.iterdir())


def test_layer_outside_the_extent_is_named(run_algorithm, layers, tmp_path):
    far = gpkg(tmp_path / "far.gpkg", "far_trees", ogr.wkbPoint, 32631, [],
               [(f"POINT({X0 + 50000} {Y0})", {})])
    with pytest.raises(QgsProcessingException, match="CROWN_DIAMETER_FIELD 'diameter' is not"):
        run_algorithm("unmix3d:build_mockup", base_parameters(layers, tmp_path / "o",
                                                              TREES=far))
    with pytest.raises(QgsProcessingException, match="TREES far.*: no feature lies within"):
        run_algorithm("unmix3d:build_mockup", base_parameters(
            layers, tmp_path / "o", TREES=far, CROWN_DIAMETER_FIELD=None,
            CROWN_HEIGHT_FIELD=None, TREE_CLASS_FIELD=None))
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_turbid_crowns_and_landcover_polygons(run_algorithm, layers, tmp_path):
    landcover = gpkg(tmp_path / "lc.gpkg", "landcover", ogr.wkbPolygon, 32631,
                     [("class", ogr.OFTString)],
                     [(utm("POLYGON((-10 -10, 100 -10, 100 210, -10 210, -10 -10))"),
                       {"class": "Grass"})])
    result = run_algorithm("unmix3d:build_mockup", base_parameters(
        layers, tmp_path, TREE_MODE=1, LANDCOVER=landcover.split("|")[0],
        LANDCOVER_FIELD="class", GROUPS=2))
    stats = groups(result["OUTPUT"])
    assert stats["grass"][0] == pytest.approx(110.0 * 220.0, rel=1e-9)
    assert "tree_all_crown" in stats and "roof_all" in stats
    table = read_element_table(result["ELEMENTS"])
    kinds = {e.name: e.kind for e in table.elements}
    assert kinds["vegetation"] == kinds["linden"] == "turbid"
    table.assign_parts(load_mockup(result["OUTPUT"]).part_names)


def test_headless_qgis_process(layers, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    out = tmp_path / "out"
    run = subprocess.run(
        [str(ROOT / "scripts" / "qgis_process.sh"), "run", "unmix3d:build_mockup", "--json",
         "--", f"IMAGE={layers['image']}", f"BUILDINGS={layers['buildings']}",
         "HEIGHT_FIELD=h", "DEFAULT_HEIGHT=4", f"TREES={layers['trees']}",
         f"WATER={layers['water']}", f"OUTPUT={out / 'city.obj'}",
         f"ELEMENTS={out / 'elements.csv'}", f"SUMMARY={out / 'summary.html'}"],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    reply = json.loads(run.stdout[run.stdout.index("{"):])
    assert reply["results"]["TRIANGLES"] > 0
    assert "Triangle budget" in run.stdout + run.stderr or reply["results"]["TRIANGLES"]
    assert "<table>" in (out / "summary.html").read_text()
    table = read_element_table(out / "elements.csv")
    table.assign_parts(load_mockup(out / "city.obj").part_names)
