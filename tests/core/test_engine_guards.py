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


def plateau_scene():
    """A 100 m ground with a 40 m x 40 m plateau raised 50 m (cliffs are ground too) and a
    10 m x 10 m marker lying on the plateau at x 40-50 m, y 50-60 m."""
    low, high, top = 30.0, 70.0, 50.0
    ring = [rectangle(X0, Y0, X0 + 100, Y0 + low, 0.0), rectangle(X0, Y0 + high, X0 + 100,
                                                                   Y0 + 100, 0.0),
            rectangle(X0, Y0 + low, X0 + low, Y0 + high, 0.0),
            rectangle(X0 + high, Y0 + low, X0 + 100, Y0 + high, 0.0)]
    plateau, cliffs = box_faces(X0 + low, Y0 + low, X0 + high, Y0 + high, 0.0, top)
    ground = [t for part in ring for t in part] + plateau + cliffs
    parts = {"ground": ground, "marker": rectangle(X0 + 40, Y0 + 50, X0 + 50, Y0 + 60,
                                                    top + 0.01)}
    return build(parts, table(("ground", "opaque", {"B1": 0.2}, None),
                              ("marker", "opaque", {"B1": 0.6}, None)))


@pytest.mark.parametrize("view_azimuth", [90.0, 200.0])
def test_marker_on_a_plateau_lands_in_its_pixel_under_an_oblique_view(view_azimuth):
    """Orthorectified pixels lie on the terrain: seen 45 degrees off nadir, a marker 50 m up
    must fill the pixel over it, not one 50 m towards the sensor (a plane at the lowest
    point shifts it by h * tan(45) = 5 pixels)."""
    from unmix3d.core.simulate import terrain_heights

    scene = plateau_scene()
    grid = PixelGrid(X0, Y0 + 100, 10, 10, 10, 10)
    heights = terrain_heights(scene, grid, ["ground"])
    expected = np.zeros((10, 10))
    expected[3:7, 3:7] = 50.0
    np.testing.assert_allclose(heights, expected, atol=1e-4)
    geometry = Geometry(30, 150, 45, view_azimuth)
    result = trace(scene, grid, geometry, samples=16, seed=5, reference_height=heights,
                   periodic=False)
    marker = result.fractions[1]
    assert marker[4, 4] == pytest.approx(1.0, abs=0.01)  # 0.01 m above the terrain
    marker[4, 4] = 0.0
    # no other plateau pixel sees it; plain pixels may (layover: the plateau hides their
    # terrain from the sensor), never with the sensor to the east of the plateau's west half
    assert marker[heights > 25].max() == 0.0
    if view_azimuth == 90.0:
        assert marker.max() == 0.0
    flat = trace(scene, grid, geometry, samples=16, seed=5, periodic=False)  # a plane at 0 m
    assert flat.fractions[1][4, 4] == 0.0


def test_terrain_is_filled_where_none_lies_under_a_pixel_and_named_when_unknown():
    scene = plateau_scene()
    grid = PixelGrid(X0 + 40, Y0 + 60, 10, 10, 1, 1)  # exactly over the marker
    with pytest.raises(ValueError, match="terrain element.*meadow.*ground, marker"):
        terrain_heights_of(scene, grid, ["meadow"])
    np.testing.assert_allclose(terrain_heights_of(scene, grid, ["ground"]), 50.0, atol=1e-4)
    holey = build({"ground": rectangle(X0, Y0, X0 + 10, Y0 + 20, 3.0),
                   "roof": rectangle(X0, Y0 + 20, X0 + 10, Y0 + 30, 9.0)},
                  table(("ground", "opaque", {"B1": 0.2}, None),
                        ("roof", "opaque", {"B1": 0.4}, None)))
    column = PixelGrid(X0, Y0 + 30, 10, 10, 3, 1)  # the top pixel has no ground under it
    np.testing.assert_allclose(terrain_heights_of(holey, column, ["ground"])[:, 0], 3.0,
                               atol=1e-4)


def terrain_heights_of(scene, grid, names):
    from unmix3d.core.simulate import terrain_heights

    return terrain_heights(scene, grid, names)


def turbid_box_scene(parts_boxes, density, size, lad="spherical", soil=0.2):
    """Ground plus turbid volumes (closed boxes, one part each) of one medium."""
    from scenes import closed_box

    parts = {"ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0)}
    for k, bounds in enumerate(parts_boxes):
        parts[f"canopy_{k}"] = closed_box(*bounds)
    elements = table(("ground", "opaque", {"B1": soil}, None),
                     ("canopy", "turbid", {"B1": 0.9}, 1.0))
    elements.elements[1].patterns = ["canopy_*"]
    elements.elements[1].leaf_area_density = [("*", density)]
    elements.elements[1].lad = [("*", lad)]
    return build(parts, elements)


def test_a_medium_touching_the_periodic_box_keeps_its_membership():
    """A slab filling the whole tile (its sides on the periodic box's planes, as a DART plot
    filling the scene): a wrap through a side face found or missed at random used to switch
    the medium off (a third of the paths clamped, soil BRF 6 % = 30 sigma too bright). Black
    leaves: soil BRF = rho exp(-G L / mu0) exp(-G L / muv) exactly."""
    import math

    from unmix3d.core.simulate import SEAM_PAD

    lai, size = 2.0, 20.0
    scene = turbid_box_scene([(X0, Y0, X0 + size, Y0 + size, 0.05, 1.05)], lai, size)
    geometry = Geometry(35, 20, 25, 250)
    result = trace(scene, PixelGrid(X0, Y0 + size, 2, 2, 10, 10), geometry, samples=32,
                   seed=8)
    assert result.path_counts == {"lost": 0, "dropped": 0, "clamped": 0}
    image, error = result.reflectance(scene.variables(np.array([[1.0, 0.0]]),
                                                      np.array([[0.0, 0.0]])), 0.0)
    depth = 0.5 * lai / geometry.sun[2] + 0.5 * lai / geometry.view[2]
    exact = math.exp(-depth)
    mean, mean_error = image.mean(), np.sqrt((error**2).sum()) / error.size
    seam = 2 * depth * 4 * SEAM_PAD / size * exact  # the medium-free seam around the tile
    assert abs(mean - exact) <= 3 * mean_error + seam, (mean, exact, mean_error)


def test_paths_beyond_the_stretch_limit_and_clamped_crossings_are_counted():
    from unmix3d.core.raytrace.integrator import MAX_STRETCHES
    from unmix3d.core.simulate import LOST_PATH_WARNING

    # ten thin, sparse vertical sheets of leaves per metre: a grazing view crosses ~570
    # stretches before the ground, more than MAX_STRETCHES; such paths end, counted
    sheets = [(X0 + 0.05 + 0.1 * k, Y0 + 0.01, 1.0, X0 + 0.1 + 0.1 * k, Y0 + 0.99, 1.0)
              for k in range(10)]
    sheets = [(x0, y0, x1, y1, 0.0, 1.0) for x0, y0, _, x1, y1, _ in sheets]
    scene = turbid_box_scene(sheets, 0.01, 1.0)
    grazing = Geometry(30, 0, 89.0, 90.0)
    result = trace(scene, PixelGrid(X0, Y0 + 1, 1, 1, 1, 1), grazing, samples=16, seed=1)
    assert 57 * 10 > MAX_STRETCHES
    assert result.path_counts["dropped"] == 16 and result.traced_paths == 16
    assert result.wrong_path_share > LOST_PATH_WARNING
    nadir = trace(scene, PixelGrid(X0, Y0 + 1, 1, 1, 1, 1), Geometry(30, 0), samples=16)
    assert nadir.path_counts["dropped"] == 0
    # a boundary face wound the wrong way (as if its crossing were missed): clamped, counted
    slab = turbid_box_scene([(X0 + 1, Y0 + 1, X0 + 9, Y0 + 9, 0.1, 1.1)], 1.0, 10.0)
    top = np.flatnonzero((slab.triangle_medium >= 0) & (slab.normals[:, 2] > 0.5))
    slab.normals[top] *= -1.0
    broken = trace(slab, PixelGrid(X0 + 2, Y0 + 8, 1, 1, 6, 6), Geometry(30, 0), samples=16)
    assert broken.path_counts["clamped"] > 0.5 * broken.traced_paths
    fine = trace(turbid_box_scene([(X0 + 1, Y0 + 1, X0 + 9, Y0 + 9, 0.1, 1.1)], 1.0, 10.0),
                 PixelGrid(X0 + 2, Y0 + 8, 1, 1, 6, 6), Geometry(30, 0), samples=16)
    assert fine.path_counts == {"lost": 0, "dropped": 0, "clamped": 0}


def test_standard_error_is_calibrated_and_has_enough_degrees_of_freedom():
    """The forward model as users run it: over 20 independent seeds, the spread of each
    pixel's value is what its reported standard error says (pooled variance ratio within
    chi-square bounds), and the reported variance itself varies as a chi-square with at
    least 8 degrees of freedom (4 batches gave 3: var(s^2) / E(s^2)^2 = 2 / dof = 0.67)."""
    from scenes import grid_over, leaf_cloud_scene
    from scipy.stats import chi2

    scene = leaf_cloud_scene()
    x = scene.variables(np.array([[0.25, 0.2]]), np.array([[0, 0.15]]))
    seeds = 20
    values, variances = [], []
    for seed in range(seeds):
        products = simulate_products(scene, grid_over(20, 4), Geometry(30, 150, 10, 0),
                                     ["B1"], np.array([0.2]), samples=64, seed=500 + seed)
        image, error = products.trace.reflectance(x, 0.2)
        assert products.trace.polynomials.batches == 16
        values.append(image[0].ravel())
        variances.append(error[0].ravel() ** 2)
    values, variances = np.array(values), np.array(variances)
    observed = values.var(axis=0, ddof=1)  # (seeds - 1) dof per pixel
    dof = (seeds - 1) * observed.size
    ratio = variances.mean(axis=0).sum() / observed.sum()
    # observed.sum() / expected ~ chi2(dof) / dof (pixels' variances differ: conservative)
    low, high = chi2.ppf([0.0005, 0.9995], dof) / dof
    assert 1 / high <= ratio <= 1 / low, (ratio, 1 / high, 1 / low)
    spread = (variances.var(axis=0, ddof=1) / variances.mean(axis=0) ** 2).mean()
    assert 2 / spread + 1 >= 8, spread


def test_memory_is_estimated_before_tracing_and_a_limit_refuses_the_run():
    from scenes import grid_over, leaf_cloud_scene

    from unmix3d.core.simulate import MemoryLimitError

    scene = leaf_cloud_scene()
    geometry = Geometry(30, 150, 10, 0)
    result = trace(scene, grid_over(20, 1), geometry, samples=64, seed=3)
    estimate = result.memory.polynomial_bytes
    assert 0.6 < estimate / result.polynomials.nbytes < 1.6, (estimate,
                                                              result.polynomials.nbytes)
    assert result.memory.peak_bytes > 5 * estimate
    with pytest.raises(MemoryLimitError, match=r"400 pixels x 64 samples would need about "
                                               r"[\d,]+ MB .*MAX_MEMORY of 0 MB"):
        trace(scene, grid_over(20, 1), geometry, samples=64, max_memory=1e5)


def test_pixels_overflowing_the_kernel_buffers_are_retraced_exactly():
    """A pixel whose paths meet more monomials than its buffer holds is traced again with
    room enough; its own random stream makes the second trace the same paths."""
    from scenes import grid_over, leaf_cloud_scene

    scene = leaf_cloud_scene()
    geometry = Geometry(30, 150, 10, 0)
    roomy = trace(scene, grid_over(20, 4), geometry, samples=16, seed=3)
    cramped = trace(scene, grid_over(20, 4), geometry, samples=16, seed=3, capacity=4,
                    chunk_pixels=7)
    per_pixel = np.diff(roomy.polynomials.coefficients.indptr).reshape(25, -1).sum(axis=1)
    assert (per_pixel > 4).all()  # every pixel overflowed its buffer of 4 and was re-traced
    a, b = roomy.polynomials, cramped.polynomials
    x = scene.variables(np.array([[0.3, 0.4]]), np.array([[0, 0.4]]))
    np.testing.assert_array_equal(a.reflectance(x, 0.2)[0], b.reflectance(x, 0.2)[0])
    assert a.coefficients.nnz == b.coefficients.nnz
    np.testing.assert_array_equal(roomy.fractions, cramped.fractions)


def test_fixed_ray_offsets_hold_far_from_the_local_origin():
    """Rays leave surfaces 0.1 mm off them (integrator.RAY_OFFSET), not pbrt-v4's error
    bounds: intersections are computed in float64 on the float32 vertices, so a hit is off
    by ~1e-12 m even 10 km from the local origin. There, a bare Lambertian ground must still
    give BRF = rho exactly (a ray re-hitting the surface it left would add rho^2, rho^3...)
    and, next to a block, the white furnace (all white, sky only) must stay 1 (a ray leaking
    through a surface would escape downwards and darken it)."""
    size = 10_000.0
    far = X0 + size - 40
    roof, walls = box_faces(far, Y0 + size - 40, far + 20, Y0 + size - 20, 0.0, 7.0)
    parts = {"ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0), "roof": roof,
             "wall": walls}
    scene = build(parts, table(("ground", "opaque", {"B1": 1.0}, None),
                               ("roof", "opaque", {"B1": 1.0}, None),
                               ("wall", "opaque", {"B1": 1.0}, None)))
    geometry = Geometry(40, 200, 20, 100)
    bare = trace(scene, PixelGrid(X0 + size - 300, Y0 + size - 200, 4, 4, 5, 5), geometry,
                 samples=16, seed=2)
    for skyl in (0.0, 1.0):
        image, _ = bare.reflectance(np.array([[0.3, 1.0, 1.0]]), skyl)
        assert np.abs(image - 0.3).max() < 1e-9, (skyl, np.abs(image - 0.3).max())
    grid = PixelGrid(far - 10, Y0 + size - 10, 4, 4, 10, 10)
    block = trace(scene, grid, geometry, samples=16, seed=2, rr_depth=50)
    image, _ = block.reflectance(np.array([[1.0, 1.0, 1.0]]), 1.0)
    assert np.abs(image - 1.0).max() < 1e-9, np.abs(image - 1.0).max()
