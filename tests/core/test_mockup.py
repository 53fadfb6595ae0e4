import numpy as np
import pytest

from unmix3d.core.scene.mockup import MockupError, load_mockup, read_obj

OBJ = """# a unit square roof, a wall with texture/normal indices, and relative indices
v 500000 4800000 10
v 500001 4800000 10
v 500001 4800001 10
v 500000 4800001 10
v 500000 4800000 0 1.0
o house
g roof_1
f 1 2 3 4
g wall_1
f 1/1 2/2 5/3
f -5//1 -4//2 -1//3
g ground
f 1 2 3
"""


def test_obj_groups_polygons_and_index_forms(tmp_path):
    path = tmp_path / "house.obj"
    path.write_text(OBJ)
    triangles, part, names = read_obj(str(path))
    assert names == ["roof_1", "wall_1", "ground"]  # the object has no faces of its own
    assert part.tolist() == [0, 0, 1, 1, 2]
    np.testing.assert_array_equal(triangles[3], triangles[2])  # -5 -4 -1 == 1 2 5
    mockup = load_mockup(path)
    assert mockup.triangles.dtype == np.float32
    np.testing.assert_allclose(mockup.origin, [500000, 4800000, 0])
    low, high = mockup.world_bounds()
    np.testing.assert_allclose(high, [500001, 4800001, 10])
    roof = mockup.triangles[mockup.part_of_triangle == 0]
    area = 0.5 * np.linalg.norm(np.cross(roof[:, 1] - roof[:, 0], roof[:, 2] - roof[:, 0]),
                                axis=1)
    assert area.sum() == pytest.approx(1.0)  # float32 after the shift keeps the metre scale


def test_degenerate_triangles_are_dropped_and_said(tmp_path):
    path = tmp_path / "flat.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 2 0 0\nv 0 1 0\ng a\nf 1 2 3\nf 1 2 4\n")
    mockup = load_mockup(path)
    assert mockup.triangle_count == 1 and "1 degenerate" in mockup.notes[0]


@pytest.mark.parametrize("text, message", [
    ("v 0 0 0\nv 1 0 0\n", "contains no triangles"),
    ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n", "vertex that does not exist"),
    ("v 0 0 zero\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "line 1: a vertex line does not hold numbers"),
    ("v 0 0 0\nv 1 nan 0\nv 0 1 0\nf 1 2 3\n", "line 2: vertex '1 nan 0' is not finite"),
    ("v 0 0 0\nv 1 0 0\nf 1 2\n", "needs 3 vertices"),
])
def test_bad_obj_files_are_named(tmp_path, text, message):
    path = tmp_path / "bad.obj"
    path.write_text(text)
    with pytest.raises(MockupError, match=message):
        load_mockup(path)


def test_ply_and_glb_load_through_trimesh(tmp_path):
    import trimesh

    box = trimesh.creation.box(extents=(2, 3, 4))
    box.apply_translation((600000, 5000000, 2))
    box.export(tmp_path / "box.ply")
    scene = trimesh.Scene()
    scene.add_geometry(box, geom_name="roof_7")
    scene.export(tmp_path / "box.glb")
    for name, part in (("box.ply", "box"), ("box.glb", "roof_7")):
        mockup = load_mockup(tmp_path / name)
        assert mockup.triangle_count == 12 and mockup.part_names == [part]
        low, high = mockup.world_bounds()
        np.testing.assert_allclose(high - low, [2, 3, 4], atol=1e-3)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(MockupError, match="does not exist"):
        load_mockup(tmp_path / "nothing.obj")
