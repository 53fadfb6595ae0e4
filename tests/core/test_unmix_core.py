"""US-DART's modules against exact answers: pure pixels, bounded window solves, median
filling, spectral rules, and the whole pipeline on a scene whose image it can explain."""

import numpy as np
import pytest
from scenes import X0, Y0, build, grid_over, rectangle, table
from scipy.optimize import lsq_linear

from unmix3d.core.simulate import Geometry, evaluate_op_maps, trace
from unmix3d.core.unmix.correction import apply_rules
from unmix3d.core.unmix.pipeline import UnmixParameters, unmix
from unmix3d.core.unmix.pps import nearest_fill, select_pure_pixels
from unmix3d.core.unmix.uncertainty import noise_reached
from unmix3d.core.unmix.windows import (
    EMPTY,
    SOLVED,
    UNSTABLE,
    median_fill,
    solve_bounded,
    window_footprint,
    window_gram,
    window_sum,
)


def test_pure_threshold_steps_down_and_the_paper_start_is_the_square_root():
    fractions = np.zeros((2, 4, 4))
    fractions[0] = 1.0
    fractions[0, 1, 1], fractions[1, 1, 1] = 0.25, 0.75  # best "pure" leaf pixel: 0.75
    image = np.full((1, 4, 4), 0.2)
    image[0, 1, 1] = 0.09
    selection = select_pure_pixels(fractions, image, np.ones((4, 4), bool),
                                   np.array([False, True]), np.array([[0.5, 0.5]]))
    assert selection.threshold[0] == pytest.approx(0.9)
    assert selection.threshold[1] == pytest.approx(0.7)
    np.testing.assert_allclose(selection.op[0, 1], 0.3)  # sqrt(0.09), spread everywhere
    assert selection.pure_count.tolist() == [15, 1]


def test_element_without_pure_pixels_keeps_the_table_value():
    fractions = np.zeros((2, 3, 3))
    fractions[0] = 1.0
    selection = select_pure_pixels(fractions, np.full((1, 3, 3), 0.2), np.ones((3, 3), bool),
                                   np.array([False, False]), np.array([[0.5, 0.42]]))
    assert np.isnan(selection.threshold[1])
    np.testing.assert_allclose(selection.op[0, 1], 0.42)


def test_nearest_fill_takes_the_median_of_equally_near_pure_pixels():
    mask = np.zeros((1, 5), bool)
    mask[0, 0] = mask[0, 4] = True
    filled = nearest_fill(mask, np.array([[0.2, 0.4]]))
    np.testing.assert_allclose(filled[0, 0], [0.2, 0.2, 0.3, 0.4, 0.4])


def test_bounded_solves_equal_scipy_lsq_linear():
    rng = np.random.default_rng(4)
    n, k = 200, 3
    a = rng.random((n, 9, k))
    y = rng.random((n, 9))
    gram = np.einsum("nmi,nmj->nij", a, a) / 9
    rhs = np.einsum("nmi,nm->ni", a, y) / 9
    lower = rng.uniform(0.0, 0.3, (n, k))
    upper = lower + rng.uniform(0.05, 0.5, (n, k))
    x, status = solve_bounded(gram, rhs, lower, upper, (lower + upper) / 2,
                              np.ones((n, k), bool), 1e-14, 1e12, 1e12)
    assert (status == SOLVED).all()
    for w in range(n):
        reference = lsq_linear(a[w], y[w], bounds=(lower[w], upper[w]), tol=1e-12).x
        np.testing.assert_allclose(x[w], reference, atol=1e-7)


def test_unstable_and_empty_windows_are_flagged():
    singular = np.array([[[1.0, 1.0], [1.0, 1.0]]])
    large = np.array([[[2.0, 0.0], [0.0, 1.0]]])
    fine = np.array([[[0.5, 0.1], [0.1, 0.4]]])
    gram = np.concatenate([singular, large, fine, fine])
    present = np.array([[True, True]] * 3 + [[False, False]])
    start = np.full((4, 2), 0.3)
    x, status = solve_bounded(gram, np.full((4, 2), 0.1), np.zeros((4, 2)), np.ones((4, 2)),
                              start, present, 1e-10, 50_000.0, 1.1)
    assert status.tolist() == [UNSTABLE, UNSTABLE, SOLVED, EMPTY]
    np.testing.assert_array_equal(x[[0, 1, 3]], start[[0, 1, 3]])


def test_median_fill_uses_solved_neighbours_only():
    values = np.arange(25.0).reshape(5, 5)
    solved = np.ones((5, 5), bool)
    solved[2, 2] = False
    values[2, 2] = 1e6
    filled = median_fill(values, solved, window_footprint((3, 3)))
    neighbours = [6, 7, 8, 11, 13, 16, 17, 18]
    assert filled[2, 2] == np.median(neighbours)
    assert (filled[solved] == values[solved]).all()


def test_spectral_rule_replaces_breaking_pixels_by_neighbour_medians():
    op = np.zeros((2, 1, 3, 3))
    op[0, 0] = 0.05  # B4
    op[1, 0] = 0.5  # B8
    op[1, 0, 1, 1] = 0.01  # breaks B8 > B4
    elements = table(("vegetation", "translucent", {"B4": 0.05, "B8": 0.5}, 1.0))
    from unmix3d.core.rules import parse_rule

    elements.elements[0].rule = parse_rule("B8 > B4")
    corrected, broken = apply_rules(op, np.ones((1, 3, 3), bool), elements, ["B4", "B8"],
                                    window_footprint((3, 3)))
    assert broken.tolist() == [1]
    assert corrected[1, 0, 1, 1] == 0.5 and corrected[0, 0, 1, 1] == 0.05


#: the image's own trace: another seed, more samples and batches than any inversion's here,
#: so no test inverts the paths that made its image
IMAGE_SEED, IMAGE_SAMPLES, IMAGE_BATCHES = 7, 256, 16


@pytest.fixture(scope="module")
def two_soils():
    """Two flat soils meeting in mid-pixel: many mixed pixels, and an image the model
    explains exactly. The inversion traces with seed 2; the image comes from another trace
    (``image_of``). A Lambertian plane has no path noise, and the edge, 2.5 m into a 5 m
    pixel, lies on the sample strata of every batch layout used (4 x 4 and 2 x 2 per batch),
    so both traces' fractions are exact (``test_two_soils_are_free_of_monte_carlo_noise``)."""
    size = 100.0
    edge = X0 + 42.5
    parts = {"soil_a": rectangle(X0, Y0, edge, Y0 + size, 0.0),
             "soil_b": rectangle(edge, Y0, X0 + size, Y0 + size, 0.0)}
    scene = build(parts, table(("soil_a", "opaque", {"B4": 0.2, "B8": 0.3}, None),
                               ("soil_b", "opaque", {"B4": 0.1, "B8": 0.4}, None)))
    grid = grid_over(size, 5)
    return scene, trace(scene, grid, Geometry(30, 150, 0, 0), samples=64, seed=2)


def image_trace(traced):
    """The trace an image is made from: the inversion's scene and geometry, its own paths."""
    return trace(traced.scene, traced.grid, traced.geometry, samples=IMAGE_SAMPLES,
                 seed=IMAGE_SEED, batches=IMAGE_BATCHES)


def image_of(traced, truth, bands, skyl):
    """The image of the OP maps ``truth`` traced apart from the inversion's ``traced``."""
    return evaluate_op_maps(image_trace(traced), truth, bands, skyl)[0]


def test_two_soils_are_free_of_monte_carlo_noise(two_soils):
    """What lets the two-soil tests below hold an inversion to rounding on an image traced
    apart: another seed, sample count and batch layout give the same fractions and image,
    with a zero standard error (an edge off the strata gives neither)."""
    scene, traced = two_soils
    other = image_trace(traced)
    assert ((traced.fractions[0] > 0) & (traced.fractions[0] < 1)).sum() >= 20  # mixed
    np.testing.assert_array_equal(other.fractions, traced.fractions)
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image, _, error = evaluate_op_maps(other, truth, ["B4", "B8"], 0.2)
    np.testing.assert_allclose(image, evaluate_op_maps(traced, truth, ["B4", "B8"], 0.2)[0],
                               rtol=1e-14)
    assert np.nanmax(error) < 1e-12


def test_damped_window_solves_hold_unseen_directions_and_keep_the_fixed_point():
    """Collinear gradients (every pixel the same mix) leave x1 + x2 determined and x1 - x2
    not: undamped, the noise moves both far from the start; damped, the unseen difference
    stays at the start. On a well-posed window, damped steps repeated from any start
    converge to the undamped solution (the damping vanishes at the fixed point)."""
    a = np.array([[1.0, 1.01], [1.0, 0.99], [1.0, 1.01], [1.0, 0.99]])  # 4 pixels, 2 elements
    start = np.array([[0.2, 0.3]])
    y = a @ start[0] + np.array([0.002, -0.002, 0.002, -0.002])  # a little noise
    collinear, rhs = (a.T @ a / 4)[None], (a.T @ y / 4)[None]
    lower, upper, present = np.zeros((1, 2)), np.ones((1, 2)), np.ones((1, 2), bool)
    free, status = solve_bounded(collinear, rhs, lower, upper, start, present, 0.0, 1e12, 10.0)
    held, _ = solve_bounded(collinear, rhs, lower, upper, start, present, 0.0, 1e12, 10.0,
                            0.3)
    assert status[0] == SOLVED
    assert abs((free[0, 0] - free[0, 1]) - (-0.1)) > 0.3
    assert held[0, 0] - held[0, 1] == pytest.approx(-0.1, abs=0.01)
    assert held[0].sum() == pytest.approx(0.5, abs=0.01)

    gram = np.array([[[2.0, 0.5], [0.5, 1.0]]])
    rhs = np.array([[0.9, 0.6]])
    exact = np.linalg.solve(gram[0], rhs[0])
    x = np.array([[0.9, 0.1]])
    for _ in range(40):
        x, _ = solve_bounded(gram, rhs, lower, upper, x, present, 0.0, 1e6, 10.0, 0.3)
    np.testing.assert_allclose(x[0], exact, atol=1e-9)


def test_both_methods_recover_both_soils_in_mixed_pixels(two_soils):
    scene, traced = two_soils
    bands = ["B4", "B8"]
    truth_values = np.array([[0.2, 0.1], [0.3, 0.4]])  # bands x elements
    truth = np.broadcast_to(truth_values[:, :, None, None], (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, bands, 0.2)
    valid = np.ones((20, 20), bool)
    results = {}
    for method in ("us-dart", "dart-calibration"):
        result = unmix(traced, image, valid, bands, 0.2,
                       UnmixParameters(method=method, window=(3, 3), iterations=4), truth=truth)
        mixed = (traced.fractions > 0.05).all(axis=0)
        assert mixed.sum() >= 20
        error = np.abs(result.op - truth) / truth
        results[method] = error[:, :, mixed]
        np.testing.assert_allclose(result.simulated, image, rtol=1e-6 if method == "us-dart"
                                   else 1e-3)
    # a flat scene is linear in the OPs and the soils uniform: LSMA's windows are exact, so
    # both methods recover the soils in mixed pixels, to rounding
    assert np.max(results["us-dart"]) < 1e-6 and np.max(results["dart-calibration"]) < 1e-6


def test_image_error_floor_fills_missing_true_maps_from_the_table(two_soils):
    """A true map that is NoData (here all of soil_b's) is filled with the table's value, as
    the simulation that made the image did, so the floor covers every pixel."""
    scene, traced = two_soils
    bands = ["B4", "B8"]
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, bands, 0.2)
    truth[:, 1] = np.nan
    result = unmix(traced, image, np.ones((20, 20), bool), bands, 0.2,
                   UnmixParameters(window=(3, 3), iterations=1), truth=truth)
    np.testing.assert_allclose(result.truth_simulated, image, rtol=1e-12)


def test_calibration_scales_every_element_of_a_pixel_alike():
    from unmix3d.core.unmix.pipeline import _calibration_step

    op = np.array([0.2, 0.1])[None, :, None, None] * np.ones((1, 2, 1, 1))
    gradients = np.array([0.5, 0.5])[None, :, None, None] * np.ones((1, 2, 1, 1))
    simulated = np.einsum("beij,beij->bij", gradients, op)
    image = simulated * 1.2
    new = _calibration_step(op, image, simulated, gradients, np.ones((1, 1), bool))
    np.testing.assert_allclose(new[0, :, 0, 0], [0.24, 0.12])  # Newton step, ratio kept
    np.testing.assert_allclose(np.einsum("beij,beij->bij", gradients, new), image)


def test_model_start_recovers_a_dark_leaf_that_the_square_root_start_cannot():
    """A leaf sheet over soil at red: R ~ r is tiny, sqrt(R) is 4x the albedo, and the paper's
    (1 +- 0.5) x PPS bounds then exclude the truth; the model-based start does not. The image
    is traced apart (another seed, 256 samples), so the leaf is recovered to the Monte Carlo
    noise of the image and of the 16-sample trace (relative: R ~ r), not to rounding (on its
    own trace's image it came out 1e-4 off: the noise cancelled)."""
    from scenes import sheet_scene

    scene = sheet_scene()
    scene.elements.elements[1].rt_ratio = 8.0
    traced = trace(scene, grid_over(40, 4), Geometry(30, 100, 0, 0), samples=16, seed=1)
    truth = np.zeros((1, 2, 10, 10))
    truth[0, 0], truth[0, 1] = 0.15, 0.04  # soil reflectance, leaf albedo
    image, _, image_error = evaluate_op_maps(image_trace(traced), truth, ["B1"], 0.1)
    model_error = evaluate_op_maps(traced, truth, ["B1"], 0.1)[2]
    noise = float(np.median(np.hypot(image_error, model_error) / image))
    assert noise < 0.05  # the test has power: 3 x noise is far below the paper's error
    valid = np.ones((10, 10), bool)
    errors = {}
    for start in ("model", "paper"):
        result = unmix(traced, image, valid, ["B1"], 0.1,
                       UnmixParameters(window=(3, 3), iterations=4, start=start))
        errors[start] = np.abs(result.op[0, 1] / 0.04 - 1)
        if start == "model":  # and its standard errors describe that noise
            z = np.abs(result.op[0, 1] - 0.04) / result.op_std[0, 1]
            assert np.median(z) < 2.0, np.median(z)
    assert np.median(errors["model"]) < 3 * noise, (np.median(errors["model"]), noise)
    assert np.median(errors["paper"]) > 0.5


def test_model_start_of_an_element_never_seen_pure():
    """A 1.25 m strip inside 5 m pixels is at most 25 % of any pixel: the paper's start reads
    the mixed pixel's reflectance as the strip's; the model start solves the trace for it
    (exactly, on a noise-free flat scene), and takes the median over the strip's pixels."""
    scene, traced = strip_scene()
    assert traced.fractions[1].max() == pytest.approx(0.25)
    truth = np.zeros((1, 2, 10, 10))
    truth[0, 0], truth[0, 1] = 0.3, 0.08  # the table's 0.5 for the strip is a poor guess
    image = image_of(traced, truth, ["B4"], 0.2)
    starts = {}
    for start in ("model", "paper"):
        result = unmix(traced, image, np.ones((10, 10), bool), ["B4"], 0.2,
                       UnmixParameters(window=(3, 3), iterations=1, start=start), truth=truth)
        starts[start] = result.history[0]["op_error"]["median"][1, 0]  # PPS stage, strip
    assert starts["model"] < 1e-6
    assert starts["paper"] > 1.0  # 0.25 * 0.08 + 0.75 * 0.3 read as the strip's 0.08


def test_report_draws_exact_and_missing_errors(two_soils, tmp_path):
    """A flat scene is fitted exactly (errors of 0, on a log axis) and an element may have no
    pixel at all (NaN statistics): the report is still written, with its figures."""
    from unmix3d.core.unmix.report import unmix_report

    scene, traced = two_soils
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, ["B4", "B8"], 0.2)
    valid = np.ones((20, 20), bool)
    result = unmix(traced, image, valid, ["B4", "B8"], 0.2,
                   UnmixParameters(window=(3, 3), iterations=2), truth=truth)
    result.history[0]["image_error"]["median"][1] = np.nan
    path = tmp_path / "report.html"
    text = unmix_report(result, image, valid, ["soil_a", "soil_b"], ["B4", "B8"], {"x": 1},
                        path=str(path))
    assert path.read_text() == text
    # one convergence figure per element and the standard-error maps, each an embedded PNG
    for alt in ("convergence of soil_a", "convergence of soil_b", "OP standard errors",
                "image residual map"):
        assert f"alt='{alt}'" in text or f'alt="{alt}"' in text, alt
    assert text.count("data:image/png;base64") == 4
    assert "Uncertainty of the OP maps" in text
    # a flat scene has no path noise: the trace reached 0 in both bands
    assert "Monte Carlo noise reached by the trace:" in text
    noise = text[text.index("Monte Carlo noise reached"):]
    assert "<tr><td>B4</td><td>0</td>" in noise and "<tr><td>B8</td><td>0</td>" in noise


def test_accuracy_rows_give_the_image_error_floor_of_the_true_ops(tmp_path):
    from unmix3d.core.unmix.accuracy import accuracy_csv, accuracy_rows, read_accuracy_csv

    image = np.full((1, 2, 2), 0.2)
    truth_simulated = image * np.array([[1.0, 1.01], [0.99, 1.0]])  # errors 0, 1, 1, 0 %
    op = np.full((1, 1, 2, 2), 0.3)
    rows = accuracy_rows("case", ["soil"], image, image * 1.02, op, np.ones((1, 2, 2), bool),
                         op * 1.25, truth_simulated)
    assert rows[0].image_median == pytest.approx(2.0)
    assert rows[0].image_floor_median == pytest.approx(0.5)
    assert rows[0].op_median == pytest.approx(20.0)
    path = tmp_path / "accuracy.csv"
    path.write_text(accuracy_csv(rows))
    assert read_accuracy_csv(path)[0].image_floor_median == pytest.approx(0.5)


def test_minor_scene_solve_equals_the_joint_least_squares():
    """The Schur-complement solve gives the minor elements' scene-wide OPs of the joint
    problem: every window centred on a valid pixel with its own OPs of the others (fixed
    where absent), summed window least squares, here built pixel by pixel and solved
    densely. Two minor elements; a third, which the others explain everywhere, keeps its
    OP."""
    from unmix3d.core.unmix.pipeline import _minor_scene_solve
    from unmix3d.core.unmix.windows import assemble

    rng = np.random.default_rng(3)
    rows = cols = 5
    others, n_minor = (0, 1), 2
    gradients = rng.uniform(0.1, 1.0, (1, 5, rows, cols))  # 0, 1 others; 2, 3 minor
    gradients[0, 2:4] *= 0.2
    gradients[0, 4] = 0.5 * gradients[0, 0]  # minor, but collinear with element 0
    # the image of OPs the minor elements share (0.4, 0.5) and the others vary in, plus
    # noise: the least-squares values lie inside the [0, 1] the solve bounds them to
    op = np.concatenate([rng.uniform(0.3, 0.35, (2, rows, cols)),
                         np.broadcast_to(np.array([0.4, 0.5, 0.3])[:, None, None],
                                         (3, rows, cols))])
    target = (np.einsum("beij,eij->bij", gradients, op)
              + rng.normal(0.0, 0.002, (1, rows, cols)))
    valid = np.ones((rows, cols), bool)
    valid[1, 3] = False
    footprint = window_footprint((3, 3))
    gram, rhs, _ = assemble(gradients, target, valid, footprint)
    present = np.ones((1, rows, cols, 5), bool)
    present[0, :2, :, 0] = False  # element 0 absent from the top rows' windows: fixed there
    current = np.full((1, rows, cols, 5), 0.3)
    minor = np.array([False, False, True, True, True])
    # element 4 is seen only where element 0 is fixed: drop those windows to make it unseen
    windows = valid.reshape(-1) & present[0, :, :, 0].reshape(-1)
    values = _minor_scene_solve(gram.reshape(1, -1, 5, 5), rhs.reshape(1, -1, 5),
                                present.reshape(1, -1, 5), current.reshape(1, -1, 5),
                                minor, windows)[0]
    assert values[2] == pytest.approx(0.3, abs=1e-12)  # unseen: kept

    equations, right = [], []
    unknown = {}
    for i in range(rows):
        for j in range(cols):
            for e in others:
                if present[0, i, j, e]:
                    unknown[i, j, e] = len(unknown)
    beta = len(unknown)
    for i in range(rows):
        for j in range(cols):
            if not windows[i * cols + j]:
                continue
            pixels = [(k, m) for k in range(i - 1, i + 2) for m in range(j - 1, j + 2)
                      if 0 <= k < rows and 0 <= m < cols and valid[k, m]]
            weight = 1 / np.sqrt(len(pixels))
            for k, m in pixels:
                row = np.zeros(beta + n_minor)
                y = target[0, k, m] - gradients[0, 4, k, m] * 0.3
                for e in others:
                    if present[0, i, j, e]:
                        row[unknown[i, j, e]] = gradients[0, e, k, m]
                    else:
                        y -= gradients[0, e, k, m] * current[0, i, j, e]
                row[beta:] = gradients[0, 2:4, k, m]
                equations.append(weight * row)
                right.append(weight * y)
    exact = np.linalg.lstsq(np.array(equations), np.array(right), rcond=None)[0][beta:]
    # the solve adds a 1e-10 relative ridge
    assert ((exact > 0) & (exact < 1)).all()
    np.testing.assert_allclose(values[:2], exact, rtol=1e-6)
    # an image three times as bright: the least-squares values above 1 are bounded to it
    brighter = _minor_scene_solve(gram.reshape(1, -1, 5, 5), 3 * rhs.reshape(1, -1, 5),
                                  present.reshape(1, -1, 5), current.reshape(1, -1, 5),
                                  minor, windows)[0]
    assert (brighter[:2] == 1.0).all()


def minor_gradient_field(rng, n: int):
    """(n, n) fraction of one element, smooth in 0.05-0.95, and a minor element's gradient,
    small and smooth, seen in about 30 % of the pixels."""
    from scipy import ndimage

    f1 = np.clip(0.5 + 2 * ndimage.gaussian_filter(rng.standard_normal((n, n)), 2), 0.05,
                 0.95)
    minor_gradient = (np.clip(0.05 + 0.5 * ndimage.gaussian_filter(
        rng.standard_normal((n, n)), 2), 0.0, None) * (rng.random((n, n)) < 0.3))
    return f1, minor_gradient


def test_minor_scene_variance_matches_the_spread_of_its_estimates():
    """The scene-wide OP's sandwich variance equals the variance of the estimate over
    noise draws of the image (here 300 draws, the empirical variance known to +- 8 %): a
    minor element seen in 30 % of the pixels at small gradients, beside two others whose
    fractions vary smoothly, 5 x 5 windows. Window scores summed per block of their
    centres instead of each pixel's own fail it (0.57: neighbouring blocks' windows share
    pixels)."""
    from unmix3d.core.unmix.pipeline import _minor_scene_solve, minor_scene_variance
    from unmix3d.core.unmix.windows import assemble

    rng = np.random.default_rng(0)
    n = 40
    f1, minor_gradient = minor_gradient_field(rng, n)
    gradients = np.stack([f1, 1 - f1, minor_gradient])[None]
    op = np.broadcast_to(np.array([0.2, 0.4, 0.3])[:, None, None], (3, n, n))
    exact = np.einsum("beij,eij->bij", gradients, op)
    valid = np.ones((n, n), bool)
    footprint = window_footprint((5, 5))
    minor = np.array([False, False, True])
    present = np.ones((1, n, n, 3), bool)
    current = np.moveaxis(op, 0, -1)[None].copy()
    estimates, variances = [], []
    for _ in range(300):
        target = exact + 0.003 * rng.standard_normal(exact.shape)
        gram, rhs, _ = assemble(gradients, target, valid, footprint)
        x = _minor_scene_solve(gram.reshape(1, -1, 3, 3), rhs.reshape(1, -1, 3),
                               present.reshape(1, -1, 3), current.reshape(1, -1, 3), minor,
                               valid.reshape(-1))[0, 0]
        at_x = current.copy()
        at_x[..., 2] = x
        estimates.append(x)
        variances.append(minor_scene_variance(gradients, target, valid, footprint, present,
                                              at_x, minor, 5)[0, 0])
    ratio = np.mean(variances) / np.var(estimates)
    assert 0.75 < ratio < 1.33, ratio


def test_minor_given_parts_recovers_the_scene_wide_op_and_its_spread():
    """With the other elements held at their OPs, the minor element's scene-wide OP is the
    least squares of all pixels: from 30 % off it reaches the truth within its noise, and
    its sandwich variance equals the spread of the estimate over 300 noise draws (known to
    +- 8 %), here with noise correlated over 2 x 2 pixels, which blocks of 4 pixels hold
    and a per-pixel sum would miss (its ratio 0.61). An element no pixel sees keeps
    its OP."""
    from unmix3d.core.unmix.pipeline import _minor_given_parts, _minor_given_parts_std

    rng = np.random.default_rng(1)
    n = 40
    f1, minor_gradient = minor_gradient_field(rng, n)
    gradients = np.stack([f1, 1 - f1, minor_gradient, np.zeros((n, n))])[None]
    truth = np.broadcast_to(np.array([0.2, 0.4, 0.3, 0.6])[None, :, None, None],
                            (1, 4, n, n)).copy()
    valid = np.ones((n, n), bool)
    valid[3, 5] = False
    minor = np.array([False, False, True, True])

    def evaluate(op):  # a linear model: the gradients do not depend on the OPs
        return np.einsum("beij,beij->bij", gradients, op), gradients, None

    exact = evaluate(truth)[0]
    start = truth.copy()
    start[:, 2] *= 0.7
    estimates, variances = [], []
    for _ in range(300):
        shared = rng.standard_normal((1, n // 2, n // 2))  # one draw per 2 x 2 pixels
        image = exact + 0.003 * np.kron(shared, np.ones((2, 2)))
        op, simulated, g = _minor_given_parts(evaluate, image, start, valid, minor,
                                              *evaluate(start)[:2])
        estimates.append(op[0, 2, 0, 0])
        assert op[0, 3, 0, 0] == 0.6  # unseen: kept
        std = _minor_given_parts_std(image, op, valid, minor, simulated, g, block_side=4)
        assert np.isnan(std[0, 1])
        variances.append(std[0, 0] ** 2)
    estimates = np.array(estimates)
    assert abs(estimates.mean() - 0.3) < 4 * estimates.std() / np.sqrt(300)
    ratio = np.mean(variances) / np.var(estimates)
    assert 0.75 < ratio < 1.33, ratio


def strip_scene():
    """A 1.25 m strip inside 5 m pixels, at most 25 % of any pixel, over soil; its edges
    lie on the 8 x 8 sample strata of each of the 4 batches, so its fractions are exact."""
    size, strip = 50.0, (X0 + 21.25, X0 + 22.5)
    parts = {"soil": rectangle(X0, Y0, strip[0], Y0 + size, 0.0)
             + rectangle(strip[1], Y0, X0 + size, Y0 + size, 0.0),
             "strip": rectangle(*strip[:1], Y0, strip[1], Y0 + size, 0.0)}
    scene = build(parts, table(("soil", "opaque", {"B4": 0.3}, None),
                               ("strip", "opaque", {"B4": 0.5}, None)))
    return scene, trace(scene, grid_over(size, 5), Geometry(30, 150, 0, 0), samples=256, seed=2)


def test_minor_element_is_solved_scene_wide_through_the_noise():
    """With 1 % noise on the image, each window sees the strip in 3 of its 9 pixels at a
    quarter of their area: per window its OP is mostly noise; solved once for the scene,
    jointly with every window's soil, it averages the noise of all the strip's pixels.
    RMS errors over 24 noise draws (the scene-wide one is a single value per draw). Its
    standard error (minor_scene_variance) is calibrated: error / std RMS in 0.5-2."""
    scene, traced = strip_scene()
    truth = np.zeros((1, 2, 10, 10))
    truth[0, 0], truth[0, 1] = 0.3, 0.08
    exact = image_of(traced, truth, ["B4"], 0.2)
    errors = {"scene": [], "window": []}
    z = []
    for draw in range(24):
        image = exact * (1 + 0.01 * np.random.default_rng(draw).standard_normal(exact.shape))
        for minor in errors:
            result = unmix(traced, image, np.ones((10, 10), bool), ["B4"], 0.2,
                           UnmixParameters(window=(3, 3), iterations=4, minor_elements=minor,
                                           start_weight=0.0))  # the windows alone
            strip = result.op_valid[1]
            errors[minor].append(result.op[0, 1][strip] / 0.08 - 1)
            if minor == "scene":
                assert np.ptp(result.op[0, 1][strip]) == 0.0  # one OP for the scene
                assert np.ptp(result.op_std[0, 1][strip]) == 0.0  # and one error
                z.append((result.op[0, 1][strip][0] - 0.08) / result.op_std[0, 1][strip][0])
    rms = {k: np.sqrt(np.mean(np.concatenate(v) ** 2)) for k, v in errors.items()}
    assert rms["scene"] < rms["window"] / 1.5  # measured ratio 2.3; 24 draws: +- 15 %
    # the scene-wide OP's standard error is its own, not a window's
    z_rms = np.sqrt(np.mean(np.square(z)))
    assert 0.5 < z_rms < 2.0, z_rms


def test_closure_matches_the_image_and_moves_its_noise_into_the_ops(two_soils):
    """Closure scales a pixel's OPs alike until the image is matched: the image error goes
    to zero, the noise it held goes into the OPs, and each pixel keeps its OP ratios."""
    scene, traced = two_soils
    bands = ["B4", "B8"]
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, bands, 0.2)
    image *= 1 + 0.005 * np.random.default_rng(1).standard_normal(image.shape)
    valid = np.ones((20, 20), bool)
    results = {closure: unmix(traced, image, valid, bands, 0.2,
                              UnmixParameters(window=(5, 5), iterations=4, closure=closure,
                                              start_weight=0.0),  # the windows alone
                              truth=truth) for closure in (False, True)}
    open_, closed = results[False], results[True]
    assert np.median(np.abs(open_.simulated / image - 1)) > 1e-3
    np.testing.assert_allclose(closed.simulated, image, rtol=1e-7)
    assert closed.history[-1]["stage"] == "closure"
    mixed = (traced.fractions > 0.05).all(axis=0)
    ratio = closed.op / open_.op  # one factor per pixel and band for both soils
    np.testing.assert_allclose(ratio[:, 0][:, mixed], ratio[:, 1][:, mixed], rtol=1e-9)
    op_error = {k: np.median(np.abs(r.op / truth - 1)[:, r.op_valid]) for k, r in
                results.items()}
    assert op_error[True] > 2 * op_error[False]


def test_bad_unmix_options_are_named(two_soils):
    scene, traced = two_soils
    image = image_of(traced, np.full((2, 2, 20, 20), 0.2), ["B4", "B8"], 0.2)
    for option, message in (({"minor_elements": "all"}, "minor_elements 'all'"),
                            ({"start": "pps"}, "start 'pps'"),
                            ({"damping": -1.0}, "DAMPING -1.0")):
        with pytest.raises(ValueError, match=message):
            unmix(traced, image, np.ones((20, 20), bool), ["B4", "B8"], 0.2,
                  UnmixParameters(window=(3, 3), **option))


def test_holding_pixels_to_their_nearest_pure_pixels_resolves_materials_inside_a_class(
        two_soils):
    """Each soil is two materials in bands of 4 pixels (20 m), narrower than the 5 x 5
    window: the window alone returns their local mean, while each pixel held to its nearest
    pure pixels (START_WEIGHT) keeps its own material. The image is noise-free."""
    scene, traced = two_soils
    truth = np.empty((2, 2, 20, 20))
    band_of_column = (np.arange(20) // 4) % 2  # 0 0 0 0 1 1 1 1 0 ...
    truth[0, 0] = np.where(band_of_column, 0.30, 0.20)[None, :]
    truth[1, 0] = np.where(band_of_column, 0.45, 0.30)[None, :]
    truth[0, 1] = np.where(band_of_column, 0.15, 0.10)[None, :]
    truth[1, 1] = np.where(band_of_column, 0.55, 0.40)[None, :]
    image = image_of(traced, truth, ["B4", "B8"], 0.2)
    valid = np.ones((20, 20), bool)
    median = {}
    for weight in (0.0, 30.0):
        result = unmix(traced, image, valid, ["B4", "B8"], 0.2,
                       UnmixParameters(window=(5, 5), iterations=4, start_weight=weight))
        errors = np.abs(result.op / truth - 1)[:, result.op_valid]
        median[weight] = float(np.median(errors))
    assert median[0.0] > 0.02  # the window's shared OP blurs the materials
    assert median[30.0] < 0.25 * median[0.0], median


def test_report_with_truth_shows_html_accuracy_error_maps_and_the_stop_reason(two_soils):
    """The accuracy table is an HTML table beside the paper's figures, the OP error maps and
    percentiles are embedded with TRUTH, and without TRUTH no column reads nan."""
    import re

    from unmix3d.core.unmix.accuracy import accuracy_markdown, accuracy_rows
    from unmix3d.core.unmix.report import unmix_report

    scene, traced = two_soils
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, ["B4", "B8"], 0.2)
    valid = np.ones((20, 20), bool)
    names, bands = ["soil_a", "soil_b"], ["B4", "B8"]
    result = unmix(traced, image, valid, bands, 0.2,
                   UnmixParameters(window=(3, 3), iterations=3), truth=truth)
    rows = accuracy_rows("vegetation scene, US-DART", names, image, result.simulated,
                         result.op, result.op_valid, truth)
    rows[1].element = "ground"  # a (case, element) the paper gives figures for
    text = unmix_report(result, image, valid, names, bands, {"iterations": 3}, rows,
                        truth=truth)
    accuracy = text.split("<h2>Accuracy table</h2>", 1)[1].lstrip()
    assert accuracy.startswith("<table>") and "<pre>" not in text
    assert "published OP error median %" in accuracy and "<td>0.600</td>" in accuracy
    assert 'alt="OP error maps"' in text and "OP error 95th percentile %" in text
    assert "<h3>OP errors per zone</h3>" in text and "patch 1 (rows" in text
    assert re.search(r"converged: after iteration \d of 3|Iterations exhausted", text)
    assert ">sc<" in text and "spectral-rule correction" in text
    # without TRUTH: no OP-error, floor or published columns, in the report nor the log
    plain = accuracy_rows("my image, us-dart", names, image, result.simulated, result.op,
                          result.op_valid, None)
    text = unmix_report(result, image, valid, names, bands, {"iterations": 3}, plain)
    for shown in (text.split("<h2>Accuracy table</h2>", 1)[1].split("</table>")[0],
                  accuracy_markdown(plain)):
        assert "nan" not in shown.lower() and "OP error" not in shown
        assert "image error median %" in shown
    assert 'alt="OP error maps"' not in text


def test_unmixing_runs_blas_on_one_thread_and_restores_it(two_soils):
    """The window solves are small: BLAS threads of every core only spin on them."""
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    scene, traced = two_soils
    bands = ["B4", "B8"]
    truth = np.broadcast_to(np.array([[0.2, 0.1], [0.3, 0.4]])[:, :, None, None],
                            (2, 2, 20, 20)).copy()
    image = image_of(traced, truth, bands, 0.2)
    before, during = blas_threads(), []
    unmix(traced, image, np.ones((20, 20), bool), bands, 0.2,
          UnmixParameters(window=(3, 3), iterations=1),
          progress=lambda share, stage: during.append(blas_threads()))
    assert during and all(threads <= {1} for threads in during)
    assert blas_threads() == before


@pytest.mark.parametrize("size, shape", [((5, 5), "rectangle"), ((4, 3), "rectangle"),
                                         ((7, 5), "ellipse"), ((1, 1), "rectangle")])
def test_window_sums_equal_a_correlation_with_the_footprint(size, shape):
    """Independent answer: ``ndimage.correlate`` with the footprint as kernel and zeros
    beyond the image, for odd and even windows, rectangles and ellipses; NaN propagates."""
    from scipy import ndimage

    footprint = window_footprint(size, shape)
    values = np.random.default_rng(3).normal(size=(3, 2, 11, 9))
    values[0, 1, 4, 4] = np.nan
    got = window_sum(values, footprint)
    kernel = footprint.astype(np.float64)
    for i in range(3):
        for j in range(2):
            want = ndimage.correlate(values[i, j], kernel, mode="constant", cval=0.0)
            np.testing.assert_allclose(got[i, j], want, rtol=1e-12, atol=1e-12)
    assert np.isnan(got[0, 1]).sum() == footprint.sum()


@pytest.mark.parametrize("size, shape", [((5, 5), "rectangle"), ((2, 3), "rectangle"),
                                         ((5, 7), "ellipse")])
def test_window_gram_sums_every_product_of_gradients(size, shape):
    """Each Gram entry is the correlation of the product G_i G_k with the footprint; the
    matrices are symmetric and a subnormal product counts as zero."""
    from scipy import ndimage

    footprint = window_footprint(size, shape)
    gradients = np.random.default_rng(5).normal(size=(2, 4, 9, 8))
    gram = window_gram(gradients, footprint)
    assert gram.shape == (2, 9, 8, 4, 4)
    kernel = footprint.astype(np.float64)
    for b in range(2):
        for i in range(4):
            for k in range(4):
                product = gradients[b, i] * gradients[b, k]
                product[np.abs(product) < np.finfo(np.float64).tiny] = 0.0
                want = ndimage.correlate(product, kernel, mode="constant", cval=0.0)
                np.testing.assert_allclose(gram[b, :, :, i, k], want, rtol=1e-12,
                                           atol=1e-300)
    tiny = np.zeros((1, 2, 9, 8))
    tiny[0, :, 3, 3] = 1e-160  # every product 1e-320, subnormal
    assert not window_gram(tiny, footprint).any()
    tiny[0, :, 3, 3] = 1e-150  # 1e-300, normal
    assert window_gram(tiny, footprint)[0, 3, 3].min() == pytest.approx(1e-300)


def test_window_sums_take_subnormal_numbers_as_zero_and_keep_the_rest():
    """Products of derivatives of very long paths underflow to subnormal numbers, on which
    the sums ran 4 times slower; they count as zero, every normal value is summed."""
    footprint = window_footprint((3, 3), "rectangle")
    values = np.arange(1.0, 36.0).reshape(5, 7)
    values[1, 1] = 1e-300  # small but normal: kept
    values[:, 4:] = 0.0
    with_subnormals = values.copy()
    with_subnormals[:, 5:] = 1e-310  # the windows of column 6 hold nothing else
    got = window_sum(with_subnormals, footprint)
    np.testing.assert_array_equal(got, window_sum(values, footprint))
    assert got[2, 2] == values[1:4, 1:4].sum()
    assert np.all(got[:, 6] == 0.0)


def test_noise_reached_is_the_median_relative_error_of_the_valid_pixels():
    simulated = np.array([[[0.1, 0.2], [0.4, 0.5]]])
    error = np.array([[[0.001, 0.004], [0.004, 1.0]]])
    image = np.array([[[0.1, 0.25], [0.5, 0.5]]])
    valid = np.array([[True, True], [True, False]])
    ((trace_share, residual),) = noise_reached(simulated, error, image, valid)
    assert trace_share == pytest.approx(1.0)  # median of 1, 2, 1 %
    assert residual == pytest.approx(20.0)  # median of 0, 20, 20 %
    assert np.isnan(noise_reached(simulated, error, image, np.zeros((2, 2), bool))[0][0])


def leaf_cloud_image():
    """A leaf cloud over soil (multiple scattering: a noisy trace) on 10 x 10 pixels and its
    image from a 256-sample trace of another seed: (scene, grid, geometry, bands, image)."""
    from scenes import leaf_cloud_scene

    scene = leaf_cloud_scene()
    grid, geometry, bands = grid_over(20, 2), Geometry(30, 150, 0, 0), ["B1", "B2"]
    truth = np.broadcast_to(np.array([[0.25, 0.2], [0.4, 0.9]])[:, :, None, None],
                            (2, 2, 10, 10)).copy()
    image = evaluate_op_maps(trace(scene, grid, geometry, samples=256, seed=7), truth,
                             bands, 0.2)[0]
    return scene, grid, geometry, bands, image


def test_trace_noise_reached_falls_as_one_over_the_square_root_of_the_samples():
    """The noise the unmixing reports is the trace's: four times the samples halve it. A
    leaf cloud over soil (multiple scattering, a noisy trace); measured ratios of the
    medians 1.88-2.14 over three seeds, so 2 +- 0.35 holds it to about 3 standard errors."""
    scene, grid, geometry, bands, image = leaf_cloud_image()
    valid = np.ones((10, 10), bool)
    reached = {}
    for samples in (64, 256):
        traced = trace(scene, grid, geometry, samples=samples, seed=2)
        result = unmix(traced, image, valid, bands, 0.2,
                       UnmixParameters(window=(3, 3), iterations=3))
        assert result.simulated_error.shape == image.shape
        reached[samples] = np.array([row[0] for row in noise_reached(
            result.simulated, result.simulated_error, image, valid)])
    assert (reached[256] > 0).all()
    np.testing.assert_allclose(reached[64] / reached[256], 2.0, atol=0.35)


def test_adaptive_sampling_traces_until_the_trace_noise_aimed_at_or_the_budget():
    """At 64 samples the leaf cloud's trace noise is about 4.5 %; aiming at 1 %, the
    1 / sqrt(samples) fall asks about 20x the samples, traced in one round up to the next
    total of 64 x 2^k (2,048), pooled with the first, and the aim is reached; a budget of 0 s
    keeps the first trace and says why."""
    from unmix3d.core.unmix.run import run_unmix, trace_noise_of

    scene, grid, geometry, bands, image = leaf_cloud_image()
    valid, skyl = np.ones((10, 10), bool), np.array([0.2, 0.2])
    lines = []
    parameters = UnmixParameters(window=(3, 3), iterations=3)
    result, traced = run_unmix(scene, grid, geometry, image, valid, bands, skyl, parameters,
                               samples=64, trace_noise=1.0, time_budget=60.0,
                               log=lines.append)
    first_noise = result.sampling.rounds[0][1]
    assert result.sampling.rounds[0][0] == 64 and first_noise > 2.0
    assert traced.samples >= 0.8 * 64 * first_noise**2  # what 1 / sqrt(N) asks for 1 %
    assert trace_noise_of(traced, valid, bands, skyl) <= 1.0
    assert result.sampling.rounds[-1] == (traced.samples, trace_noise_of(traced, valid,
                                                                         bands, skyl))
    assert "aim reached" in result.sampling.stop and lines[-1].startswith("adaptive sampling")
    # the pooled trace is a trace of all the samples: its noise fell with them
    assert result.sampling.rounds[-1][1] < first_noise / 3
    stopped, kept = run_unmix(scene, grid, geometry, image, valid, bands, skyl, parameters,
                              samples=64, trace_noise=1.0, time_budget=0.0)
    assert kept.samples == 64 and stopped.sampling.stop.startswith("time budget")


def test_adaptive_sampling_traces_a_total_as_the_same_blocks_in_one_round_or_several(
        monkeypatch):
    """A total of 64 x 2^k samples is always the blocks 64, 64, 128, ... with their own
    seeds, so the OP maps of a run do not depend on how many rounds its timing took."""
    from unmix3d.core.unmix import run

    def sample(noises):
        return _timed_sampling(monkeypatch, noises, lambda count: 0.0, 0.0, 60.0, aim=1.0)[0]

    step = run.SEED_STEP
    blocks = [(64, 2 + step), (128, 2 + 2 * step)]
    assert sample([2.0, 0.9]) == blocks  # 4x asked at once: 256 in one round
    assert sample([1.3, 1.2, 0.9]) == blocks  # 128 asked, then 256


def _timed_sampling(monkeypatch, noises, block_seconds, first_seconds, budget, aim=0.3):
    """``_sample_to_noise`` on a fake clock: each block takes ``block_seconds(count)``, the
    trace noise after each round is the next of ``noises``. Returns the blocks traced
    (count, seed), the pooled samples, the sampling record and the clock at the end."""
    from types import SimpleNamespace

    from unmix3d.core.unmix import run

    clock = [first_seconds]
    monkeypatch.setattr(run.time, "perf_counter", lambda: clock[0])
    script = iter(noises)
    monkeypatch.setattr(run, "trace_noise_of", lambda *_: next(script))
    monkeypatch.setattr(run, "pool_traces", lambda parts: SimpleNamespace(
        samples=sum(t.samples for t in parts), seconds=sum(t.seconds for t in parts)))
    calls = []

    def trace_round(count, seed):
        calls.append((count, seed))
        clock[0] += block_seconds(count)
        return SimpleNamespace(samples=count, seconds=block_seconds(count))

    sampling = run.TraceSampling(aim, budget)
    traced = run._sample_to_noise(SimpleNamespace(samples=64, seconds=first_seconds),
                                  trace_round, sampling, None, [], None, 2, 0.0, [0.0, 0.5],
                                  None)
    return calls, traced.samples, sampling, clock[0]


def test_adaptive_sampling_stops_a_round_when_the_machine_slows_down(monkeypatch):
    """The first 64 samples took 1 s of a 10 s budget: 512 in all look affordable (7 s
    more). The next block of 64 takes 5 s (the machine slowed down); at that rate (6 s per
    128 samples) the doubling block of 128 after it would not fit the 4 s left, but a
    block of 64 would (3 s): it is traced, and the run stops there on the budget, 192
    samples being still one set of blocks (64, 64, 64 with their own seeds)."""
    from unmix3d.core.unmix import run

    step = run.SEED_STEP
    calls, samples, sampling, clock = _timed_sampling(
        monkeypatch, [3.0, 2.9], lambda count: 5.0, 1.0, 10.0)
    assert calls == [(64, 2 + step), (64, 2 + 2 * step)] and samples == 192
    assert sampling.rounds == [(64, 3.0), (192, 2.9)]
    assert sampling.stop.startswith("time budget") and "largest that fitted" in sampling.stop
    assert clock == 11.0


def test_adaptive_sampling_spends_what_a_doubling_leaves_of_the_budget(monkeypatch):
    """At 1 s per 64 samples and a 7.5 s budget, 64 + 64 + 128 samples (4 s) fit and the
    doubling block of 256 (4 s more) does not: the 3.5 s left take a block of 128 (2 s),
    then one of 64 (1 s); 448 samples in blocks of 64, 64, 128, 128, 64, each with the
    next seed, and the budget is not overrun. With a 2.5 s budget even 64 more (1 s) do not fit
    after the 2 s of 128 samples: the run stops at 128 and says so."""
    from unmix3d.core.unmix import run

    step = run.SEED_STEP
    calls, samples, sampling, clock = _timed_sampling(
        monkeypatch, [3.0, 2.5], lambda count: count / 64, 1.0, 7.5, aim=0.1)
    assert calls == [(64, 2 + step), (128, 2 + 2 * step), (128, 2 + 3 * step),
                     (64, 2 + 4 * step)]
    assert samples == 448 and clock == 7.0
    assert sampling.rounds == [(64, 3.0), (448, 2.5)] and "fitted" in sampling.stop
    calls, samples, sampling, clock = _timed_sampling(
        monkeypatch, [3.0, 2.9], lambda count: count / 64, 1.0, 2.5, aim=0.1)
    assert calls == [(64, 2 + step)] and samples == 128 and clock == 2.0
    assert "64 more not affordable" in sampling.stop


def test_pseudo_inverse_diagonal_equals_that_of_the_pseudo_inverse():
    """Against ``np.linalg.pinv``: well-posed, singular (a collinear pair of gradients) and
    all-zero symmetric matrices."""
    from unmix3d.core.unmix.uncertainty import pseudo_inverse_diagonal

    rng = np.random.default_rng(8)
    a = rng.normal(size=(3, 6, 4))
    a[1, :, 3] = 2.0 * a[1, :, 2]  # rank 3
    a[2] = 0.0
    symmetric = np.einsum("nmi,nmk->nik", a, a)
    want = np.diagonal(np.linalg.pinv(symmetric, hermitian=True), axis1=-2, axis2=-1)
    np.testing.assert_allclose(pseudo_inverse_diagonal(symmetric), want, rtol=1e-8,
                               atol=1e-12)
    assert np.all(pseudo_inverse_diagonal(symmetric)[2] == 0.0)
