"""Physics of the forward model against exact answers, with k-sigma tolerances from the
Monte Carlo standard error the model itself reports (k = 3 unless the answer is exact)."""

import numba
import numpy as np
import pytest
from scenes import (
    X0,
    Y0,
    box_faces,
    build,
    grid_over,
    leaf_cloud_scene,
    plane_scene,
    rectangle,
    sheet_scene,
    table,
)

from unmix3d.core.raytrace.directions import direction_from_angles
from unmix3d.core.simulate import Geometry, PixelGrid, albedo_gradients, check_overlap, trace

K = 3.0


def pooled(image, error):
    """Mean of an image and the standard error of that mean (pixels are independent)."""
    return image.mean(), np.sqrt((error**2).sum()) / error.size


@pytest.mark.parametrize(
    "sun_zenith, sun_azimuth, view_zenith, view_azimuth, skyl",
    [(0, 0, 0, 0, 0.0), (30, 120, 20, 40, 0.2), (60, 250, 45, 300, 0.5), (10, 10, 70, 190, 1.0)],
)
def test_horizontal_lambertian_plane_gives_its_reflectance(
    sun_zenith, sun_azimuth, view_zenith, view_azimuth, skyl
):
    scene = plane_scene(0.3)
    result = trace(scene, grid_over(100, 10), Geometry(sun_zenith, sun_azimuth, view_zenith,
                                                       view_azimuth), samples=16, seed=3)
    for rho in (0.0, 0.3, 0.77):
        image, error = result.reflectance(np.array([[rho]]), skyl)
        np.testing.assert_allclose(image, rho, atol=1e-12 + K * error.max())
    assert np.allclose(result.fractions, 1.0) and np.allclose(result.sunlit_fractions, 1.0)


@pytest.mark.parametrize("geometry", [Geometry(40, 100, 10, 200), Geometry(0, 0, 50, 90)])
def test_translucent_sheet_over_ground_matches_closed_form_multiple_scattering(geometry):
    """Infinite Lambertian sheet (r, t) over ground g: every exchange is diffuse and the
    radiance field isotropic, so BRF = r + t^2 g / (1 - r g) for any sun, view and SKYL."""
    scene = sheet_scene()
    result = trace(scene, grid_over(40, 4), geometry, samples=64, seed=2)
    for r, t, g, skyl in [(0.45, 0.45, 0.3, 0.2), (0.1, 0.05, 0.5, 0.0), (0.5, 0.4, 0.9, 1.0)]:
        x = scene.variables(np.array([[g, r]]), np.array([[0.0, t]]))
        mean, error = pooled(*result.reflectance(x, skyl))
        exact = r + t * t * g / (1 - r * g)
        assert abs(mean - exact) <= K * error, (r, t, g, skyl, mean, exact, error)


def test_energy_conservation_under_isotropic_sky():
    """White ground, leaves with r + t = 1, periodic: nothing absorbs, so under an isotropic
    sky the radiance is uniform and every pixel's BRF is 1."""
    scene = leaf_cloud_scene()
    result = trace(scene, grid_over(20, 2), Geometry(30, 0, 25, 70), samples=64, seed=4)
    x = scene.variables(np.array([[1.0, 0.5]]), np.array([[0.0, 0.5]]))
    image, error = result.reflectance(x, 1.0)
    mean, mean_error = pooled(image, error)
    assert abs(mean - 1.0) <= K * mean_error
    assert mean_error < 0.01  # the check has power


def test_energy_conservation_of_direct_sun_albedo():
    """Same closed scene under the sun alone: the albedo, the cosine-weighted mean of the BRF
    over view directions, is 1. View directions are drawn with pdf cos/pi, so the mean of
    their image means is an unbiased albedo estimate with an honest spread."""
    scene = leaf_cloud_scene(n_leaves=200)
    rng = np.random.default_rng(0)
    x = scene.variables(np.array([[1.0, 0.5]]), np.array([[0.0, 0.5]]))
    means = []
    for _ in range(24):
        u1, u2 = rng.random(2)
        view_zenith = np.degrees(np.arccos(np.sqrt(1 - u1)))
        result = trace(scene, grid_over(20, 5), Geometry(35, 210, view_zenith, 360 * u2),
                       samples=16, seed=int(rng.integers(1 << 30)))
        means.append(result.reflectance(x, 0.0)[0].mean())
    albedo = np.mean(means)
    spread = np.std(means, ddof=1) / np.sqrt(len(means))
    assert abs(albedo - 1.0) <= K * spread, (albedo, spread)
    assert spread < 0.05


def test_box_on_plane_fractions_and_shadow_match_geometry():
    size, half, height = 100.0, 10.0, 10.0
    cx, cy = X0 + size / 2, Y0 + size / 2
    roof, walls = box_faces(cx - half, cy - half, cx + half, cy + half, 0.0, height)
    parts = {"ground": rectangle(X0, Y0, X0 + size, Y0 + size, 0.0), "roof": roof,
             "wall": walls}
    scene = build(parts, table(("ground", "opaque", {"B1": 0.2}, None),
                               ("roof", "opaque", {"B1": 0.4}, None),
                               ("wall", "opaque", {"B1": 0.3}, None)))
    grid = grid_over(size, 5)
    samples, batches = 64, 4  # each batch a 4 x 4 jittered grid: strata of 1.25 m
    n = grid.rows * grid.cols * samples
    stratum = 5.0 / 4

    def check(result, expected, which, crossed):
        """Stratified samples, not binomial ones: only the ``crossed`` strata an edge runs
        through are uncertain (variance <= 1/4 each), so the image-mean share has a
        standard error <= sqrt(crossed / 4) / n; zero when every edge lies on strata."""
        sigma = np.sqrt(crossed / 4) / n
        for i, value in enumerate(expected):
            share = which(result)[i].mean()
            assert abs(share - value) <= K * sigma + 1e-9, (i, share, value, sigma)

    # sun from the south at 45 deg: the shadow reaches height * tan(45) = 10 m north; every
    # edge of the roof and the shadow lies on pixel boundaries, so the shares are exact
    nadir = trace(scene, grid, Geometry(45, 180, 0, 0), samples=samples, seed=5,
                  batches=batches)
    area = size * size
    roof_share, shadow_share = (2 * half) ** 2 / area, 2 * half * height / area
    check(nadir, [1 - roof_share, roof_share, 0.0], lambda r: r.fractions, 0)
    check(nadir, [1 - roof_share - shadow_share, roof_share, 0.0], lambda r: r.sunlit_fractions,
          0)
    # seen from the south at 30 deg, the south wall covers width * height * tan(30); the
    # roof's and the wall's projected south and north edges (20 m each, 5.77 m off the
    # pixel boundaries) run through 20 / 1.25 strata each, in every batch
    oblique = trace(scene, grid, Geometry(45, 180, 30, 180), samples=samples, seed=6,
                    batches=batches)
    wall_share = 2 * half * height * np.tan(np.radians(30)) / area
    check(oblique, [1 - roof_share - wall_share, roof_share, wall_share],
          lambda r: r.fractions, 2 * (2 * half / stratum) * batches)


def test_pixel_samples_are_stratified_whatever_their_count():
    """A horizontal edge 3 m into 5 m pixels: independent random samples would estimate
    the 0.6 fraction with the binomial standard error sqrt(f (1 - f) / n); a jittered grid
    (here 128 samples in 4 batches of 4 x 8 strata, 32 not being a square) puts every
    sample but one row of strata on a sure side, about a third of that error."""
    from unmix3d.core.raytrace.integrator import jitter_columns

    for n in (1, 7, 32, 97, 512, 1000):
        columns = jitter_columns(n)
        assert n % columns == 0 and columns <= n // columns
        assert not any(n % c == 0 for c in range(columns + 1, int(np.sqrt(n)) + 1))
    size, edge = 100.0, Y0 + 100.0 - 3.0 - 5.0 * 9  # 3 m below the top of pixel row 9
    parts = {"north": rectangle(X0, edge, X0 + size, Y0 + size, 0.0),
             "south": rectangle(X0, Y0, X0 + size, edge, 0.0)}
    scene = build(parts, table(("north", "opaque", {"B1": 0.2}, None),
                               ("south", "opaque", {"B1": 0.4}, None)))
    samples = 128
    result = trace(scene, grid_over(size, 5), Geometry(30, 180, 0, 0), samples=samples,
                   seed=11)
    north = result.fractions[0, 9]  # the 20 pixels the edge crosses
    binomial = np.sqrt(0.6 * 0.4 / samples)
    assert abs(north.mean() - 0.6) < 3 * binomial / np.sqrt(north.size)
    assert np.sqrt(np.mean((north - 0.6) ** 2)) < 0.6 * binomial


def test_gradients_equal_finite_differences():
    scene = leaf_cloud_scene()
    geometry = Geometry(30, 150, 10, 0)
    result = trace(scene, grid_over(20, 4), geometry, samples=64, seed=7)
    x = scene.variables(np.array([[0.25, 0.2], [0.4, 0.45]]), np.array([[0, 0.15], [0, 0.4]]))
    skyl = np.array([0.3, 0.1])
    gradients = result.polynomials.gradients(x, skyl)
    h = 1e-4
    for v in range(scene.n_variables):
        up, down = x.copy(), x.copy()
        up[:, v] += h
        down[:, v] -= h
        difference = (result.reflectance(up, skyl)[0] - result.reflectance(down, skyl)[0]) / (2 * h)
        np.testing.assert_allclose(gradients[:, v], difference, rtol=1e-5, atol=1e-9)
    # against independent re-traces (other seeds): image-mean derivative within k sigma
    h = 0.05
    for v in range(scene.n_variables):
        up, down = x.copy(), x.copy()
        up[:, v] += h
        down[:, v] -= h
        plus = trace(scene, grid_over(20, 4), geometry, samples=64, seed=100 + v)
        minus = trace(scene, grid_over(20, 4), geometry, samples=64, seed=200 + v)
        image_up, error_up = plus.reflectance(up, skyl)
        image_down, error_down = minus.reflectance(down, skyl)
        for b in range(2):
            mean_up, e_up = pooled(image_up[b], error_up[b])
            mean_down, e_down = pooled(image_down[b], error_down[b])
            finite = (mean_up - mean_down) / (2 * h)
            sigma = np.hypot(e_up, e_down) / (2 * h)
            # the polynomial is not quadratic: central differences are exact to O(h^2)
            curvature = abs(finite) * h
            assert abs(gradients[b, v].mean() - finite) <= K * sigma + curvature, (v, b)


def test_reevaluation_equals_fresh_trace():
    scene = leaf_cloud_scene()
    geometry = Geometry(20, 60, 15, 300)
    first = trace(scene, grid_over(20, 4), geometry, samples=64, seed=11)
    x_new = scene.variables(np.array([[0.6, 0.35]]), np.array([[0.0, 0.5]]))
    same_seed = trace(scene, grid_over(20, 4), geometry, samples=64, seed=11)
    np.testing.assert_array_equal(first.reflectance(x_new, 0.2)[0],
                                  same_seed.reflectance(x_new, 0.2)[0])
    other = trace(scene, grid_over(20, 4), geometry, samples=64, seed=12)
    a, ea = first.reflectance(x_new, 0.2)
    b, eb = other.reflectance(x_new, 0.2)
    z = (a - b) / np.hypot(ea, eb)
    assert abs(pooled(a, ea)[0] - pooled(b, eb)[0]) <= K * np.hypot(pooled(a, ea)[1],
                                                                     pooled(b, eb)[1])
    assert np.mean(np.abs(z) > 3.5) < 0.05  # per-pixel: few outliers (3-dof error estimate)


def test_result_is_independent_of_thread_count():
    scene = leaf_cloud_scene()
    threads = numba.get_num_threads()
    results = []
    for count in (1, threads):
        numba.set_num_threads(count)
        results.append(trace(scene, grid_over(20, 4), Geometry(30, 0), samples=16, seed=9,
                             chunk_pixels=7))
    numba.set_num_threads(threads)
    a, b = (r.polynomials.coefficients for r in results)
    assert (a != b).nnz == 0
    np.testing.assert_array_equal(results[0].fractions, results[1].fractions)


def test_coarser_grid_is_the_exact_block_mean():
    scene = leaf_cloud_scene()
    result = trace(scene, grid_over(20, 2), Geometry(30, 0), samples=16, seed=9)
    x = scene.variables(np.array([[0.3, 0.4]]), np.array([[0, 0.4]]))
    fine = result.reflectance(x, 0.1)[0]
    coarse = result.polynomials.aggregate(5).reflectance(x, 0.1)[0]
    np.testing.assert_allclose(coarse, fine.reshape(1, 2, 5, 2, 5).mean(axis=(2, 4)),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="does not nest"):
        result.polynomials.aggregate(3)


def test_pixel_subset_keeps_those_pixels_values_and_errors():
    scene = leaf_cloud_scene()
    result = trace(scene, grid_over(20, 2), Geometry(30, 0), samples=16, seed=9)
    x = scene.variables(np.array([[0.3, 0.4]]), np.array([[0, 0.4]]))
    image, error = result.reflectance(x, 0.1)
    pixels = np.array([0, 17, 42, 99])
    part, part_error = result.polynomials.subset(pixels).reflectance(x, 0.1)
    assert part.shape == (1, 4, 1)
    np.testing.assert_allclose(part[0, :, 0], image.reshape(1, -1)[0, pixels], rtol=1e-12)
    np.testing.assert_allclose(part_error[0, :, 0], error.reshape(1, -1)[0, pixels],
                               rtol=1e-12)


def test_per_pixel_evaluation_agrees_with_uniform_and_gradients():
    scene = leaf_cloud_scene()
    result = trace(scene, grid_over(20, 4), Geometry(30, 0), samples=16, seed=9)
    x = scene.variables(np.array([[0.3, 0.4], [0.1, 0.2]]), np.array([[0, 0.4], [0, 0.1]]))
    maps = np.broadcast_to(x[:, :, None, None], x.shape + (5, 5))
    image, gradient, error = result.polynomials.reflectance_per_pixel(maps, [0.2, 0.4])
    uniform_image, uniform_error = result.reflectance(x, [0.2, 0.4])
    np.testing.assert_allclose(image, uniform_image, rtol=1e-10)
    np.testing.assert_allclose(error, uniform_error, rtol=1e-8)
    np.testing.assert_allclose(gradient, result.polynomials.gradients(x, [0.2, 0.4]),
                               rtol=1e-10, atol=1e-14)
    # a variable at exactly zero (a leaf that transmits nothing): derivatives stay exact
    x[:, scene.var_t[1]] = 0.0
    maps = np.broadcast_to(x[:, :, None, None], x.shape + (5, 5))
    _, gradient, _ = result.polynomials.reflectance_per_pixel(maps, [0.2, 0.4])
    np.testing.assert_allclose(gradient, result.polynomials.gradients(x, [0.2, 0.4]),
                               rtol=1e-10, atol=1e-14)


def test_albedo_gradient_is_the_chain_rule_of_r_and_t():
    scene = leaf_cloud_scene()
    result = trace(scene, grid_over(20, 4), Geometry(30, 0), samples=16, seed=9)
    bands = ["B1"]
    x = scene.variables_from_table(bands)
    g = albedo_gradients(result, x, bands, 0.2)
    ratio = scene.elements.elements[1].ratio("B1")
    w, h = 0.2, 1e-5
    values = []
    for albedo in (w + h, w - h):
        r, t = ratio * albedo / (1 + ratio), albedo / (1 + ratio)
        values.append(result.reflectance(scene.variables(np.array([[0.25, r]]),
                                                         np.array([[0, t]])), 0.2)[0])
    np.testing.assert_allclose(g[0, 1], ((values[0] - values[1]) / (2 * h))[0], rtol=1e-5)


def test_bad_inputs_are_named():
    scene = plane_scene(0.3)
    with pytest.raises(ValueError, match="SAMPLES"):
        trace(scene, grid_over(100, 10), Geometry(30, 0), samples=0)
    with pytest.raises(ValueError, match="above the horizon"):
        Geometry(95, 0)
    far = PixelGrid(X0 + 5000, Y0 + 100, 10, 10, 10, 10)
    with pytest.raises(ValueError, match="do not overlap"):
        check_overlap(scene, far)
    lonlat = PixelGrid(2.35, 48.85, 0.0001, 0.0001, 10, 10)
    with pytest.raises(ValueError, match="different CRSs"):
        check_overlap(scene, lonlat)
    check_overlap(scene, grid_over(100, 10))


def test_sun_direction_convention():
    east = direction_from_angles(90, 90)
    np.testing.assert_allclose(east, [1, 0, 0], atol=1e-12)
    north_high = direction_from_angles(30, 0)
    assert north_high[1] > 0 and north_high[2] == pytest.approx(np.cos(np.radians(30)))
