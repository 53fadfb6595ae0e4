"""Comparison metrics against independent numpy / imagehash computations."""

import imagehash
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from unmix3d.core.compare.metrics import (
    HASH_NAMES,
    band_pair_metrics,
    class_error_table,
    compare_images,
    duplicate_to_finer_grid,
    duplicate_to_shape,
    relative_error_maps,
    to_uint8_pair,
)
from unmix3d.core.compare.sensors import pair_bands


def _texture(shape, seed, sigma=2.0):
    rng = np.random.default_rng(seed)
    t = ndimage.gaussian_filter(rng.normal(size=shape), sigma)
    return 0.15 + 0.05 * t / t.std()


@pytest.fixture
def pair():
    """Band A, band B = brighter noisy A, NoData mask and a NaN in B."""
    rng = np.random.default_rng(7)
    a = _texture((48, 40), 1)
    b = 1.08 * a + 0.01 + rng.normal(0, 0.01, a.shape)
    mask = np.zeros(a.shape, dtype=bool)
    mask[:5, :7] = True
    b[20, 20] = np.nan
    return a, b, mask


def _reference_u8(a, b, valid):
    """The documented scaling, written independently: pooled 0.5/99.5 percentiles."""
    lo, hi = np.percentile(np.r_[a[valid], b[valid]], [0.5, 99.5])
    out = []
    for x in (a, b):
        x = x.copy()
        x[~valid] = np.median(x[valid])
        out.append(np.round(np.clip((x - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8))
    return out


def _reference_hashes(ua, ub):
    ia, ib = Image.fromarray(ua), Image.fromarray(ub)
    funcs = [
        imagehash.average_hash,
        imagehash.phash,
        imagehash.dhash,
        lambda im: imagehash.whash(im, mode="haar"),
        lambda im: imagehash.whash(im, mode="db4"),
    ]
    # hash bits = the hash's size: 64, except db4 (pywt's boundary extension: 14 x 14 here)
    return [1 - (f(ia) - f(ib)) / f(ia).hash.size for f in funcs]


def test_amd_residuals_medians_match_numpy(pair):
    a, b, mask = pair
    m = band_pair_metrics(a, b, mask, "B4-red")
    valid = ~mask & np.isfinite(b)
    d = b[valid] - a[valid]
    assert m.n_valid == a.size - 35 - 1
    assert m.amd == pytest.approx(np.abs(d).mean(), rel=1e-12)
    assert m.mean_residual == pytest.approx(d.mean(), rel=1e-12)
    assert m.median_residual == pytest.approx(np.median(d), rel=1e-12)
    assert m.median_a == pytest.approx(np.median(a[valid]), rel=1e-12)
    assert m.median_b == pytest.approx(np.median(b[valid]), rel=1e-12)
    assert m.mean_residual > 0  # B is the brighter image: residual = B - A
    assert m.label == "B4-red"


def test_hash_similarities_equal_imagehash(pair):
    a, b, mask = pair
    valid = ~mask & np.isfinite(b)
    ua, ub = _reference_u8(a, b, valid)
    got_a, got_b = to_uint8_pair(a, b, valid)
    np.testing.assert_array_equal(got_a, ua)
    np.testing.assert_array_equal(got_b, ub)
    m = band_pair_metrics(a, b, mask)
    expected = _reference_hashes(ua, ub)
    assert [m.hash_similarity[h] for h in HASH_NAMES] == pytest.approx(expected, abs=0)
    assert m.hash_sum == pytest.approx(sum(expected), abs=1e-12)


def test_unrelated_and_identical_images():
    a = _texture((64, 64), 1)
    same = band_pair_metrics(a, a.copy())
    assert same.amd == 0 and same.hash_sum == 5.0
    other = band_pair_metrics(a, _texture((64, 64), 2))
    ua, ub = _reference_u8(a, _texture((64, 64), 2), np.ones(a.shape, bool))
    assert [other.hash_similarity[h] for h in HASH_NAMES] == pytest.approx(
        _reference_hashes(ua, ub), abs=0
    )
    assert other.hash_sum < same.hash_sum - 1.0


def test_same_scaling_for_both_images():
    a = _texture((32, 32), 3)
    ua, ub = to_uint8_pair(a, a + 0.05, np.ones(a.shape, bool))
    # One scale for both: the brighter image must come out brighter, not re-stretched.
    assert ub.mean() > ua.mean() + 30


def test_compare_images_uses_pair_indices():
    a_stack = np.stack([_texture((24, 24), s) for s in range(13)])  # S2 bands B1..B12
    b_stack = np.stack([_texture((24, 24), 100 + s) for s in range(8)])  # SuperDove
    pairs = pair_bands("sentinel2", "planetscope_superdove")
    results = compare_images(a_stack, b_stack, pairs)
    assert [r.label for r in results] == [p.label for p in pairs]
    for p, r in zip(pairs, results, strict=True):
        d = b_stack[p.index_b] - a_stack[p.index_a]
        assert r.amd == pytest.approx(np.abs(d).mean(), rel=1e-12)
        assert r.median_residual == pytest.approx(np.median(d), rel=1e-12)
    nir = results[-1]
    assert nir.label == "B8A-NIR"
    assert nir.median_a == pytest.approx(np.median(a_stack[8]), rel=1e-12)  # B8A is band 9


def test_bad_inputs_raise_clear_errors():
    a = _texture((16, 16), 1)
    with pytest.raises(ValueError, match=r"'B3-green'.*\(16, 16\) and \(16, 15\)"):
        band_pair_metrics(a, a[:, :15], label="B3-green")
    with pytest.raises(ValueError, match="No valid pixel in band 'B2-blue'"):
        band_pair_metrics(a, np.full(a.shape, np.nan), label="B2-blue")
    with pytest.raises(ValueError, match="No valid pixel"):
        band_pair_metrics(a, a, np.ones(a.shape, bool), label="B4-red")
    pairs = pair_bands("sentinel2", "planetscope_superdove", "B2:2,B3:4")
    with pytest.raises(ValueError, match=r"'B2-blue' needs band 2 of image B, which has 1 band"):
        compare_images(np.stack([a] * 13), a, pairs)
    with pytest.raises(ValueError, match="single band"):
        band_pair_metrics(np.stack([a, a]), np.stack([a, a]))
    with pytest.raises(ValueError, match="No band pair"):
        compare_images(a, a, [])


def test_duplicate_to_finer_grid_is_pixel_duplication():
    coarse = np.arange(12.0).reshape(3, 4)
    fine = duplicate_to_finer_grid(coarse, 3, 2)
    assert fine.shape == (9, 8)
    for r in range(9):
        for c in range(8):
            assert fine[r, c] == coarse[r // 3, c // 2]
    stack = np.stack([coarse, -coarse])
    np.testing.assert_array_equal(
        duplicate_to_finer_grid(stack, 2, 2), np.kron(stack, np.ones((1, 2, 2)))
    )
    with pytest.raises(ValueError, match="factor_x"):
        duplicate_to_finer_grid(coarse, 2, 1.5)
    with pytest.raises(ValueError, match="factor_y"):
        duplicate_to_finer_grid(coarse, 0, 2)


def test_duplicate_to_shape_non_integer_ratio():
    coarse = np.arange(9.0).reshape(3, 3)  # e.g. 3 S2 pixels of 10 m = 30 m
    np.testing.assert_array_equal(
        duplicate_to_shape(coarse, (6, 9)), duplicate_to_finer_grid(coarse, 2, 3)
    )
    fine = duplicate_to_shape(coarse, (10, 10))  # 10 PlanetScope pixels of 3 m
    centres = (np.arange(10) + 0.5) * 3.0  # metres
    owner = (centres // 10.0).astype(int)
    np.testing.assert_array_equal(fine, coarse[owner][:, owner])
    with pytest.raises(ValueError, match="not finer"):
        duplicate_to_shape(coarse, (2, 9))


def test_relative_error_maps_and_class_table():
    rng = np.random.default_rng(3)
    sat = rng.uniform(0.05, 0.4, (2, 20, 20))
    sim = sat * (1 + rng.normal(0, 0.05, sat.shape))
    sat[0, 0, 0] = 0.0
    mask = np.zeros((20, 20), bool)
    mask[5, 5] = True
    err = relative_error_maps(sim, sat, mask)
    expected = np.abs(sim - sat) / np.where(sat > 0, sat, 1)
    ok = np.ones(sat.shape, bool)
    ok[0, 0, 0] = False
    ok[:, 5, 5] = False
    np.testing.assert_allclose(err[ok], expected[ok], rtol=1e-14)
    assert np.isnan(err[~ok]).all()

    frac = np.zeros((3, 20, 20))
    frac[0, :, :10] = 0.95  # ground dominant on the left half
    frac[1, :, :10] = 0.05
    frac[1, :, 10:] = 0.6  # vegetation dominant on the right half (>= 0.5)
    frac[0, :, 10:] = 0.4
    rows = class_error_table(err, frac, ["ground", "vegetation", "water"], ["B4", "B8"])
    assert [(r.band, r.element) for r in rows][:3] == [
        ("B4", "ground"),
        ("B4", "vegetation"),
        ("B4", "water"),
    ]
    for row in rows:
        b = ["B4", "B8"].index(row.band)
        e = ["ground", "vegetation", "water"].index(row.element)
        values = err[b][(frac[e] >= 0.5) & np.isfinite(err[b])]
        assert row.n_pixels == values.size
        if values.size:
            q25, q50, q75 = np.percentile(values, [25, 50, 75])
            assert row.mean == pytest.approx(values.mean(), rel=1e-12)
            assert row.median == pytest.approx(q50, rel=1e-12)
            assert row.iqr == pytest.approx(q75 - q25, rel=1e-12)
        else:
            assert np.isnan(row.mean) and np.isnan(row.median) and np.isnan(row.iqr)
    assert rows[2].n_pixels == 0  # no water pixel
    pure = class_error_table(err, frac, ["ground", "vegetation", "water"], threshold=0.9)
    assert pure[1].n_pixels == 0 and pure[0].n_pixels == 20 * 10 - 2  # (0,0) and (5,5)
    with pytest.raises(ValueError, match="2 element names for 3 fraction layers"):
        class_error_table(err, frac, ["ground", "vegetation"])
    with pytest.raises(ValueError, match="differ in shape"):
        relative_error_maps(sim, sat[:, :, :10])
