"""The forward model against an independent renderer: Mitsuba 3 renders the same open scene
(opaque boxes and a tilted translucent leaf sheet over a ground plane, directional sun,
isotropic sky, orthographic sensor over the raster grid) and both images must agree pixel
by pixel within both renderers' Monte Carlo noise (k-sigma, k = 3).

The Mitsuba scene (``mitsuba_render.py`` beside this file) carries DESIGN.md's conventions:
two-sided Lambertian facets, a leaf BSDF with diffuse transmission, BRF = pi L / E_down,
an open boundary with a black floor, and a sheared orthographic sensor over the grid.

Noise: unmix3d reports a per-pixel standard error from its independent sample batches;
Mitsuba's comes from the spread of K renders with independent seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenes import X0, Y0, box_faces, build, rectangle, table

from unmix3d.core.simulate import Geometry, PixelGrid, trace

mi = pytest.importorskip("mitsuba")
import mitsuba_render as render  # noqa: E402

K = 3.0
SIZE = 60.0  # ground side (m)

# per element (ground, roof, wall, leaf): reflectance r and transmittance t, and SKYL
PROPERTIES = {
    "dim": ([0.25, 0.45, 0.3, 0.45], [0.0, 0.0, 0.0, 0.4], 0.25),
    "bright": ([0.6, 0.2, 0.7, 0.5], [0.0, 0.0, 0.0, 0.45], 0.6),
}


# ---------------------------------------------------------------------------------------
# the scene, for both renderers


def _leaf_sheet(cx, cy, z, width, length, tilt_deg, azimuth_deg):
    """A rectangle (two triangles) centred at (cx, cy, z), tilted by ``tilt_deg`` about a
    horizontal axis at ``azimuth_deg`` clockwise from north."""
    a = math.radians(azimuth_deg)
    axis = np.array([math.sin(a), math.cos(a), 0.0])  # the hinge, horizontal
    across = np.array([math.cos(a), -math.sin(a), 0.0])  # horizontal, normal to the hinge
    tilt = math.radians(tilt_deg)
    slope = across * math.cos(tilt) + np.array([0.0, 0.0, math.sin(tilt)])
    c = np.array([cx, cy, z])
    corners = [c + sa * axis * length / 2 + sb * slope * width / 2
               for sa, sb in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    p, q, r, s = (tuple(v) for v in corners)
    return [[p, q, r], [p, r, s]]


def mixed_scene():
    """Ground, two boxes (roofs and walls) and a tilted translucent leaf sheet that casts
    a translucent shadow; local origin at (X0, Y0, 0)."""
    roof1, walls1 = box_faces(X0 + 18, Y0 + 30, X0 + 28, Y0 + 38, 0.0, 6.0)
    roof2, walls2 = box_faces(X0 + 34, Y0 + 18, X0 + 40, Y0 + 24, 0.0, 11.0)
    parts = {
        "ground": rectangle(X0, Y0, X0 + SIZE, Y0 + SIZE, 0.0),
        "roof": roof1 + roof2,
        "wall": walls1 + walls2,
        "leaf": _leaf_sheet(X0 + 24, Y0 + 20, 6.0, 9.0, 14.0, 35.0, 30.0),
    }
    elements = table(("ground", "opaque", {"B1": 0.2}, None),
                     ("roof", "opaque", {"B1": 0.2}, None),
                     ("wall", "opaque", {"B1": 0.2}, None),
                     ("leaf", "translucent", {"B1": 0.8}, 1.0))
    return build(parts, elements)


def mitsuba_scene(scene, grid: PixelGrid, geometry: Geometry, skyl: float, r, t,
                  z_ref: float, samples: int):
    """The unmix3d scene as a Mitsuba scene (local frame); grey r, t per element."""
    parts = {}
    for i, element in enumerate(scene.elements.elements):
        triangles = scene.mockup.triangles[scene.triangle_element == i]
        parts[element.name] = (triangles, (r[i], t[i] if element.translucent else None))
    return render.mitsuba_scene(scene.mockup, parts, grid, geometry, skyl, z_ref, samples,
                                sampler="independent")


def render_mitsuba(mscene, renders: int, samples: int, seed0: int = 0):
    """K renders with independent seeds -> (mean grey BRF image, its standard error)."""
    image, error = render.render(mscene, renders, samples, seed0)
    return image[0], error[0]


# ---------------------------------------------------------------------------------------


def pooled(image, error):
    """Mean of an image and the standard error of that mean (pixels are independent)."""
    return image.mean(), np.sqrt((error**2).sum()) / error.size


@pytest.fixture(scope="module")
def scene():
    return mixed_scene()


# 40 x 40 one-metre pixels; the ground reaches 10 m beyond the grid on every side
GRID = PixelGrid(X0 + 10.0, Y0 + 50.0, 1.0, 1.0, 40, 40)
SAMPLES, BATCHES = 256, 32  # unmix3d: 32 independent batches of 8 stratified samples
RENDERS, RENDER_SAMPLES = 64, 32  # Mitsuba: 64 independent renders of 32 samples


@pytest.mark.parametrize("geometry", [Geometry(35, 140, 0, 0), Geometry(35, 140, 30, 250)],
                         ids=["nadir", "oblique"])
def test_mitsuba_sensor_maps_its_film_onto_the_raster_grid(scene, geometry):
    """Film positions (u, v) in [0, 1]^2, u to the right and v down, must look along -view
    at the point of the reference plane x_min + u width, y_max - v height."""
    z_ref = scene.mockup.world_bounds()[0][2]
    r = np.array([0.2, 0.2, 0.2, 0.2])
    t = np.array([0.0, 0.0, 0.0, 0.2])
    sensor = mitsuba_scene(scene, GRID, geometry, 0.2, r, t, z_ref, 1).sensors()[0]
    origin = scene.mockup.origin
    width, height = GRID.cols * GRID.pixel_width, GRID.rows * GRID.pixel_height
    for u, v in [(0, 0), (1, 0), (0, 1), (1, 1), (0.5, 0.5), (0.25, 0.8)]:
        ray, _ = sensor.sample_ray(0.0, 0.5, mi.Point2f(u, v), mi.Point2f(0.5, 0.5))
        o, d = np.array(ray.o, dtype=np.float64), np.array(ray.d, dtype=np.float64)
        np.testing.assert_allclose(d, -geometry.view, atol=1e-6)
        assert o[2] > scene.mockup.local_bounds()[1][2]  # starts above the mock-up
        s = (z_ref - origin[2] - o[2]) / d[2]
        hit = o + s * d
        expected = (GRID.x_min + u * width - origin[0], GRID.y_max - v * height - origin[1])
        np.testing.assert_allclose(hit[:2], expected, atol=1e-3)


@pytest.mark.parametrize(
    "geometry, properties",
    [
        (Geometry(35, 140, 0, 0), ["dim"]),  # nadir first: the sensor mapping at its simplest
        (Geometry(35, 140, 30, 250), ["dim", "bright"]),  # oblique: the sheared sensor
    ],
    ids=["nadir", "oblique"],
)
def test_image_matches_mitsuba_pixel_by_pixel(scene, geometry, properties):
    result = trace(scene, GRID, geometry, samples=SAMPLES, batches=BATCHES, seed=21,
                   periodic=False)
    assert result.empty_fraction.max() == 0.0  # every camera ray meets the mock-up
    z_ref = scene.mockup.world_bounds()[0][2]  # unmix3d's default reference plane
    for name in properties:
        r, t, skyl = (np.asarray(v, dtype=np.float64) for v in PROPERTIES[name])
        image, error = result.reflectance(scene.variables(r[None], t[None]), skyl)
        image, error = image[0], error[0]
        mitsuba = mitsuba_scene(scene, GRID, geometry, float(skyl), r, t, z_ref,
                                RENDER_SAMPLES)
        reference, reference_error = render_mitsuba(mitsuba, RENDERS, RENDER_SAMPLES)

        sigma = np.hypot(error, reference_error)
        z = (image - reference) / sigma
        outside = np.mean(np.abs(z) > K)
        mean, mean_error = pooled(image, error)
        reference_mean, reference_mean_error = pooled(reference, reference_error)
        mean_z = (mean - reference_mean) / np.hypot(mean_error, reference_mean_error)
        summary = (f"{name}: {outside:.2%} of pixels beyond {K} sigma (max |z| "
                   f"{np.abs(z).max():.2f}, z mean {z.mean():+.3f} sd {z.std():.3f}); image "
                   f"means {mean:.5f} +- {mean_error:.5f} (unmix3d) and {reference_mean:.5f} "
                   f"+- {reference_mean_error:.5f} (Mitsuba), z = {mean_z:+.2f}")
        print(summary)
        assert outside <= 0.01, summary
        assert abs(mean_z) <= K, summary
        # the comparison has power: per-pixel sigma under 2.5 % of the mean BRF, the
        # mean's under 0.1 % (a 5 % error in the leaf's t or 2 % in the roof's r fails it)
        assert np.median(sigma) < 0.025 * mean, summary
        assert np.hypot(mean_error, reference_mean_error) < 1e-3 * mean, summary
