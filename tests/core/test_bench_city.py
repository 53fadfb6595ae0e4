"""The Brussels-like city generator of benchmarks/bench_city.py on a tiny extent: every part
the issue asks for is there (roofs, walls, leaf-triangle and turbid crowns, water, a DEM
under it all), trees never stand in the river, and the pieces' element tables merge into
one whose rows match the folder's groups."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_city  # noqa: E402

from unmix3d.core.scene.elements import read_element_table  # noqa: E402
from unmix3d.core.scene.mockup import read_obj  # noqa: E402


def test_layers_keep_trees_and_buildings_out_of_the_river():
    wkb, heights, tx, ty, extent, river = bench_city.brussels_layers(0.1, 9)
    assert len(tx) == len(ty) > 0
    assert not shapely.contains_xy(river, tx, ty).any()
    assert not shapely.intersects(shapely.from_wkb(wkb), river).any()
    blocks = round(0.1e6 / bench_city.BLOCK ** 2)
    assert len(tx) < 9 * blocks  # some fell in the river
    assert len(heights) == len(wkb)


def test_city_folder_has_every_part_on_the_dem(tmp_path):
    folder, elements_path, extent, triangles, trees, pieces = bench_city.build_brussels(
        str(tmp_path), 0.1, 2.0, 4, 2, 20.0, 2)
    objs = sorted(Path(folder).glob("*.obj"))
    assert len(objs) == pieces > 1
    assert trees["triangles"] > 0 and trees["turbid"] > 0
    kinds = {e.name: e.kind for e in read_element_table(elements_path).elements}
    assert kinds["vegetation"] == "translucent" and kinds["crowns"] == "turbid"
    for name in ("ground", "roof", "wall", "water", "trunk"):
        assert name in kinds
    total, ground_z = 0, []
    for path in objs:
        tris, part, names = read_obj(str(path))
        total += len(tris)
        ground = names.index("ground") if "ground" in names else None
        if ground is not None:
            ground_z.append(tris[part == ground][:, :, 2].ravel())
    assert total == triangles
    z = np.concatenate(ground_z)
    assert z.max() - z.min() > 1.0  # the DEM's relief, not flat ground
    assert not (tmp_path / "dem.tif").exists()


def test_merged_table_keeps_each_value_under_its_column(tmp_path):
    """A piece without turbid crowns has no leaf_area_density / lad columns: its rows must
    not slide into the band columns of a piece that has them (they did: the leaves' B1 was
    the crowns' B3)."""
    with_turbid = tmp_path / "a.csv"
    with_turbid.write_text("element,match,type,rt_ratio,leaf_area_density,lad,B1,B2\n"
                           "crowns,c*,turbid,1.1,1,spherical,0.04,0.06\n")
    without = tmp_path / "b.csv"
    without.write_text("element,match,type,rt_ratio,B1,B2\n"
                       "vegetation,v*,translucent,1.1,0.05,0.07\n"
                       "crowns,c*,turbid,1.1,0.9,0.9\n")
    merged = tmp_path / "el.csv"
    bench_city.merge_tables([str(with_turbid), str(without)], str(merged))
    table = {e.name: e for e in read_element_table(merged).elements}
    assert table["vegetation"].op == {"B1": 0.05, "B2": 0.07}
    assert table["crowns"].op == {"B1": 0.04, "B2": 0.06}  # the first piece's row
