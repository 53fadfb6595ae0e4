"""core.mockup: mock-ups from GIS ingredients, checked against known answers.

Tolerances: the OBJ stores millimetres, so areas and heights read back from the file agree
with the inputs to ~1e-3 m (heights) and a relative ~1e-4 (areas of metre-sized faces).
Leaf area per crown is a whole number of leaves: within half a leaf of LAD x volume.
"""

import math
from collections import defaultdict

import numpy as np
import pytest
import shapely
from osgeo import gdal, osr
from shapely.geometry import MultiPolygon, Point, Polygon, box

from unmix3d.core import mockup as B  # noqa: N812
from unmix3d.core.scene.elements import read_element_table
from unmix3d.core.scene.mockup import load_mockup, read_obj

X0, Y0 = 500000.0, 4800000.0
EXTENT = (X0, Y0, X0 + 200.0, Y0 + 200.0)


def utm_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    return srs.ExportToWkt()


def shifted(geometry, dx=X0, dy=Y0):
    return shapely.transform(geometry, lambda c: c + [dx, dy])


def group_stats(path):
    """Per OBJ group: triangles (n, 3, 3), total area, z range."""
    triangles, part, names = read_obj(str(path))
    out = {}
    for i, name in enumerate(names):
        t = triangles[part == i]
        out[name] = {"tris": t, "area": float(B.triangle_areas(t).sum()),
                     "zmin": float(t[..., 2].min()), "zmax": float(t[..., 2].max())}
    return out


# ---------------------------------------------------------------------------- triangulation

COMB = [(0, 0), (100, 0), (100, 10)]
for _k in range(10):
    COMB += [(95 - 10 * _k, 10), (92 - 10 * _k, 50 + 3 * _k), (89 - 10 * _k, 10)]
COMB += [(0, 10)]

POLYGONS = {
    "rectangle": box(0, 0, 10, 5),
    "l_shape": Polygon([(0, 0), (10, 0), (10, 10), (5, 10), (5, 5), (0, 5)]),
    "courtyard": box(0, 0, 20, 20).difference(box(5, 5, 15, 15)),
    "two_holes": Polygon([(0, 0), (10, 0), (10, 10), (0, 10)],
                         [[(2, 2), (4, 2), (4, 4), (2, 4)], [(6, 6), (8, 6), (8, 8), (6, 8)]]),
    "circle": Point(0, 0).buffer(5, 16),
    "comb": Polygon(COMB),
    "collinear": Polygon([(0, 0), (5, 0), (10, 0), (10, 10), (0, 10), (0, 5)]),
    "spiral_hole": Polygon([(0, 0), (30, 0), (30, 30), (0, 30)],
                           [[(5, 5), (25, 5), (25, 25), (10, 25), (10, 20), (20, 20), (20, 10),
                             (5, 10)]]),
}


@pytest.mark.parametrize("name", sorted(POLYGONS))
def test_triangulation_tiles_the_polygon_exactly(name):
    polygon = shifted(POLYGONS[name])  # at UTM coordinates, as real footprints are
    parts, owner, _ = B.clean_polygons([polygon], "test")
    triangles, index = B.triangulate_polygons(parts)
    areas = B.triangle_areas(triangles)
    assert areas.sum() == pytest.approx(polygon.area, rel=1e-9)
    assert (areas > 0).all()
    assert len(triangles) <= B.polygon_triangle_count(parts).sum()
    # every triangle inside the polygon; with the area equal, they tile it without overlap
    tri_polys = shapely.polygons(np.concatenate([triangles, triangles[:, :1]], axis=1))
    assert shapely.within(shapely.buffer(tri_polys, -1e-6), polygon).all()


def test_random_star_polygons_ear_clip():
    rng = np.random.default_rng(4)
    for _ in range(30):
        n = rng.integers(5, 40)
        angle = np.sort(rng.uniform(0, 2 * math.pi, n))
        radius = rng.uniform(2, 10, n)
        ring = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        polygon = Polygon(ring)
        if not polygon.is_valid:
            continue
        triangles = B.ear_clip(ring)
        assert B.triangle_areas(triangles).sum() == pytest.approx(polygon.area, rel=1e-9)


# ----------------------------------------------------------------------------- full builds


def city_inputs():
    """Buildings with known answers (local coordinates + X0, Y0)."""
    footprints = [
        box(10, 10, 30, 25),  # 1: height field 12 m
        Polygon([(40, 10), (70, 10), (70, 40), (55, 40), (55, 25), (40, 25)]),  # 2: floors 4
        box(80, 10, 120, 50).difference(box(90, 20, 110, 40)),  # 3: courtyard, 9 m
        MultiPolygon([box(10, 60, 20, 70), box(25, 60, 35, 70)]),  # 4: two parts, 6 m
        Polygon([(130, 10), (150, 30), (150, 10), (130, 30)]),  # 5: bow-tie (invalid), 5 m
        box(160, 10, 170, 20),  # 6: no height at all: skipped (or default)
        box(900, 900, 910, 910),  # 7: outside the extent
    ]
    heights = np.array([12.0, np.nan, 9.0, 6.0, 5.0, np.nan, 10.0])
    floors = np.array([np.nan, 4, np.nan, np.nan, np.nan, np.nan, np.nan])
    roof_class = ["tile", None, "Concrete roof", None, None, None, None]
    return [shifted(g) for g in footprints], heights, floors, roof_class


def build_city(tmp_path, **overrides):
    footprints, heights, floors, roof_class = city_inputs()
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=10.0,
                             ground_height=100.0, bands=("B2", "B3", "B4", "B8"), seed=1)
    for key, value in overrides.pop("options", {}).items():
        setattr(options, key, value)
    trees = B.TreeInput(
        x=np.array([X0 + 50, X0 + 150, X0 + 180, X0 + 5000]),
        y=np.array([Y0 + 120, Y0 + 150, Y0 + 180, Y0 + 50]),
        crown_centre_height=np.array([8.0, np.nan, 10.0, 8.0]),
        crown_diameter=np.array([6.0, 4.0, 8.0, 6.0]),
        crown_height=np.array([5.0, 4.0, 6.0, 5.0]),
        classes=[None, "linden", None, None], name="trees")
    water = [shifted(box(100, 100, 140, 130)),
             shifted(Polygon([(0, 190), (60, 190), (60, 199), (0, 199)]))]
    kwargs = dict(
        buildings=B.PolygonInput(footprints, "buildings", classes=roof_class, height=heights,
                                 floors=floors),
        trees=trees, water=B.PolygonInput(water, "water"))
    kwargs.update(overrides)
    logs = []
    result = B.build_mockup(str(tmp_path / "city.obj"), str(tmp_path / "elements.csv"),
                            str(tmp_path / "summary.json"), options, log=logs.append, **kwargs)
    return result, logs


def test_city_block_matches_its_inputs(tmp_path):
    result, logs = build_city(tmp_path)
    stats = group_stats(result.obj_path)
    footprints, heights, _, _ = city_inputs()
    ground = 100.0
    expected = {1: ("roof_tile", 12.0), 2: ("roof", 12.0), 3: ("roof_concrete_roof", 9.0),
                4: ("roof", 6.0), 5: ("roof", 5.0)}
    for number, (roof, height) in expected.items():
        footprint = footprints[number - 1]
        if number == 5:
            footprint = shapely.make_valid(footprint)
        roof_group = stats[f"{roof}_{number}"]
        wall_group = stats[f"wall_{number}"]
        assert roof_group["area"] == pytest.approx(footprint.area, rel=1e-4), number
        assert roof_group["zmin"] == roof_group["zmax"] == pytest.approx(ground + height,
                                                                          abs=1e-3)
        perimeter = footprint.boundary.length  # holes' rings included
        assert wall_group["area"] == pytest.approx(perimeter * height, rel=1e-4), number
        assert wall_group["zmin"] == pytest.approx(ground, abs=1e-3)
    assert "roof_6" not in stats and "wall_6" not in stats and "roof_7" not in stats
    counts = result.summary["buildings"]["counts"]
    assert counts["repaired"] == 1 and counts["skipped_missing_height"] == 1
    assert counts["outside_extent"] == 1 and counts["built"] == 5
    assert any("1 footprints without a height skipped" in line for line in logs)
    # trees: leaf area per crown = LAD x volume, to half a leaf
    options = B.BuildOptions(extent=EXTENT)
    for group, (radius, half) in {"tree_1_leaves": (3.0, 2.5), "linden_2_leaves": (2.0, 2.0),
                                  "tree_3_leaves": (4.0, 3.0)}.items():
        leaf_area = stats[group]["area"]
        target = options.leaf_area_density * 4 / 3 * math.pi * radius ** 2 * half
        assert abs(leaf_area - target) <= options.leaf_size / 2 + 1e-3 * target, group
    assert stats["tree_2_leaves" if "tree_2_leaves" in stats else "linden_2_leaves"]
    assert stats["tree_1_trunk"]["zmax"] == pytest.approx(ground + 8.0 - 2.5, abs=1e-3)
    assert "tree_4_leaves" not in stats  # outside the extent
    # water: area and level
    assert stats["water_1"]["area"] == pytest.approx(1200.0, rel=1e-6)
    assert stats["water_2"]["area"] == pytest.approx(540.0, rel=1e-6)
    assert stats["water_1"]["zmin"] == pytest.approx(ground + 0.05, abs=1e-3)
    # ground: the whole extent
    assert stats["ground"]["area"] == pytest.approx(200.0 * 200.0, rel=1e-9)
    # the element table matches every group exactly once and loads
    table = read_element_table(result.elements_path)
    mockup = load_mockup(result.obj_path)
    table.assign_parts(mockup.part_names)
    kinds = {e.name: e.kind for e in table.elements}
    assert kinds["vegetation"] == kinds["linden"] == "translucent"
    assert kinds["roof"] == kinds["wall"] == kinds["trunk"] == kinds["water"] == "opaque"
    table.require_bands(["B2", "B3", "B4", "B8"])
    summary = result.summary
    assert summary["triangles"] == len(mockup.triangles) <= summary["triangle_budget"]
    assert summary["elements"]["water"]["area_m2"] == pytest.approx(1740.0, rel=1e-6)
    assert summary["trees"]["leaf_area_m2"]["linden"] == pytest.approx(
        stats["linden_2_leaves"]["area"], rel=1e-3)


def test_default_height_and_per_element_groups(tmp_path):
    result, _ = build_city(tmp_path, options={"default_height": 7.0, "grouping": "element"})
    stats = group_stats(result.obj_path)
    assert set(stats) >= {"roof_all", "wall_all", "tree_all_leaves", "tree_all_trunk",
                          "water_all", "ground", "linden_all_leaves"}
    assert result.summary["buildings"]["counts"]["default_height"] == 1
    table = read_element_table(result.elements_path)
    table.assign_parts(load_mockup(result.obj_path).part_names)


def test_turbid_crowns_are_closed_ellipsoids_of_the_crown_volume(tmp_path):
    import trimesh

    result, _ = build_city(tmp_path, options={"tree_mode": "turbid", "leaf_area_density": 0.8})
    stats = group_stats(result.obj_path)
    crown = stats["tree_1_crown"]["tris"]
    mesh = trimesh.Trimesh(vertices=crown.reshape(-1, 3), faces=np.arange(3 * len(crown))
                           .reshape(-1, 3))
    mesh.merge_vertices()
    assert mesh.is_watertight
    assert abs(mesh.volume) == pytest.approx(4 / 3 * math.pi * 9 * 2.5, rel=1e-3)
    assert mesh.volume > 0  # outward winding
    trunk = stats["tree_1_trunk"]["tris"]
    mesh = trimesh.Trimesh(vertices=trunk.reshape(-1, 3), faces=np.arange(3 * len(trunk))
                           .reshape(-1, 3))
    mesh.merge_vertices()
    octagon = 2 * math.sqrt(2) * 0.15 ** 2  # regular octagon of circumradius 0.15 m
    assert mesh.is_watertight and mesh.volume == pytest.approx(octagon * (8 - 2.5), rel=1e-2)
    text = open(result.elements_path).read().splitlines()
    header = text[0].split(",")
    assert "leaf_area_density" in header and "lad" in header
    row = next(line.split(",") for line in text if line.startswith("vegetation,"))
    assert row[header.index("type")] == "turbid"
    assert row[header.index("leaf_area_density")] == "0.8"
    assert result.summary["trees"]["leaf_area_m2"]["vegetation"] == pytest.approx(
        0.8 * 4 / 3 * math.pi * (9 * 2.5 + 16 * 3), rel=1e-3)


@pytest.mark.parametrize("lad", ["ellipsoidal:0.5", "beta:2,5"])
def test_every_lad_the_engine_knows_builds_leaves_and_crowns(tmp_path, lad):
    """Leaf normals of the built leaf triangles follow the LAD (mean inclination within 4
    standard errors of the LAD's own mean); turbid crowns carry it into a valid table."""
    from unmix3d.core.raytrace.lad import leaf_inclination_mean_deg

    result, _ = build_city(tmp_path, options={"lad": lad})
    stats = group_stats(result.obj_path)
    leaves = np.concatenate([v["tris"] for k, v in stats.items() if k.endswith("_leaves")])
    normal = np.cross(leaves[:, 1] - leaves[:, 0], leaves[:, 2] - leaves[:, 0])
    inclination = np.degrees(np.arccos(np.abs(normal[:, 2]) / np.linalg.norm(normal, axis=1)))
    error = inclination.std() / math.sqrt(len(inclination))
    assert abs(inclination.mean() - leaf_inclination_mean_deg(lad)) < 4 * error
    assert result.summary["trees"]["lad"] == lad
    turbid = tmp_path / "turbid"
    turbid.mkdir()
    result, _ = build_city(turbid, options={"lad": lad, "tree_mode": "turbid"})
    table = read_element_table(result.elements_path)
    table.assign_parts(load_mockup(result.obj_path).part_names)
    assert table.elements[table.index("vegetation")].structure("tree_1_crown")[1] == lad


def test_unknown_lad_is_refused_with_the_accepted_forms(tmp_path):
    with pytest.raises(B.BuildError, match="LAD 'ellipsoidal:x' .*beta:<a>,<b>"):
        build_city(tmp_path, options={"lad": "ellipsoidal:x"})
    assert not list(tmp_path.iterdir())


def write_plane_dem(path, bounds, res, a=50.0, bx=0.01, by=-0.02, epsg=32631, hole=None):
    xmin, ymin, xmax, ymax = bounds
    cols, rows = int((xmax - xmin) / res), int((ymax - ymin) / res)
    x = xmin + (np.arange(cols) + 0.5) * res
    y = ymax - (np.arange(rows) + 0.5) * res
    xx, yy = np.meshgrid(x - X0, y - Y0)
    z = a + bx * xx + by * yy
    if hole is not None:
        z[hole] = -9999
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((xmin, res, 0, ymax, 0, -res))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).SetNoDataValue(-9999)
    dataset.GetRasterBand(1).WriteArray(z)
    dataset = None
    return path


def plane(x, y, a=50.0, bx=0.01, by=-0.02):
    return a + bx * (x - X0) + by * (y - Y0)


def test_dem_ground_buildings_on_slopes_and_trees_outside_the_dem(tmp_path):
    # the DEM covers x < X0 + 150 only: trees beyond are "outside the DEM"
    dem = write_plane_dem(tmp_path / "dem.tif", (X0 - 50, Y0 - 50, X0 + 150, Y0 + 250), 5.0)
    result, logs = build_city(tmp_path, dem=B.RasterInput(str(dem), "dem"),
                              options={"ground_resolution": 0.0})
    stats = group_stats(result.obj_path)
    assert result.summary["ground_resolution_m"] == 5.0
    tris = stats["ground"]["tris"]
    inside = tris[..., 0].max(axis=1) < X0 + 145
    np.testing.assert_allclose(tris[inside][..., 2], plane(tris[inside][..., 0],
                                                             tris[inside][..., 1]), atol=2e-3)
    footprints, *_ = city_inputs()
    x, y = np.asarray(footprints[0].exterior.coords).T
    base = plane(x, y).min()
    assert stats["wall_1"]["zmin"] == pytest.approx(base, abs=2e-3)
    assert stats["roof_tile_1"]["zmax"] == pytest.approx(base + 12.0, abs=2e-3)
    assert result.summary["trees"]["counts"]["outside_dem"] == 2
    assert any("filled from the nearest" in line for line in logs)
    assert any("trees outside the DEM skipped" in line for line in logs)


def test_landcover_raster_with_mapping_and_polygons(tmp_path):
    path = tmp_path / "lc.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 20, 20, 1, gdal.GDT_Byte)
    dataset.SetGeoTransform((X0, 10, 0, Y0 + 200, 0, -10))
    dataset.SetProjection(utm_wkt())
    values = np.ones((20, 20), np.uint8)
    values[:, 10:] = 2  # east half asphalt
    values[:5, :5] = 3  # unmapped class
    dataset.GetRasterBand(1).WriteArray(values)
    dataset = None
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=10.0,
                             landcover_mapping=B.parse_mapping("1:grass, 2:asphalt"))
    result = B.build_mockup(str(tmp_path / "a.obj"), str(tmp_path / "a.csv"), None, options,
                            landcover_raster=B.RasterInput(str(path), "lc"))
    stats = group_stats(result.obj_path)
    assert stats["asphalt"]["area"] == pytest.approx(20000.0)
    assert stats["class_3"]["area"] == pytest.approx(2500.0)
    assert stats["grass"]["area"] == pytest.approx(17500.0)
    polygons = B.PolygonInput([shifted(box(0, 0, 100, 100)), shifted(box(100, 0, 200, 50))],
                              "lc", classes=["Bare soil", "water"])
    options.landcover_mapping = {}
    result = B.build_mockup(str(tmp_path / "b.obj"), str(tmp_path / "b.csv"), None, options,
                            landcover_polygons=polygons)
    stats = group_stats(result.obj_path)
    assert stats["bare_soil"]["area"] == pytest.approx(10000.0)
    assert stats["water"]["area"] == pytest.approx(5000.0)
    assert stats["ground"]["area"] == pytest.approx(25000.0)
    with pytest.raises(B.BuildError, match="mapping item 'x'"):
        B.parse_mapping("1:grass,x")


def test_dsm_median_gives_the_roof_height(tmp_path):
    dsm_path = tmp_path / "dsm.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(dsm_path), 200, 200, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((X0, 1, 0, Y0 + 200, 0, -1))
    dataset.SetProjection(utm_wkt())
    z = np.full((200, 200), 100.0, np.float32)
    z[200 - 25:200 - 10, 10:30] = 118.0  # building 1 (rows: north first)
    z[200 - 12:200 - 11, 12:14] = 150.0  # a chimney: the median ignores it
    dataset.GetRasterBand(1).WriteArray(z)
    dataset = None
    footprints, *_ = city_inputs()
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=10.0,
                             ground_height=100.0)
    result = B.build_mockup(
        str(tmp_path / "d.obj"), str(tmp_path / "d.csv"), None, options,
        buildings=B.PolygonInput(footprints[:1], "b"), dsm=B.RasterInput(str(dsm_path), "dsm"))
    stats = group_stats(result.obj_path)
    assert stats["roof_1"]["zmax"] == pytest.approx(118.0, abs=1e-3)
    assert result.summary["buildings"]["counts"]["height_sources"]["dsm"] == 1


def test_budget_refusal_and_cancel_write_nothing(tmp_path):
    with pytest.raises(B.BuildError, match="MAX_TRIANGLES"):
        build_city(tmp_path, options={"max_triangles": 1000})
    assert not list(tmp_path.iterdir())
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    footprints, heights, *_ = city_inputs()
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=10.0)
    with pytest.raises(B.Canceled):
        B.build_mockup(str(tmp_path / "c.obj"), str(tmp_path / "c.csv"),
                       str(tmp_path / "c.json"), options,
                       buildings=B.PolygonInput(footprints, "b", height=heights),
                       is_canceled=cancel)
    assert not list(tmp_path.iterdir())


def test_layers_outside_the_extent_are_named(tmp_path):
    far = [shifted(box(0, 0, 10, 10), X0 + 1e5, Y0)]
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=10.0)
    with pytest.raises(B.BuildError, match="BUILDINGS houses: no footprint lies within"):
        B.build_mockup(str(tmp_path / "x.obj"), str(tmp_path / "x.csv"), None, options,
                       buildings=B.PolygonInput(far, "houses", height=np.array([5.0])))
    with pytest.raises(B.BuildError, match="WATER lakes: no polygon"):
        B.build_mockup(str(tmp_path / "x.obj"), str(tmp_path / "x.csv"), None, options,
                       water=B.PolygonInput(far, "lakes"))
    dem = write_plane_dem(tmp_path / "far.tif", (X0 + 1e5, Y0, X0 + 1e5 + 100, Y0 + 100), 5.0)
    with pytest.raises(B.BuildError, match="DEM far does not overlap"):
        B.build_mockup(str(tmp_path / "x.obj"), str(tmp_path / "x.csv"), None, options,
                       dem=B.RasterInput(str(dem), "far"))
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob(".x*"))


def test_glb_output_keeps_the_groups(tmp_path):
    footprints, heights, *_ = city_inputs()
    options = B.BuildOptions(extent=EXTENT, crs_wkt=utm_wkt(), ground_resolution=20.0)
    result = B.build_mockup(str(tmp_path / "g.glb"), str(tmp_path / "g.csv"), None, options,
                            buildings=B.PolygonInput(footprints[:2], "b", height=heights[:2],
                                                     floors=np.array([np.nan, 3])))
    mockup = load_mockup(result.obj_path)
    assert set(mockup.part_names) == {"ground", "roof_1", "wall_1", "roof_2", "wall_2"}
    by_part = defaultdict(float)
    areas = B.triangle_areas(mockup.triangles.astype(np.float64))
    for i, name in enumerate(mockup.part_names):
        by_part[name] = areas[mockup.part_of_triangle == i].sum()
    assert by_part["roof_1"] == pytest.approx(300.0, rel=1e-4)
