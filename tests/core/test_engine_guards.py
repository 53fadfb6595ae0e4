"""Guards of the engine against silent wrong answers: pixels beyond the mock-up, registration
over relief, lost paths, memory, and the calibration of the reported standard error."""

import numpy as np
import pytest
from scenes import X0, Y0, box_faces, build, rectangle, table

from unmix3d.core.forward import simulate_products
from unmix3d.core.simulate import Geometry, PixelGrid, grid_coverage, trace


def small_block_scene():
    """A 50 m mock-up: ground with a 10 m x 10 m flat-roofed block at its centre."""
    roof, walls = box_faces(X0 + 20, Y0 + 20, X0 + 30, Y0 + 30, 0.0, 5.0)
    parts = {"ground": rectangle(X0, Y0, X0 + 50, Y0 + 50, 0.0), "roof": roof,
             "wall": walls}
    return build(parts, table(("ground", "opaque", {"B1": 0.2}, None),
                              ("roof", "opaque", {"B1": 0.5}, None),
                              ("wall", "opaque", {"B1": 0.3}, None)))


@pytest.mark.parametrize("periodic", [True, False])
def test_pixels_beyond_the_mockup_are_nodata(periodic):
    """A 50 m mock-up under a 150 m grid: a periodic boundary showed 9 roofs (its copies),
    an open one an empty void; only the 5 x 5 pixels over the mock-up are the scene."""
    scene = small_block_scene()
    grid = PixelGrid(X0 - 50, Y0 + 100, 10, 10, 15, 15)
    result = trace(scene, grid, Geometry(30, 150), samples=16, seed=3, periodic=periodic)
    expected = np.zeros((15, 15), bool)
    expected[5:10, 5:10] = True
    np.testing.assert_array_equal(result.covered, expected)
    image, error = result.reflectance(np.array([[0.2, 0.5, 0.3]]), 0.2)
    assert np.isnan(image[0][~expected]).all() and np.isfinite(image[0][expected]).all()
    assert np.isnan(error[0][~expected]).all()
    # one roof of 10 m x 10 m: one pixel's worth of roof in the whole image, none replicated
    assert result.fractions[1].sum() == pytest.approx(1.0, abs=1e-9)
    assert result.fractions[1][~expected].sum() == 0.0
    products = simulate_products(scene, grid, Geometry(30, 150), ["B1"], np.array([0.2]),
                                 samples=4, seed=3, periodic=periodic)
    assert np.isnan(products.reflectance[0][~expected]).all()
    assert np.isnan(products.fractions[:, ~expected]).all()


def test_coverage_tolerates_float32_edges_and_refuses_a_grid_off_the_mockup():
    scene = small_block_scene()
    exact = PixelGrid(X0, Y0 + 50, 10, 10, 5, 5)
    assert grid_coverage(scene, exact).all()
    shifted = PixelGrid(X0 + 0.5, Y0 + 50, 10, 10, 5, 5)  # last column passes the edge
    assert grid_coverage(scene, shifted).sum() == 20
    straddling = PixelGrid(X0 + 45, Y0 + 50, 10, 10, 5, 1)
    with pytest.raises(ValueError, match=r"no pixel lies wholly over the mock-up.*x 500000\.0 "
                                         r"to 500050\.0.*grid spans x 500045\.0 to 500055\.0"):
        trace(scene, straddling, Geometry(30, 150), samples=4)
