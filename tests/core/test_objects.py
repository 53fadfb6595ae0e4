"""One OP per mock-up part (core/unmix/objects.py), on scenes with exact answers: which
parts a pixel sees (plane geometry), and strips of four materials
and roofs under two elements, no roof filling a pixel, on a Lambertian plane whose image is
the area-weighted mean of the parts' reflectances."""

from __future__ import annotations

import numpy as np
import pytest

from unmix3d.core.scene.elements import Element, ElementTable
from unmix3d.core.scene.mockup import mockup_from_triangles
from unmix3d.core.simulate import Geometry, PixelGrid, prepare_scene
from unmix3d.core.unmix import objects as objects_module
from unmix3d.core.unmix.objects import PartShares, part_shares
from unmix3d.core.unmix.pipeline import UnmixParameters
from unmix3d.core.unmix.run import run_unmix

X0, Y0 = 500000.0, 4000000.0
STRIP_M = 15.0  # strips 1.5 pixels wide: every pixel holds two materials or straddles one
REFLECTANCE = np.array([[0.08, 0.12, 0.30], [0.20, 0.25, 0.33], [0.05, 0.06, 0.45],
                        [0.15, 0.10, 0.22]])  # (strips, bands)
BANDS = ["B3", "B4", "B8"]


def _rectangle(x0, x1, y0, y1, z=0.0):
    p, q, r, s = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [[p, q, r], [p, r, s]]


def _strip_scene():
    """Four vertical strips of ground material, 60 x 60 m, each its own part, one element
    'ground'."""
    triangles, parts, names = [], [], []
    for k in range(4):
        tris = _rectangle(k * STRIP_M, (k + 1) * STRIP_M, 0.0, 60.0)
        triangles += tris
        parts += [len(names)] * len(tris)
        names.append(f"strip_{k}")
    rows = [Element("ground", ["strip_*"], "opaque",
                    op=dict(zip(BANDS, REFLECTANCE.mean(axis=0), strict=True)))]
    triangles = np.asarray(triangles, np.float64)
    triangles[..., 0] += X0
    triangles[..., 1] += Y0
    mockup = mockup_from_triangles(triangles, np.asarray(parts), names)
    return prepare_scene(mockup, ElementTable(rows, BANDS))


GRID = PixelGrid(X0, Y0 + 60.0, 10.0, 10.0, 6, 6)


def test_visible_shares_follow_the_strip_edges():
    scene = _strip_scene()
    shares = part_shares(scene, GRID, Geometry(30.0, 90.0))
    visible = shares.visible.toarray().reshape(6, 6, 4)
    # strip k covers x in [15k, 15k + 15]: pixel columns 0, 1, 2 see (1, 0), (0.5, 0.5),
    # (0, 1) of strips 0 and 1, and so on; the lattice splits a half pixel exactly
    expected = np.zeros((6, 4))
    for col in range(6):
        for k in range(4):
            overlap = min(10 * col + 10, STRIP_M * (k + 1)) - max(10 * col, STRIP_M * k)
            expected[col, k] = max(0.0, overlap) / 10.0
    np.testing.assert_allclose(visible, np.broadcast_to(expected, (6, 6, 4)), atol=1e-12)
    assert shares.object_elements(1).tolist() == [True]


#: pixel row: (roof share, roof reflectance); shares are multiples of 1/16 of a pixel, which
#: the 16 x 16 lattice of sensor rays resolves exactly (an edge between its rays is placed
#: to within 1/32 of a pixel)
ROOF_ROWS = {1: (0.25, 0.10), 2: (0.5, 0.35), 4: (0.375, 0.35), 5: (0.625, 0.10)}


def _strips_and_roofs(strips: np.ndarray = REFLECTANCE, one_ground_part: bool = False):
    """The strips, with flat roofs in pixel rows 1, 2, 4, 5 (the first ``share`` of each
    such row, a part per row, two roof materials alternating); rows 0 and 3 are ground
    only. All in one plane: the image of a Lambertian plane is the area-weighted mean of
    its reflectances, whatever the sun and sky. Labels on a 0.25 m raster."""
    cell = 0.25
    n = int(60 / cell)
    y = 60.0 - (np.arange(n) + 0.5) * cell  # cell centres, rows from north
    x = (np.arange(n) + 0.5) * cell
    label = np.broadcast_to((x // STRIP_M).astype(int), (n, n)).copy()  # strip index
    for row, (share, _) in ROOF_ROWS.items():
        top = 60.0 - 10.0 * row
        label[(y <= top) & (y > top - 10.0 * share)] = 4 + list(ROOF_ROWS).index(row)
    names = [f"strip_{k}" for k in range(4)] + [f"roof_{r}" for r in ROOF_ROWS]
    # one_ground_part: the four strips are one mock-up part (their materials may differ)
    part_of_label = np.r_[[0] * 4, 1 + np.arange(len(ROOF_ROWS))] if one_ground_part \
        else np.arange(len(names))
    part_names = (["strip_all"] + names[4:]) if one_ground_part else names
    triangles, parts = [], []
    for r in range(n):
        edges = np.flatnonzero(np.diff(np.concatenate([[-1], label[r], [-1]])))
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            triangles += _rectangle(a * cell, b * cell, 60.0 - (r + 1) * cell, 60.0 - r * cell)
            parts += [part_of_label[label[r, a]]] * 2
    triangles = np.asarray(triangles, np.float64)
    triangles[..., 0] += X0
    triangles[..., 1] += Y0
    mockup = mockup_from_triangles(triangles, np.asarray(parts), part_names)
    reflectance = np.vstack([strips] + [np.full(3, rr) + np.array([0.0, 0.02, 0.1])
                                             for _, rr in ROOF_ROWS.values()])
    table = ElementTable([
        Element("ground", ["strip_*"], "opaque",
                op=dict(zip(BANDS, strips.mean(axis=0), strict=True))),
        Element("roof", ["roof_*"], "opaque",
                op=dict(zip(BANDS, reflectance[4:].mean(axis=0), strict=True)))], BANDS)
    # per pixel: each part's area share, the image and each element's true OP
    pixel = (np.arange(n) // int(10 / cell))
    share = np.zeros((6, 6, len(names)))
    np.add.at(share, (pixel[:, None], pixel[None, :], label), (cell / 10.0) ** 2)
    image = np.moveaxis(share @ reflectance, -1, 0)
    truth = np.full((3, 2, 6, 6), np.nan)
    for e, members in enumerate((slice(0, 4), slice(4, None))):
        area = share[..., members].sum(axis=-1)
        with np.errstate(invalid="ignore"):
            truth[:, e] = np.moveaxis(share[..., members] @ reflectance[members], -1, 0) / area
    return prepare_scene(mockup, table), image, truth


@pytest.fixture(scope="module")
def strips():
    scene, image, truth = _strips_and_roofs()
    results = {}
    for objects in (False, True):
        results[objects], _ = run_unmix(
            scene, GRID, Geometry(30.0, 90.0), image, np.ones((6, 6), bool), BANDS,
            np.full(3, 0.15), UnmixParameters(objects=objects, window=(3, 3)), samples=64,
            seed=3, truth=truth)
    return truth, results


def test_a_material_per_part_is_recovered_where_no_roof_pixel_is_pure(strips):
    """The window gives each roof the mean of the roofs around it (the roofs alternate
    between two materials, none fills a pixel); per part, every map value comes back
    within the trace's Monte Carlo noise (64 samples: 0.3 % of reflectance on this plane),
    which the standard errors report."""
    truth, results = strips
    for e in range(2):
        mask = results[True].op_valid[e]
        window = np.abs(results[False].op[:, e] - truth[:, e])[:, mask] / truth[:, e][:, mask]
        error = (results[True].op[:, e] - truth[:, e])[:, mask]
        std = results[True].op_std[:, e][:, mask]
        if e == 1:
            assert np.median(window) > 0.05
        assert np.median(np.abs(error) / truth[:, e][:, mask]) < 0.01
        assert np.isfinite(std).all() and (std > 0).all()
        z = error / std
        assert np.abs(z).max() < 5.0, (e, np.abs(z).max())
        assert np.sqrt(np.mean(z**2)) < 2.0


def test_an_element_of_one_part_is_split_into_blocks_of_pixels(monkeypatch):
    monkeypatch.setattr(objects_module, "BLOCK_PIXELS", 2)
    scene = _strip_scene()
    shares = part_shares(scene, GRID, Geometry(30.0, 90.0))
    assert not shares.block.any()  # four parts: solved as parts
    one_part = objects_module._split_single_parts(
        PartShares(shares.visible[:, :1].tocsr(), np.array([0]), ["strip_0"]), 6, 2)
    # strip 0 (x 0-15 m) is seen in pixel columns 0 and 1: blocks (r, 0) for r = 0, 1, 2
    assert one_part.part_names[1:] == [f"strip_0 block {r},0" for r in range(3)]
    assert one_part.block.tolist() == [False, True, True, True]
    np.testing.assert_allclose(one_part.visible.sum(axis=0).A.ravel(), [0, 3, 3, 3])
    assert one_part.object_elements(1).tolist() == [True]


def _one_ground_part(strips: np.ndarray):
    scene, image, truth = _strips_and_roofs(strips, one_ground_part=True)
    return truth, [run_unmix(scene, GRID, Geometry(30.0, 90.0), image,
                             np.ones((6, 6), bool), BANDS, np.full(3, 0.15),
                             UnmixParameters(objects=objects, window=(3, 3)), samples=64,
                             seed=3, truth=truth)[0] for objects in (False, True)]


def test_an_element_of_one_part_whose_blocks_look_alike_takes_their_common_op(monkeypatch):
    """A ground of one part and one material: its blocks share one OP, from all its pixels,
    within the trace's noise (which the window solution, from few pure pixels, is not).
    Blocks of 3 x 3 pixels: each holds a row of ground alone (rows 0 and 3), without which
    a block under the roofs of rows 4 and 5 trades its OP against theirs."""
    monkeypatch.setattr(objects_module, "BLOCK_PIXELS", 3)
    same = np.broadcast_to(REFLECTANCE[1], REFLECTANCE.shape).copy()
    truth, (window, blocks) = _one_ground_part(same)
    assert blocks.objects.pooled.tolist() == [True, False]
    mask = blocks.op_valid[0]
    ground = blocks.op[:, 0][:, mask]
    np.testing.assert_allclose(ground, ground[:, :1].repeat(mask.sum(), axis=1), atol=1e-12)
    std = np.sqrt(blocks.objects.part_variance[:, np.flatnonzero(blocks.shares.block)[0]])
    assert (np.abs(ground[:, 0] - REFLECTANCE[1]) < 4 * std).all()
    error = np.abs(ground - truth[:, 0][:, mask])
    assert error.max() < np.abs(window.op[:, 0] - truth[:, 0])[:, mask].max()


def test_an_element_of_one_part_whose_blocks_differ_keeps_its_window_solution(monkeypatch):
    monkeypatch.setattr(objects_module, "BLOCK_PIXELS", 3)
    _, (window, blocks) = _one_ground_part(REFLECTANCE)
    assert blocks.shares.block.sum() == 4  # tried as 2 x 2 blocks
    assert blocks.objects.solved.tolist() == [False, True]  # the roofs still per part
    assert not blocks.objects.pooled[0]
    np.testing.assert_array_equal(blocks.objects.op[:, 0], window.op[:, 0])
    # and the roofs were solved without the ground's blocks beside them
    assert np.isnan(blocks.objects.part_op[:, blocks.shares.block]).all()
    assert np.isfinite(blocks.objects.part_op[:, 1:5]).all()


def test_parts_table_lists_every_solved_part_with_its_op(strips):
    from unmix3d.core.unmix.objects import parts_table

    _, results = strips
    result = results[True]
    text = parts_table(result.objects, result.shares, ["ground", "roof"], BANDS)
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:5] == ["part", "element", "visible_pixels", "B3_op", "B3_std"]
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert set(rows) == {f"strip_{k}" for k in range(4)} | {f"roof_{r}" for r in ROOF_ROWS}
    for row, (share, reflectance) in ROOF_ROWS.items():
        fields = rows[f"roof_{row}"]
        assert fields[1] == "roof"
        assert float(fields[2]) == pytest.approx(6 * share)  # pixels' worth of roof seen
        assert abs(float(fields[3]) - reflectance) < 4 * float(fields[4]), fields


def test_report_names_the_per_part_elements_and_counts_their_parts(strips):
    import re

    from unmix3d.core.unmix.report import unmix_report

    truth, results = strips
    result = results[True]
    image = result.simulated
    text = unmix_report(result, image, np.ones((6, 6), bool), ["ground", "roof"], BANDS, {})
    section = text[text.index("<h2>One OP per mock-up part</h2>"):]
    cells = re.findall(r"<td>(.*?)</td>", section[:section.index("</table>")])
    # ground: 4 strips, roof: 4 roofs, each seen in at least 1.5 pixels: all fixed by data
    assert cells == ["ground", "4", "4", "no", "roof", "4", "4", "no"]
    without = unmix_report(results[False], image, np.ones((6, 6), bool), ["ground", "roof"],
                           BANDS, {})
    assert "One OP per mock-up part" not in without


def test_parts_that_differ_keep_their_own_op_and_alike_parts_share_one(strips):
    """Strips and roofs of different materials stay one OP per part; four strips of one
    material (their differences are the trace's noise) share one OP, known better than
    each on its own."""
    _, results = strips
    assert results[True].objects.pooled.tolist() == [False, False]
    same = np.broadcast_to(REFLECTANCE[1], REFLECTANCE.shape).copy()
    scene, image, truth = _strips_and_roofs(same)
    result, _ = run_unmix(scene, GRID, Geometry(30.0, 90.0), image, np.ones((6, 6), bool),
                          BANDS, np.full(3, 0.15), UnmixParameters(window=(3, 3)),
                          samples=64, seed=3, truth=truth)
    assert result.objects.pooled.tolist() == [True, False]
    strips_op = result.objects.part_op[:, :4]
    np.testing.assert_array_equal(strips_op, strips_op[:, :1].repeat(4, axis=1))
    std = np.sqrt(result.objects.part_variance[:, 0])
    assert (np.abs(strips_op[:, 0] - REFLECTANCE[1]) < 4 * std).all()


def test_part_spread_is_the_parts_scatter_beyond_their_noise():
    """Parts drawn about a mean with a known spread, each known to a known noise: the
    spread returned is the drawn one (within its sampling error, sigma / sqrt(2 (n - 1))),
    the noise taken out; parts their data did not fix and pooled elements are left out."""
    rng = np.random.default_rng(5)
    n, spread, noise = 400, 0.04, 0.03
    x = 0.3 + spread * rng.standard_normal((2, n)) + noise * rng.standard_normal((2, n))
    variance = np.full((2, n), noise**2)
    data_share = np.ones((2, n))
    data_share[:, :10] = 0.1  # held at their window value: not in the spread
    x[:, :10] = 5.0
    element_of = np.zeros(n, int)
    result = objects_module._part_spread(x, variance, data_share, element_of,
                                         np.array([True, False]), 2)
    tolerance = 3 * spread / np.sqrt(2 * (n - 11))
    np.testing.assert_allclose(result[:, 0], spread, atol=tolerance)
    assert (result[:, 1] == 0).all()  # not asked for (pooled, or not an object element)


def test_unfixed_parts_shrink_to_their_elements_fixed_parts_as_a_posterior_mean():
    """Independent answer: parts whose materials are drawn about a mean with spread s and
    whose window values are off by noise w have, blended with the fixed parts' median
    (inverse-variance weights), an error of 1 / sqrt(1 / w^2 + 1 / s^2), below both; the
    fixed parts and an element with fewer than three fixed parts are left as they are."""
    rng = np.random.default_rng(11)
    n, mean, spread, window, noise = 400, 0.3, 0.03, 0.05, 0.002
    true = mean + spread * rng.standard_normal((1, 2 * n))
    x = true + noise * rng.standard_normal((1, 2 * n))
    x[:, n:] = true[:, n:] + window * rng.standard_normal((1, n))  # window values
    variance = np.full((1, 2 * n), noise**2)
    data_share = np.ones((1, 2 * n))
    data_share[:, n:] = 0.05
    element_of = np.zeros(2 * n, int)
    element_of[-3:] = 1  # an element of three unfixed parts only
    window_variance = np.full((1, 2 * n), window**2)
    start = objects_module._shrink_unfixed(
        x, variance, data_share, window_variance, element_of, np.array([True, True]), 2,
        np.ones(2 * n, bool))
    shrunk = (start != x).any(axis=0)
    assert not shrunk[:n].any() and shrunk[n:-3].all() and not shrunk[-3:].any()
    np.testing.assert_array_equal(start[:, :n], x[:, :n])
    np.testing.assert_array_equal(start[:, -3:], x[:, -3:])
    expected = 1.0 / np.sqrt(1.0 / window**2 + 1.0 / spread**2)
    error = np.sqrt(np.mean((start[0, n:-3] - true[0, n:-3]) ** 2))
    # RMS of ~400 draws: +-3.5 %; the spread and median estimated from 400 parts
    assert error == pytest.approx(expected, rel=0.15)
    assert error < 0.7 * window


def test_every_part_shrinks_to_its_element_as_a_posterior_mean_with_its_variance():
    """Independent answer: parts drawn about a mean with spread s, each measured with its
    own noise v (half precise, half 3 s; all fixed by their data), blended with the fixed
    parts' median by the weights of v and of their scatter S (S^2 = s^2 + the mean v: the
    noise left in, the conservative side): a noisy part's error is then
    sqrt((1 - k)^2 v + k^2 s^2) with k = v / (v + S^2), well below its own; the precise
    ones hardly move; the returned variance is never below the error's (error / std RMS
    just under 1); an element with fewer than three fixed parts and parts outside
    ``candidates`` are left as they are."""
    rng = np.random.default_rng(17)
    n, mean, spread, precise, noisy = 600, 0.3, 0.02, 0.001, 0.06
    noise = np.where(np.arange(n) < n // 2, precise, noisy)[None].repeat(3, axis=0)
    true = mean + spread * rng.standard_normal((3, n))
    x = true + noise * rng.standard_normal((3, n))
    data_share = np.where(np.arange(n) < n // 2, 0.95, 0.6)[None].repeat(3, axis=0)
    element_of = np.zeros(n, int)
    element_of[-3:] = 1  # an element of three parts its data do not fix
    data_share[:, -3:] = 0.1
    candidates = np.ones(n, bool)
    candidates[-10:-3] = False  # merged parts or blocks: not shrunk
    shrunk, variance = objects_module._shrink_to_element(
        x, noise**2, data_share, element_of, np.array([True, True]), candidates)
    np.testing.assert_array_equal(shrunk[:, -10:], x[:, -10:])
    np.testing.assert_array_equal(variance[:, -10:], noise[:, -10:] ** 2)
    scatter2 = spread**2 + (precise**2 + noisy**2) / 2
    good, bad = slice(0, n // 2), slice(n // 2, n - 10)
    assert np.abs(shrunk[:, good] - x[:, good]).max() < 10 * precise**2 / scatter2 * noisy
    k = noisy**2 / (noisy**2 + scatter2)
    expected = np.sqrt((1 - k) ** 2 * noisy**2 + k**2 * spread**2)
    error = shrunk[:, bad] - true[:, bad]
    # RMS of ~870 draws: +-2.4 %; the scatter and median estimated from 590 parts
    assert np.sqrt(np.mean(error**2)) == pytest.approx(expected, rel=0.08)
    assert np.sqrt(np.mean(error**2)) < 0.5 * noisy
    z = (shrunk[:, : n - 10] - true[:, : n - 10]) / np.sqrt(variance[:, : n - 10])
    assert 0.8 < np.sqrt(np.mean(z**2)) < 1.05


def test_a_value_its_data_did_not_fix_carries_the_parts_spread():
    """Two pixels, one element of two parts: the first pixel sees part 0 only, the second
    half part 0 (fixed by its data) and half part 1 (its data fixed none of it). The
    second pixel's variance is the parts' own, weighted by their squared shares, plus
    the unfixed half times the window's error and the parts' spread in quadrature."""
    from scipy import sparse

    shares = PartShares(sparse.csr_matrix(np.array([[1.0, 0.0], [0.5, 0.5]])),
                        np.array([0, 0]), ["a", "b"])
    part_variance, window, spread = np.array([[1e-6, 4e-6]]), 0.01, 0.05
    solution = objects_module.ObjectSolution(
        np.zeros((1, 1, 1, 2)), np.array([[0.2, 0.3]]), part_variance,
        np.array([[1.0, 0.0]]), np.array([True]), np.array([False]),
        np.array([[spread]]))
    variance = objects_module.object_variance_maps(
        solution, shares, (1, 2), np.full((1, 1, 1, 2), window))[0, 0, 0]
    np.testing.assert_allclose(variance, [1e-6, 0.25 * 1e-6 + 0.25 * 4e-6
                                          + 0.25 * (window**2 + spread**2)], rtol=1e-12)


def test_part_variances_are_the_exact_diagonal_of_the_inverse():
    from scipy import sparse

    rng = np.random.default_rng(4)
    design = sparse.random(300, 120, density=0.05, random_state=5)
    normal = (design.T @ design + sparse.eye(120) * 1e-3).tocsc()
    exact = np.diag(np.linalg.inv(normal.toarray()))
    np.testing.assert_allclose(objects_module._inverse_diagonal(normal), exact, rtol=1e-9)
    # not positive definite (a negative pivot): the general inverse, not a wrong answer
    indefinite = sparse.csc_matrix(np.diag(rng.uniform(1, 2, 5) * [1, 1, -1, 1, 1]))
    np.testing.assert_allclose(objects_module._inverse_diagonal(indefinite),
                               1.0 / indefinite.diagonal(), rtol=1e-12)


def test_start_error_variance_is_the_start_errors_carried_through_the_damped_steps():
    """Against the exact covariance: each step passes on P e with P = N^-1 H, so after s
    steps the parts' errors have covariance P^s S P^s^T (S the starts' variances). 16 runs
    of 64 draws (seeds 0-15) give each variance to about sqrt(2 / 1024) = 4.4 %; the parts
    share the draws, so their mean is no better: within 0.1 of 1 (2.3 standard errors) and
    each within 0.25 (5.7)."""
    from scipy import sparse

    from unmix3d.core.unmix.objects import start_error_variance

    rng = np.random.default_rng(5)
    n, steps = 60, 4
    design = rng.normal(size=(80, n)) * (rng.random((80, n)) < 0.1)
    hold = rng.uniform(0.05, 3.0, n)
    normal = design.T @ design + np.diag(hold)
    start_variance = rng.uniform(0.5, 2.0, (1, n))
    propagate = np.linalg.matrix_power(np.linalg.solve(normal, np.diag(hold)), steps)
    exact = np.einsum("ik,k,ik->i", propagate, start_variance[0], propagate)
    system = [(sparse.csc_matrix(normal), hold)]
    got = np.mean([start_error_variance(system, start_variance, steps, seed)[0]
                   for seed in range(16)], axis=0)
    ratio = got / exact
    assert abs(ratio.mean() - 1.0) < 0.1
    assert np.all(np.abs(ratio - 1.0) < 0.25)


@pytest.mark.parametrize("sensor, like_trace", [(4e-5, 2.0), (4e-5, 0.0), (0.0, 3.0)])
def test_image_noise_is_split_into_a_sensor_level_and_a_share_like_the_traces(sensor,
                                                                             like_trace):
    """Residuals drawn with variance (1 + c) trace_var + a obs^2, the trace's relative
    variance spread over 100-fold as between flat ground and crowns: the fit recovers a and
    c within 4 standard errors of 20,000 draws (chi-square, 1 degree of freedom each)."""
    rng = np.random.default_rng(5)
    n = 20_000
    observed = rng.uniform(0.03, 0.5, n)
    trace_variance = (observed * 10 ** rng.uniform(-3, -2, n)) ** 2
    variance = (1 + like_trace) * trace_variance + sensor * observed**2
    residual = rng.standard_normal(n) * np.sqrt(variance)
    level, a, c = objects_module.image_noise_terms(residual**2, trace_variance,
                                                   observed**2, n)
    assert level == pytest.approx(np.mean((residual**2 - trace_variance) / observed**2))
    # the standard errors of the unweighted fit of the excess relative variance on the
    # trace's relative variance, from the draws' own scatter: the weighted fit's are smaller
    t = trace_variance / observed**2
    spread = np.sqrt(2.0) * variance / observed**2
    slope_se = np.sqrt(np.sum(((t - t.mean()) * spread) ** 2)) / np.sum((t - t.mean()) ** 2)
    intercept_se = np.sqrt(np.mean(spread**2) / n) + t.mean() * slope_se
    assert abs(c - like_trace) < 4 * slope_se + 1e-12
    assert abs(a - sensor) < 4 * intercept_se + 1e-12
    assert a >= 0.0 and c >= 0.0
