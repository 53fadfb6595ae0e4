"""Co-registration: known shifts recovered, uniform images refused, sign conventions."""

import numpy as np
import pytest
from scipy import ndimage

from unmix3d.core.compare.coregister import (
    apply_shift,
    dense_flow,
    estimate_shift,
    mockup_offset,
)


def _texture(n, seed=1, sigma=3.0):
    """Smooth, periodic random texture (reflectance around 0.1)."""
    rng = np.random.default_rng(seed)
    t = ndimage.gaussian_filter(rng.normal(size=(n, n)), sigma, mode="wrap")
    return 0.1 + 0.05 * t / t.std()


def _fourier_shift(image, shift):
    """Exact sub-pixel shift of a periodic image: content moves by +shift (rows, cols)."""
    return np.fft.ifftn(ndimage.fourier_shift(np.fft.fftn(image), shift)).real


SHIFTS = [(0.3, -2.7), (3.0, -3.0), (-1.5, 2.25), (2.9, 0.1), (-0.45, -1.35), (-3.0, 3.0)]


@pytest.mark.parametrize("shift", SHIFTS)
def test_recovers_known_shift_on_periodic_scene(shift):
    reference = _texture(96)
    moving = _fourier_shift(reference, shift)
    est = estimate_shift(reference, moving)
    assert est.reliable, est.reason
    # The shift to apply to the moving image undoes the applied one.
    np.testing.assert_allclose(est.shift_px, [-shift[0], -shift[1]], atol=0.1)


@pytest.mark.parametrize("shift", [(0.3, -2.7), (-2.2, 1.6)])
def test_recovers_known_shift_on_cropped_scene(shift):
    """Non-periodic edges, as in real images: crop a shifted larger scene."""
    big = _texture(192, seed=4)
    reference = big[48:144, 48:144]
    moving = _fourier_shift(big, shift)[48:144, 48:144]
    est = estimate_shift(reference, moving)
    assert est.reliable, est.reason
    np.testing.assert_allclose(est.shift_px, [-shift[0], -shift[1]], atol=0.1)


def test_recovers_shift_with_nodata_hole():
    reference = _texture(96, seed=2)
    moving = _fourier_shift(reference, (1.3, -2.4))
    moving[30:50, 40:60] = np.nan
    mask = np.zeros(reference.shape, bool)
    mask[70:80, 5:25] = True
    est = estimate_shift(reference, moving, nodata_mask=mask)
    assert est.reliable, est.reason
    np.testing.assert_allclose(est.shift_px, [-1.3, 2.4], atol=0.1)


def test_constant_image_is_too_uniform():
    flat = np.full((64, 64), 0.12)
    est = estimate_shift(flat, _texture(64))
    assert not est.reliable
    assert "too uniform" in est.reason and "reference" in est.reason
    assert np.isnan(est.shift_px).all()
    with pytest.raises(ValueError, match="Cannot co-register.*too uniform"):
        est.raise_if_unreliable()


def test_tiny_noise_is_too_uniform():
    rng = np.random.default_rng(0)
    a = 0.1 + 1e-6 * rng.normal(size=(64, 64))
    b = 0.1 + 1e-6 * rng.normal(size=(64, 64))
    est = estimate_shift(a, b)
    assert not est.reliable and "too uniform" in est.reason


def test_unrelated_scenes_have_no_clear_peak():
    est = estimate_shift(_texture(64, seed=1, sigma=2), _texture(64, seed=2, sigma=2))
    assert not est.reliable and "no clear correlation peak" in est.reason
    same = estimate_shift(_texture(64, seed=1, sigma=2), _texture(64, seed=1, sigma=2))
    assert same.reliable and same.psr > 3 * est.psr


def test_bad_inputs():
    a = _texture(32)
    with pytest.raises(ValueError, match="must share one grid"):
        estimate_shift(a, a[:, :30])
    with pytest.raises(ValueError, match="one band"):
        estimate_shift(np.stack([a, a]), np.stack([a, a]))
    with pytest.raises(ValueError, match="all NoData"):
        estimate_shift(a, np.full(a.shape, np.nan))
    with pytest.raises(ValueError, match="upsample_factor"):
        estimate_shift(a, a, upsample_factor=10)


def test_apply_shift_integer_is_exact_and_marks_nodata():
    image = _texture(32)
    out = apply_shift(image, (2, -1))
    # Content moves 2 rows down and 1 column left; what came from outside is NoData.
    np.testing.assert_allclose(out[2:, :-1], image[:-2, 1:], atol=1e-12)
    assert np.isnan(out[:2]).all() and np.isnan(out[:, -1]).all()
    mask = np.zeros(image.shape, bool)
    mask[10, 10] = True
    out = apply_shift(np.stack([image, 2 * image]), (2, -1), nodata_mask=mask)
    assert np.isnan(out[:, 12, 9]).all() and np.isfinite(out[:, 13, 9]).all()
    expected = 2 * image[:-2, 1:]
    expected[10, 9] = np.nan  # the NoData pixel (10, 10), now at (12, 9)
    np.testing.assert_allclose(out[1, 2:, :-1], expected, atol=1e-12)
    with pytest.raises(ValueError, match="two finite numbers"):
        apply_shift(image, (np.nan, 0))


def test_apply_shift_registers_the_moving_image():
    reference = _texture(96, seed=3)
    moving = _fourier_shift(reference, (1.25, -0.6))
    registered = apply_shift(moving, estimate_shift(reference, moving).shift_px)
    inner = (slice(4, -4), slice(4, -4))
    # Cubic-spline interpolation of this smooth texture: residual < 2 % of its 0.05 spread.
    assert np.nanmax(np.abs(registered[inner] - reference[inner])) < 1e-3
    assert np.abs(moving[inner] - reference[inner]).max() > 0.02


def test_mockup_offset_moves_the_mockup_onto_the_image():
    """A mock-up displaced by (ex, ey) metres must be moved back by (-ex, -ey)."""
    rng = np.random.default_rng(5)
    k = rng.normal(0, 0.1, (24, 2))  # spatial frequencies, rad / m (wavelengths ~60 m)
    phase = rng.uniform(0, 2 * np.pi, 24)

    def scene(x, y):
        return 0.1 + 0.01 * np.cos(k[:, 0] * x[..., None] + k[:, 1] * y[..., None] + phase).sum(-1)

    gt = (500_000.0, 3.0, 0.0, 5_600_000.0, 0.0, -3.0)  # north-up, 3 m pixels
    cols, rows = np.meshgrid(np.arange(96) + 0.5, np.arange(96) + 0.5)
    x = gt[0] + cols * gt[1]
    y = gt[3] + rows * gt[5]
    ex, ey = 4.2, -2.7  # metres east, north
    satellite = scene(x, y)
    simulated = scene(x - ex, y - ey)  # the scene as rendered from the displaced mock-up
    est = estimate_shift(reference=satellite, moving=simulated)
    assert est.reliable, est.reason
    dx_m, dy_m = mockup_offset(est.shift_px, gt)
    assert dx_m == pytest.approx(-ex, abs=0.1 * 3.0)
    assert dy_m == pytest.approx(-ey, abs=0.1 * 3.0)
    assert mockup_offset((1.0, 2.0), gt) == (6.0, -3.0)
    with pytest.raises(ValueError, match="6 numbers"):
        mockup_offset((1.0, 2.0), gt[:4])


@pytest.mark.parametrize("method", ["tvl1", "ilk"])
def test_dense_flow_agrees_with_global_shift(method):
    reference = _texture(64, seed=6)
    moving = 2.0 * _fourier_shift(reference, (1.0, -2.0)) + 0.3  # other radiometry
    flow = dense_flow(reference, moving, method=method)
    assert flow.shape == (2, 64, 64)
    inner = flow[:, 12:-12, 12:-12]
    np.testing.assert_allclose(np.median(inner, axis=(1, 2)), [-1.0, 2.0], atol=0.1)
    with pytest.raises(ValueError, match="Unknown optical-flow method"):
        dense_flow(reference, moving, method="gefolki")
