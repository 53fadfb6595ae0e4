"""Demo scenes: groups, element table, structure, truth, budget, determinism."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import math
import time
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
import pytest
import trimesh

from unmix3d.core.raytrace.lad import leaf_inclination_mean_deg, sample_leaf_inclination
from unmix3d.core.scene import spectra as sp
from unmix3d.core.scene.demo_scenes import (
    MAIZE_STAGES,
    DemoScene,
    urban_scene,
    vegetation_scene,
)

BUDGET = 1_500_000
# the leaf-triangle variant (the default is now turbid plots, tested in test_turbid.py)
triangle_vegetation_scene = functools.partial(vegetation_scene, vegetation_as="triangles")


def read_obj_groups(path: Path) -> dict[str, np.ndarray]:
    """OBJ reader for the demo's layout (per group: ``g``, its ``v`` lines, then its ``f``
    lines with absolute 1-based indices): group -> (n, 3, 3) triangles. trimesh checks the
    same file independently in ``test_trimesh_reads_the_urban_obj``."""
    text = path.read_text()
    chunks = text.split("\ng ")
    assert "\nv " not in chunks[0] and "\nf " not in chunks[0]  # header: comments only
    verts, faces = [], {}
    for chunk in chunks[1:]:
        name, _, body = chunk.partition("\n")
        vpart, _, fpart = body.partition("\nf ")
        assert vpart.startswith("v ") and "v " not in fpart and "g " not in fpart
        verts.append(np.array(vpart.replace("v ", " ").split(), dtype=float).reshape(-1, 3))
        faces[name.strip()] = np.array(fpart.replace("f ", " ").split(),
                                       dtype=np.int64).reshape(-1, 3)
    v = np.concatenate(verts)
    return {g: v[f - 1] for g, f in faces.items()}


def tri_area(t: np.ndarray) -> np.ndarray:
    return 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)


def in_polygon(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Even-odd ray casting (any simple polygon)."""
    inside = np.zeros(len(pts), bool)
    x, y = pts[:, 0], pts[:, 1]
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < xc)
    return inside


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(fn, folder: Path, seed: int = 0) -> tuple[DemoScene, float]:
    t0 = time.perf_counter()
    scene = fn(folder, seed=seed)
    return scene, time.perf_counter() - t0


@pytest.fixture(scope="module")
def veg(tmp_path_factory):
    scene, dt = build(triangle_vegetation_scene, tmp_path_factory.mktemp("veg"))
    return scene, read_obj_groups(scene.obj_path), dt


@pytest.fixture(scope="module")
def urb(tmp_path_factory):
    scene, dt = build(urban_scene, tmp_path_factory.mktemp("urb"))
    return scene, read_obj_groups(scene.obj_path), dt


def read_table(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames), list(r)


def check_common(scene: DemoScene, groups: dict[str, np.ndarray], seconds: float) -> None:
    # grid, CRS, geometry
    assert scene.crs_epsg == 32631
    assert scene.pixel_size == 10.0
    rows, cols = scene.shape
    assert rows * cols >= 10_000 and rows >= 100 and cols >= 100
    xmin, ymin, xmax, ymax = scene.extent
    assert xmax - xmin == pytest.approx(cols * 10.0) and ymax - ymin == pytest.approx(rows * 10)
    assert 166_000 < xmin < 834_000 and 4_000_000 < ymin < 5_500_000
    assert scene.geotransform == (xmin, 10.0, 0.0, ymax, 0.0, -10.0)
    assert 0 <= scene.sun_zenith < 80 and 0 <= scene.view_zenith < 15
    assert list(scene.skyl) == list(sp.S2_BANDS)
    assert all(0 < v < 1 for v in scene.skyl.values())
    # groups and triangle counts
    assert set(groups) == set(scene.group_triangles)
    assert {g: len(t) for g, t in groups.items()} == scene.group_triangles
    n = sum(len(t) for t in groups.values())
    assert n == scene.n_triangles <= BUDGET
    allv = np.concatenate([t.reshape(-1, 3) for t in groups.values()])
    mx0, my0, mx1, my1 = scene.mockup_extent
    assert mx0 <= xmin and my0 <= ymin and mx1 >= xmax and my1 >= ymax
    assert allv[:, 0].min() >= mx0 - 1e-6 and allv[:, 0].max() <= mx1 + 1e-6
    assert allv[:, 1].min() >= my0 - 1e-6 and allv[:, 1].max() <= my1 + 1e-6
    assert allv[:, 2].min() >= -1e-9
    # the ground covers the whole mock-up box at z = 0, without holes or overlaps
    ground = groups["ground"]
    assert np.all(ground[..., 2] == 0.0)
    assert tri_area(ground).sum() == pytest.approx((mx1 - mx0) * (my1 - my0), rel=1e-9)
    assert ground[..., 0].min() == mx0 and ground[..., 1].max() == my1
    # no degenerate triangles (mm rounding keeps every leaf a proper triangle)
    assert min(tri_area(t).min() for t in groups.values()) > 1e-4


def check_table(scene: DemoScene, groups: dict[str, np.ndarray]) -> list[dict]:
    header, rows = read_table(scene.elements_csv)
    bands = list(sp.S2_BANDS)
    assert header == ["element", "match", "type", "rt_ratio", "rule", *bands,
                      *[f"rt_ratio_{b}" for b in bands]]
    names = [r["element"] for r in rows]
    assert len(set(names)) == len(names) and set(names) == set(scene.truth_op)
    for g in groups:
        hits = [r["element"] for r in rows if fnmatchcase(g, r["match"])]
        assert len(hits) == 1, (g, hits)
        assert hits[0] == scene.group_element[g]
    for r in rows:
        e = r["element"]
        assert any(fnmatchcase(g, r["match"]) for g in groups), e
        assert r["type"] in ("opaque", "translucent")
        op = np.array([float(r[b]) for b in bands])
        np.testing.assert_allclose(op, scene.truth_op[e], atol=1e-5)
        assert np.all((op > 0) & (op <= 1))
        tr, tt = scene.truth_r[e], scene.truth_t[e]
        np.testing.assert_allclose(tr + tt, scene.truth_op[e])
        if r["type"] == "translucent":
            q = np.array([float(r[f"rt_ratio_{b}"]) for b in bands])
            # DESIGN.md's split r = q w / (1 + q) gives back the truth r and t
            np.testing.assert_allclose(q * op / (1 + q), tr, rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(op / (1 + q), tt, rtol=1e-4, atol=1e-5)
            assert float(r["rt_ratio"]) > 0
            assert np.all(tt > 0)
        else:
            assert r["rt_ratio"] == "" and np.all(tt == 0)
        if r["rule"]:
            i4, i8 = bands.index("B4"), bands.index("B8")
            if r["rule"] == "B8 > B4":
                assert op[i8] > op[i4]
    return rows


def test_vegetation_scene_structure(veg):
    scene, groups, dt = veg
    check_common(scene, groups, dt)
    rows = check_table(scene, groups)
    assert {r["element"]: r["type"] for r in rows} == {
        "ground": "opaque", "vegetation": "translucent"}
    assert [r["rule"] for r in rows if r["element"] == "vegetation"] == ["B8 > B4"]
    maize = [p for p in scene.plots if p.kind == "maize"]
    bare = [p for p in scene.plots if p.kind == "bare"]
    assert len(maize) == 3 and len(bare) == 3
    # the three stages differ in structure: LAI, height and leaf angle distribution
    assert len({p.lai for p in maize}) == 3 and len({p.height_m for p in maize}) == 3
    assert len({p.lad for p in maize}) == 3
    assert [p.stage for p in maize] == ["early", "mid", "late"]
    assert any(p.gaps for p in maize)
    rng = np.random.default_rng(1)
    for p in maize:
        leaves = groups[p.group]
        poly = np.array(p.polygon)
        # planted area, independently: point sampling of polygon minus gap stripes
        lo, hi = poly.min(0), poly.max(0)
        pts = lo + (hi - lo) * rng.random((400_000, 2))
        ins = in_polygon(poly, pts)
        if p.gaps:
            g = p.gaps
            a = math.radians(g["angle_deg"])
            u = pts @ [math.cos(a), math.sin(a)] - g["u0_m"]
            gap = np.mod(u, g["period_m"]) < g["width_m"]
            assert 0.1 < (ins & gap).sum() / ins.sum() < 0.3  # gaps take a real share
            ins &= ~gap
        est = ins.mean() * np.prod(hi - lo)
        assert est == pytest.approx(p.area_m2, rel=0.01)
        # leaf area per plot = LAI x planted area, within 2 %
        area = tri_area(leaves).sum()
        assert area == pytest.approx(p.lai * p.area_m2, rel=0.02), p.group
        assert len(leaves) == p.n_leaves
        # leaves sit in the plot's box: centroids in the polygon, below the canopy top
        c = leaves.mean(1)
        assert in_polygon(poly, c[:, :2]).mean() > 0.999
        assert leaves[..., 2].min() >= 0.0199 and leaves[..., 2].max() <= p.height_m + 1e-3
        # leaf angle distribution: mean normal inclination as requested
        nrm = np.cross(leaves[:, 1] - leaves[:, 0], leaves[:, 2] - leaves[:, 0])
        incl = np.degrees(np.arccos(np.abs(nrm[:, 2]) / np.linalg.norm(nrm, axis=1)))
        assert incl.mean() == pytest.approx(leaf_inclination_mean_deg(p.lad), abs=0.5)
        assert p.lai == MAIZE_STAGES[p.stage]["lai"]


def test_vegetation_scene_has_many_mixed_pixels(veg):
    """Plot edges and gaps cut pixels: count 10 m pixels partly covered by a maize plot."""
    scene, groups, _ = veg
    xmin, ymin, xmax, ymax = scene.extent
    leaves = np.concatenate([groups[p.group] for p in scene.plots if p.kind == "maize"])
    c = leaves.mean(1)
    # leaf centroid density on a 2 m grid: a 10 m pixel is mixed if some but not all of
    # its 25 sub-cells hold leaves
    sub = 2.0
    nx, ny = int((xmax - xmin) / sub), int((ymax - ymin) / sub)
    h, _, _ = np.histogram2d(c[:, 0], c[:, 1], bins=[nx, ny],
                             range=[[xmin, xmax], [ymin, ymax]])
    occ = (h > 0).reshape(nx // 5, 5, ny // 5, 5).sum(axis=(1, 3))
    mixed = int(np.sum((occ > 0) & (occ < 20)))
    pure = int(np.sum(occ == 25))
    assert mixed >= 300, mixed
    assert pure >= 500, pure


def test_vegetation_truth(veg):
    scene, _, _ = veg
    np.testing.assert_allclose(scene.truth_r["vegetation"], sp.LEAF_R["maize_mid"])
    np.testing.assert_allclose(scene.truth_t["vegetation"], sp.LEAF_T["maize_mid"])
    np.testing.assert_allclose(scene.truth_op["ground"], sp.MATERIALS["soil_dry"])
    np.testing.assert_allclose(scene.rt_ratio["vegetation"],
                               sp.leaf_rt_ratio("maize_mid"))
    meta = json.loads(scene.metadata_json.read_text())
    assert meta["crs_epsg"] == 32631 and meta["shape"] == [100, 100]
    assert meta["truth_op"]["ground"][0] == pytest.approx(sp.MATERIALS["soil_dry"][0])
    assert len(meta["plots"]) == 6


def test_urban_scene_structure(urb):
    scene, groups, dt = urb
    check_common(scene, groups, dt)
    rows = check_table(scene, groups)
    elements = {r["element"]: r["type"] for r in rows}
    assert elements == {
        "ground": "opaque", "asphalt": "opaque", "water": "opaque", "roof_tile": "opaque",
        "roof_concrete": "opaque", "roof_bitumen": "opaque", "wall": "opaque",
        "vegetation": "translucent", "trunk": "opaque",
    }
    per_element = scene.element_triangles()
    assert all(per_element[e] > 0 for e in elements)
    names = set(groups)
    walls = sorted(g for g in names if g.startswith("wall_"))
    roofs = [g for g in names if g.startswith("roof_")]
    assert len(walls) == len(roofs) == scene.info["n_buildings"] >= 100
    for w in walls:  # every building has walls and exactly one roof
        num = w.split("_")[1]
        assert sum(g.endswith("_" + num) for g in roofs) == 1
        t = groups[w]
        nrm = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
        assert np.allclose(nrm[:, 2], 0.0, atol=1e-3 * np.abs(nrm).max())  # vertical
    for r in roofs:
        assert groups[r][..., 2].min() >= 5.0
    trees = sorted(g[:-7] for g in names if g.endswith("_leaves"))
    assert len(trees) == scene.info["n_trees"] >= 100
    assert all(f"{t}_trunk" in names for t in trees)
    assert scene.info["leaf_triangle_area_m2"] <= 0.5
    # water and streets are flat overlays above the lawn; bridges over the river
    assert np.all(groups["river"][..., 2] == 0.03)
    streets = [g for g in names if g.startswith("street_")]
    assert len(streets) >= 10
    assert all(groups[s][..., 2].min() > 0.03 for s in streets)
    # leaves are above the ground and their area matches the reported total
    leaves = np.concatenate([groups[f"{t}_leaves"] for t in trees])
    assert leaves[..., 2].min() > 0.5
    assert tri_area(leaves).sum() == pytest.approx(scene.info["tree_leaf_area_m2"], rel=1e-3)
    # the truth is the carried spectra
    np.testing.assert_allclose(scene.truth_op["water"], sp.MATERIALS["water"])
    np.testing.assert_allclose(scene.truth_op["vegetation"], sp.leaf_albedo("tree_leaf"))


def test_trimesh_reads_the_urban_obj(urb):
    scene, groups, _ = urb
    mesh = trimesh.load(scene.obj_path, group_material=False, process=False)
    assert len(mesh.faces) == scene.n_triangles
    allv = np.concatenate([t.reshape(-1, 3) for t in groups.values()])
    np.testing.assert_allclose(mesh.bounds, [allv.min(0), allv.max(0)])


def test_leaf_angle_sampler():
    rng = np.random.default_rng(3)
    for lad, mean in (("spherical", 57.3), ("planophile", 26.8), ("erectophile", 63.2),
                      ("plagiophile", 45.0), ("uniform", 45.0)):
        assert leaf_inclination_mean_deg(lad) == pytest.approx(mean, abs=0.1)
        th = np.degrees(sample_leaf_inclination(lad, 200_000, rng))
        assert th.mean() == pytest.approx(mean, abs=0.3)
        assert th.min() >= 0 and th.max() <= 90


def test_deterministic_from_seed(veg, urb, tmp_path):
    for (scene, _, _), fn in ((veg, triangle_vegetation_scene), (urb, urban_scene)):
        again = fn(tmp_path / f"{scene.name}_again", seed=0)
        assert sha(again.obj_path) == sha(scene.obj_path)
        assert again.elements_csv.read_bytes() == scene.elements_csv.read_bytes()
        assert again.group_triangles == scene.group_triangles
    other = urban_scene(tmp_path / "urban_seed1", seed=1)
    assert sha(other.obj_path) != sha(urb[0].obj_path)
    assert other.extent == urb[0].extent
