"""The retrieval's standard errors with fewer pixels than unknowns (Sentinel-2's 10 m over a
small scene): the pixel scores alone give the sandwich's middle term a rank below the
number of unknowns, so a noise model takes its place (``uncertainty.middle_term``). Checked
against an independent answer: the spread of the estimates over independent traces and
image noise."""

import numpy as np
from scenes import X0, Y0, box_faces, build, grid_over, rectangle, table

from unmix3d.core.retrieve import uncertainty
from unmix3d.core.retrieve.model import View, retrieve
from unmix3d.core.retrieve.report import result_html
from unmix3d.core.simulate import Geometry, trace

BANDS = ["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12"]
GEOMETRY = Geometry(30.0, 150.0, 20.0, 100.0)
SKYL = np.full(len(BANDS), 0.15)
#: The image's own noise: 0.004 per band, correlated 0.7 between bands, the same for every
#: pixel (the noise model's remainder); the traces' Monte Carlo noise is about 0.003.
IMAGE_NOISE = np.linalg.cholesky(0.004**2 * (0.7 + 0.3 * np.eye(len(BANDS))))


def ground_and_building():
    """A 20 m periodic block: ground and one 6 m building (roof and walls one element)."""
    roof, walls = box_faces(X0 + 3, Y0 + 4, X0 + 11, Y0 + 12, 0.0, 6.0)
    parts = {"ground": rectangle(X0, Y0, X0 + 20, Y0 + 20, 0.0), "roof": roof + walls}
    start = dict.fromkeys(BANDS, 0.2)
    scene = build(parts, table(("ground", "opaque", start, None),
                               ("roof", "opaque", start, None)))
    r = np.column_stack([np.linspace(0.10, 0.30, len(BANDS)),
                         np.linspace(0.25, 0.15, len(BANDS))])
    return scene, scene.variables(r, np.zeros_like(r))


def replicates(count: int):
    """The scene, its truth, and ``count`` views, each with a new model trace and new image
    noise on a nearly exact image (4096 samples per pixel)."""
    scene, truth = ground_and_building()
    grid = grid_over(20, 5.0)  # 16 pixels for 2 elements x 10 bands = 20 unknowns
    exact, _ = trace(scene, grid, GEOMETRY, samples=4096, seed=1).reflectance(truth, SKYL)
    rng = np.random.default_rng(5)
    views = []
    for k in range(count):
        model = trace(scene, grid, GEOMETRY, samples=64, seed=100 + k, batches=16)
        noise = IMAGE_NOISE @ rng.standard_normal((len(BANDS), exact[0].size))
        views.append(View(model.polynomials, exact + noise.reshape(exact.shape),
                          np.ones(exact.shape[1:], bool), SKYL))
    return scene, truth, views


def squared_z(scene, truth, views):
    """Per view: the mean over unknowns of ((estimate - truth) / standard error)^2, and
    the first view's result."""
    out, first = [], None
    for view in views:
        result = retrieve(scene, [view], BANDS, intervals="sandwich")
        true = np.array([truth[BANDS.index(p.band), scene.variable_names.index(
            f"{p.element}:r")] for p in result.parameters])
        out.append(np.mean(((result.values - true) / result.std) ** 2))
        first = result if first is None else first
    return np.array(out), first


def test_few_pixels_standard_errors_describe_the_errors(monkeypatch):
    scene, truth, views = replicates(60)
    z2, first = squared_z(scene, truth, views)
    rms = float(np.sqrt(z2.mean()))
    print(f"\nRMS of error / standard error over 60 replicates: {rms:.3f}")
    # the warning and the report say what the standard errors rest on
    assert [w[:25] for w in first.warnings] == ["16 pixels for 20 unknowns"], first.warnings
    report = result_html(first, [views[0].image], ["image"], {})
    assert "sandwich: 0% pixel scores, 100% noise model (16 pixels for 20 unknowns)" in report
    # calibrated standard errors: 1, or sqrt(14 / 12) = 1.08 for variances estimated with
    # the 14 residual degrees of freedom per band of 16 pixels; 60 replicates spread it by
    # about +-0.06 (one standard deviation, bootstrap)
    assert 0.85 <= rms <= 1.3, rms

    # the pixel scores alone (the middle term before the noise model) are too narrow
    def scores_only(layout, data, x, chains, n_obs, free):
        scores = uncertainty.score_outer(layout, data, x, chains, n_obs)
        return (scores * n_obs / (n_obs - free.size),
                uncertainty.MiddleTerm(["all"], [0.0], [16], [free.size]))

    monkeypatch.setattr(uncertainty, "middle_term", scores_only)
    z2_scores, _ = squared_z(scene, truth, views)
    rms_scores = float(np.sqrt(z2_scores.mean()))
    print(f"the same with the pixel scores alone: {rms_scores:.3f}")
    assert rms_scores > 1.3, rms_scores
