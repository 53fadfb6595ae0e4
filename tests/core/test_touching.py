"""Which mock-up parts touch (core/unmix/touching.py), on rectangles whose shared edges
are known, and the per-part solve's use of it: a patch its pixels do not fix takes the
value of the part of its element around it."""

from __future__ import annotations

import numpy as np

from unmix3d.core.scene.elements import Element, ElementTable
from unmix3d.core.scene.mockup import mockup_from_triangles
from unmix3d.core.simulate import Geometry, PixelGrid, prepare_scene
from unmix3d.core.unmix.objects import part_shares
from unmix3d.core.unmix.pipeline import UnmixParameters
from unmix3d.core.unmix.run import run_unmix
from unmix3d.core.unmix.touching import TOUCH_DISTANCE, PartContacts, edge_points

BANDS = ["B3", "B4", "B8"]


def _rectangle(x0, x1, y0, y1, z=0.0):
    p, q, r, s = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [[p, q, r], [p, r, s]]


def test_edge_points_are_no_further_apart_than_the_spacing_and_keep_the_corners():
    triangle = np.array([[[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 1.2, 0.0]]])
    points = edge_points(triangle, 0.5)
    for corner in triangle[0]:
        assert np.min(np.linalg.norm(points - corner, axis=1)) < 1e-12
    # every point of every edge lies within 0.25 m (half the spacing) of a sample
    for a, b in ((0, 1), (1, 2), (2, 0)):
        t = np.linspace(0, 1, 400)[:, None]
        line = triangle[0, a] + t * (triangle[0, b] - triangle[0, a])
        gap = np.linalg.norm(line[:, None] - points[None], axis=2).min(axis=1)
        assert gap.max() <= 0.25 + 1e-12


def test_parts_that_share_an_edge_touch_in_proportion_to_its_length():
    """A long lawn (one rectangle, vertices 40 m apart) with a 10 m run against its edge and
    a 2 m square against its end; a third part 2 m away touches nothing. The shared edges'
    vertices do not coincide: only the sampled edges find them."""
    lawn = _rectangle(0.0, 40.0, 0.0, 5.0)
    run = _rectangle(15.0, 25.0, 5.0, 6.0)  # 10 m along the lawn's north edge
    square = _rectangle(40.0, 42.0, 1.0, 3.0)  # 2 m along its east edge
    apart = _rectangle(0.0, 10.0, 8.0, 9.0)  # 2 m north of the run, 3 m of the lawn
    triangles = np.array(lawn + run + square + apart, np.float32)
    part = np.repeat(np.arange(4), 2)
    found = PartContacts(triangles, part)(np.arange(4), np.arange(4))
    assert set(found) == {0, 1, 2}
    assert set(found[1]) == {0} and set(found[2]) == {0} and set(found[0]) == {1, 2}
    # the weight (points of a part's edges, diagonals included, near the other) grows
    # with the shared edge: 10 m for the run, 2 m for the square
    assert found[1][0] > 2 * found[2][0] > 0
    assert found[0][1] > 2 * found[0][2] > 0
    # candidates restrict the answer
    assert PartContacts(triangles, part)(np.array([1]), np.array([2, 3])) == {}


def test_touching_is_found_in_three_dimensions():
    """A roof 6 m above a lawn does not touch it, whatever their plan."""
    triangles = np.array(_rectangle(0.0, 10.0, 0.0, 10.0)
                         + _rectangle(10.0, 20.0, 0.0, 10.0, z=6.0), np.float32)
    found = PartContacts(triangles, np.repeat([0, 1], 2))(np.array([0]), np.array([1]))
    assert found == {}
    assert TOUCH_DISTANCE < 6.0


X0, Y0 = 500000.0, 4000000.0
GROUND = np.array([[0.08, 0.12, 0.30], [0.20, 0.25, 0.33]])  # (materials, bands)


def _patch_scene(lid: bool = True):
    """Three ground strips, 60 m long: A (x 0-25) and C (x 31-60) of one material, B
    (x 25-31) of another, never filling a pixel; and a 2.5 m square patch of B's material
    at x 26.25-28.75, 1.25 m inside it: 6 % of its pixel, whose window value comes from
    A's pure pixels. Its pixels do not fix the patch; it touches B only. ``lid``: a piece
    of B 0.3 m above the patch hides its northern three quarters (the patch is occluded,
    as the ground under a crown). The patch's edges fall between the 16 x 16 sensor rays
    of part_shares, which see its area exactly. The image is the area-weighted mean of
    the reflectances seen from above (the lid's shadow on the patch, a few thousandths of
    the pixel, left out)."""
    cell = 0.125
    n = int(60 / cell)
    x = np.arange(n) * cell
    label = np.broadcast_to(np.where(x < 25.0, 0, np.where(x < 31.0, 1, 2)), (n, n)).copy()
    rows = slice(int(35 / cell), int(37.5 / cell))  # metres from the north edge
    cols = slice(int(26.25 / cell), int(28.75 / cell))
    label[rows, cols] = 3
    triangles, parts = [], []
    for r in range(n):
        edges = np.flatnonzero(np.diff(np.concatenate([[-1], label[r], [-1]])))
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            triangles += _rectangle(a * cell, b * cell, 60.0 - (r + 1) * cell, 60.0 - r * cell)
            parts += [label[r, a]] * 2
    seen = label.copy()
    if lid:
        triangles += _rectangle(26.25, 28.75, 60.0 - 36.875, 60.0 - 35.0, z=0.3)
        parts += [1, 1]
        seen[rows.start:int(36.875 / cell), cols] = 1
    triangles = np.asarray(triangles, np.float64)
    triangles[..., 0] += X0
    triangles[..., 1] += Y0
    mockup = mockup_from_triangles(triangles, np.asarray(parts),
                                   ["g_a", "g_b", "g_c", "g_patch"])
    reflectance = GROUND[[1, 0, 1, 0]]
    table = ElementTable([Element("ground", ["g_*"], "opaque",
                                  op=dict(zip(BANDS, GROUND.mean(axis=0), strict=True)))],
                         BANDS)
    pixel = (np.arange(n) * cell // 10.0).astype(int)
    share = np.zeros((6, 6, 4))
    np.add.at(share, (pixel[:, None], pixel[None, :], seen), (cell / 10.0) ** 2)
    image = np.moveaxis(share @ reflectance, -1, 0)
    return prepare_scene(mockup, table), image, image[:, None]


GRID = PixelGrid(X0, Y0 + 60.0, 10.0, 10.0, 6, 6)


def test_a_part_is_occluded_when_the_sensor_sees_less_than_half_of_it():
    for lid in (False, True):
        shares = part_shares(_patch_scene(lid)[0], GRID, Geometry(30.0, 90.0))
        assert shares.occluded.tolist() == [False, False, False, lid]
        patch = shares.visible[:, 3].sum() * 100.0  # m2
        np.testing.assert_allclose(patch, 6.25 / (4 if lid else 1), atol=1e-9)


def test_a_patch_its_pixels_do_not_fix_takes_the_part_it_lies_in():
    """Without the mock-up's touching parts the patch keeps its window value, near A's
    material (5-75 % off: the materials differ least in B8); with them it merges with B,
    whose pixels fix their one OP to the trace's noise (64 samples), its variance B's plus
    at most the strips' spread squared (it might not be B's material; B takes up part of
    that). Seen in full (no
    lid), it keeps its window value."""
    patch = {}
    for continued, lid in ((False, True), (True, True), (True, False)):
        scene, image, truth = _patch_scene(lid)
        result, _ = run_unmix(scene, GRID, Geometry(30.0, 90.0), image, np.ones((6, 6), bool),
                              BANDS, np.full(3, 0.15),
                              UnmixParameters(window=(3, 3), merge_occluded=continued),
                              samples=64, seed=3, truth=truth)
        solution = result.objects
        assert solution.part_data_share[:, 1].min() > 0.5  # strip B: fixed
        patch[continued, lid] = solution.part_op[:, 3]
        strip, variance = solution.part_op[:, 1], solution.part_variance
        assert np.all(np.abs(strip - GROUND[0]) < 4 * np.sqrt(variance[:, 1]))
        if continued and lid:
            np.testing.assert_array_equal(patch[True, True], strip)
            # the patch errs by d less what its group took up of it (between 0 and d)
            extra = variance[:, 3] - variance[:, 1]
            assert np.all(extra > 0)
            assert np.all(extra <= solution.part_spread[:, 0] ** 2 * (1 + 1e-9))
            assert (solution.part_spread[:, 0] > 0.01).all()  # A and C against B
        else:  # the patch is not fixed by its pixels
            assert solution.part_data_share[:, 3].max() < 0.1
    for kept in ((False, True), (True, False)):
        assert np.all(np.abs(patch[kept] - GROUND[0]) / GROUND[0] > [0.3, 0.3, 0.03])


def test_merges_chain_to_the_part_its_data_fix_and_hidden_pairs_merge_together():
    """Parts 0-5 of one element, 6 of another: 0 is fixed by its data; 1 touches 2 most, 2
    touches 0 most (a chain to 0); 3 and 4 touch each other most (a pair, the one seen most
    its root); 5 is hidden but not occluded (seen in full: it keeps its own OP); 6 touches
    nothing of its element."""
    from unmix3d.core.unmix.objects import _merged_groups

    contacts = {1: {2: 9, 0: 3}, 2: {0: 5, 1: 9 - 5}, 3: {4: 7}, 4: {3: 7, 0: 2}, 5: {0: 9}}

    def touching(parts, candidates):
        allowed = set(candidates.tolist())
        return {p: {c: w for c, w in contacts[p].items() if c in allowed}
                for p in parts.tolist() if p in contacts}

    parts = np.arange(7)
    share = np.array([[0.9, 0.1, 0.2, 0.05, 0.3, 0.1, 0.1]])
    element_of = np.array([0, 0, 0, 0, 0, 0, 1])
    occluded = np.array([False, True, True, True, True, False, True])
    visible = np.array([5.0, 1.0, 2.0, 0.5, 0.8, 1.0, 1.0])
    group, root = _merged_groups(share, parts, element_of, np.zeros(7, bool), occluded,
                                 visible, touching)
    assert group[0] == group[1] == group[2] and root[group[0]] == 0
    assert group[3] == group[4] and root[group[3]] == 4
    assert len({group[0], group[3], group[5], group[6]}) == 4
    assert root[group[5]] == 5 and root[group[6]] == 6


def test_only_candidates_near_the_parts_asked_about_are_sampled():
    """Memory follows the parts asked about: a candidate 100 m away is never turned into
    edge points, and a part index with no triangles touches nothing."""
    triangles = np.array(_rectangle(0.0, 10.0, 0.0, 10.0) + _rectangle(10.0, 20.0, 0.0, 10.0)
                         + _rectangle(120.0, 130.0, 0.0, 10.0), np.float32)
    contacts = PartContacts(triangles, np.repeat([0, 1, 2], 2))
    assert set(contacts(np.array([0]), np.array([1, 2]))) == {0}
    assert set(contacts._points) == {0, 1}
    assert contacts(np.array([5]), np.array([0, 1, 2])) == {}


def test_merge_error_variance_is_the_exact_covariance_of_the_groups_solve():
    """Three parts, 0 and 1 merged into one group, 2 alone, on a random design with a
    damping H: the steps' error e_k = N^-1 ((A M)^T A_m d + H e_(k-1)) is linear in d, so
    its covariance is exact, K S K^T; the draws' estimate agrees within 5 of its standard
    errors (a variance from n draws: relative standard error sqrt(2 / n))."""
    from scipy import sparse

    from unmix3d.core.unmix.objects import merge_error_variance

    rng = np.random.default_rng(4)
    design = sparse.csr_matrix(rng.uniform(0.0, 1.0, (12, 3)))
    merge = sparse.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    merged = np.array([False, True, False])
    hold = np.array([0.3, 0.5])
    grouped = (design @ merge).toarray()
    normal = grouped.T @ grouped + np.diag(hold)
    spread2 = np.array([[0.04]])
    steps, draws = 3, 20000
    pushed = grouped.T @ design.toarray()[:, [1]]  # (groups, merged)
    response = np.zeros((2, 1))
    for _ in range(steps):
        response = np.linalg.solve(normal, pushed + hold[:, None] * response)
    part_response = merge.toarray() @ response
    part_response[1] -= 1.0  # the merged part errs by e - d
    exact = (part_response**2 @ spread2[0])
    estimate = merge_error_variance([(sparse.csc_matrix(normal), hold)], [design], merge,
                                    merged, spread2, steps, draws=draws)[0]
    np.testing.assert_allclose(estimate, exact, rtol=5 * np.sqrt(2 / draws))
    assert exact[2] > 0.0  # the part alone, seen in the same pixels, takes up some of it
