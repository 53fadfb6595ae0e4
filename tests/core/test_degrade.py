import numpy as np
import pytest

from unmix3d.core.degrade import block_mean, degraded_geotransform


def test_block_means_equal_explicit_loops():
    rng = np.random.default_rng(1)
    image = rng.random((3, 7, 9))
    valid = rng.random(image.shape) > 0.2
    means, ok = block_mean(image, valid, 3, min_valid=0.4)
    assert means.shape == (3, 3, 3)
    for b in range(3):
        for i in range(3):
            for j in range(3):
                block = image[b, 3 * i : 3 * i + 3, 3 * j : 3 * j + 3]
                block_valid = valid[b, 3 * i : 3 * i + 3, 3 * j : 3 * j + 3]
                expected_ok = block_valid.sum() >= 0.4 * 9
                assert ok[b, i, j] == expected_ok
                if expected_ok:
                    assert means[b, i, j] == pytest.approx(block[block_valid].mean(), rel=1e-12)


def test_partial_edge_blocks_count_missing_pixels_as_invalid():
    image = np.ones((1, 5, 5))
    valid = np.ones_like(image, dtype=bool)
    means, ok = block_mean(image, valid, 2, min_valid=0.5)
    assert means.shape == (1, 3, 3)
    assert ok[0, :2, :2].all()
    assert ok[0, 2, :2].all() and ok[0, :2, 2].all()  # half-covered: 2 of 4 valid
    assert not ok[0, 2, 2]  # corner: 1 of 4 valid
    _, ok_strict = block_mean(image, valid, 2, min_valid=0.75)
    assert not ok_strict[0, 2, :].any()


def test_factor_one_is_identity():
    image = np.arange(12.0).reshape(1, 3, 4)
    means, ok = block_mean(image, np.ones_like(image, dtype=bool), 1)
    np.testing.assert_array_equal(means, image)
    assert ok.all()


@pytest.mark.parametrize(
    "factor, message", [(0, "FACTOR"), (-2, "FACTOR"), (4, "smaller than one 4 x 4 block")]
)
def test_bad_factor_is_named(factor, message):
    image = np.ones((1, 3, 3))
    with pytest.raises(ValueError, match=message):
        block_mean(image, np.ones_like(image, dtype=bool), factor)


def test_geotransform_keeps_origin():
    assert degraded_geotransform((500000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0), 3) == (
        500000.0, 30.0, 0.0, 4800000.0, 0.0, -30.0)
