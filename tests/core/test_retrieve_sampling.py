"""Adaptive sampling of unmix3d:retrieve (issue 15): traces of several seeds pool into one
trace of all their samples, and retrieval traces more until the targeted standard errors
reach the precision asked, stopping where the image's noise or the time budget limits it."""

import numpy as np
import pytest

from unmix3d.core.retrieve import virtual
from unmix3d.core.retrieve.run import Acquisition, pool_traces, run_retrieve, std_aim, targeted
from unmix3d.core.simulate import Geometry, trace

BANDS = list(virtual.URBAN_BANDS)
NADIR = Geometry(30.0, 150.0, 0.0, 0.0)
PIXEL = 1.0  # coarser pixels mix walls and leaves too much to retrieve them at all


@pytest.fixture(scope="module")
def urban():
    scene = virtual.crowns_over_buildings()
    truth = virtual.urban_truth_variables(scene)
    skyl = virtual.urban_skyl(30.0)
    grid = virtual.urban_grid(PIXEL)
    image, _ = trace(scene, grid, NADIR, samples=512, seed=900).reflectance(truth, skyl)
    return scene, truth, skyl, grid, image


def test_pooled_traces_are_the_sample_weighted_mean_with_their_standard_error(urban):
    """Pooling is linear in the coefficients: the pooled image and gradients are exactly the
    sample-weighted means of the parts'; its batches hold all samples, so its variance
    estimate has the expectation w1^2 s1^2 + w2^2 s2^2 (checked 4 sigma over the pixels)."""
    scene, truth, skyl, grid, _ = urban
    a = trace(scene, grid, NADIR, samples=32, seed=1)
    b = trace(scene, grid, NADIR, samples=96, seed=2)
    pooled = pool_traces([a, b])
    assert pooled.samples == 128
    (ia, ea), (ib, eb), (ip, ep) = (t.reflectance(truth, skyl) for t in (a, b, pooled))
    np.testing.assert_allclose(ip, 0.25 * ia + 0.75 * ib, rtol=0, atol=1e-13)
    gradients = [t.polynomials.gradients(truth, skyl) for t in (a, b, pooled)]
    np.testing.assert_allclose(gradients[2], 0.25 * gradients[0] + 0.75 * gradients[1],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(pooled.fractions, 0.25 * a.fractions + 0.75 * b.fractions,
                               atol=1e-15)
    difference = (ep**2 - (0.0625 * ea**2 + 0.5625 * eb**2)).ravel()
    scale = (0.0625 * ea**2 + 0.5625 * eb**2).mean()
    assert scale > 0
    assert abs(difference.mean()) <= 4 * difference.std(ddof=1) / np.sqrt(difference.size)


def acquisition(urban):
    scene, truth, skyl, grid, image = urban
    return Acquisition(grid, NADIR, image, np.ones(image.shape[1:], bool), skyl)


def test_adaptive_sampling_traces_more_until_the_precision_is_reached(urban):
    """At 128 samples the largest targeted standard error is above the aim; adaptive sampling
    traces more rounds until it is below (and every targeted quantity is then within 4
    standard errors of the truth); with PRECISION 0 one trace is all."""
    scene, truth, skyl, grid, image = urban
    precision = 0.04
    once, _ = run_retrieve(scene, [acquisition(urban)], BANDS, samples=128, seed=1000,
                           intervals="sandwich")
    assert once.samples == 128 and not once.sampling.rounds
    assert max(s for _, s in targeted(scene, once)) > std_aim(precision)
    lines = []
    result, traces = run_retrieve(scene, [acquisition(urban)], BANDS, samples=128,
                                  seed=1000, intervals="sandwich", precision=precision,
                                  log=lines.append)
    sampling = result.sampling
    print(lines)
    assert sampling.reached and "precision reached" in sampling.stop
    assert len(sampling.rounds) >= 2
    counts = [r.samples for r in sampling.rounds]
    assert counts == sorted(set(counts)) and counts[0] == 128
    assert result.samples == counts[-1] == traces[0].samples
    assert max(s for _, s in targeted(scene, result)) <= std_aim(precision)
    assert len(lines) == len(sampling.rounds) + 1 and "precision reached" in lines[-1]
    for row in result.quantities:
        element = scene.elements.elements[scene.elements.index(row["element"])]
        if row["quantity"] == "albedo" or not element.translucent:
            e, b = scene.elements.index(row["element"]), BANDS.index(row["band"])
            true = truth[b, scene.var_r[e]] + (truth[b, scene.var_t[e]]
                                               if row["quantity"] == "albedo" else 0.0)
            assert abs(row["value"] - true) <= 4 * row["std"] + 1e-4, row


def test_adaptive_sampling_stops_where_the_image_noise_limits_it(urban):
    """An image with noise of its own (0.03 per pixel and band, far above the aim's 0.005):
    more samples cannot bring the standard error down to the aim; once a fit says so, one
    round of twice the samples checks it, then it stops instead of tracing to MAX_SAMPLES."""
    scene, truth, skyl, grid, image = urban
    noisy = image + np.random.default_rng(5).normal(0.0, 0.03, image.shape)
    observed = Acquisition(grid, NADIR, noisy, np.ones(image.shape[1:], bool), skyl)
    result, _ = run_retrieve(scene, [observed], BANDS, samples=64, seed=1000,
                             intervals="sandwich", precision=0.01)
    assert "image's own noise" in result.sampling.stop
    counts = [r.samples for r in result.sampling.rounds]
    assert not result.sampling.reached and len(counts) == 3, counts
    assert counts[2] == 2 * counts[1]  # the one round checking the fit


def test_adaptive_sampling_keeps_to_the_time_budget(urban):
    """A budget of 0 s: the first trace only, and the stop names the budget."""
    scene = urban[0]
    result, _ = run_retrieve(scene, [acquisition(urban)], BANDS, samples=32, seed=1000,
                             intervals="sandwich", precision=0.01, time_budget=0.0)
    assert result.samples == 32 and "time budget" in result.sampling.stop
