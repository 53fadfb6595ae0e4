"""The forward model against an independent renderer: Mitsuba 3 renders the same open scene
(opaque boxes and a tilted translucent leaf sheet over a ground plane, directional sun,
isotropic sky, orthographic sensor over the raster grid) and both images must agree pixel
by pixel within both renderers' Monte Carlo noise (k-sigma, k = 3).

How the Mitsuba scene carries the conventions of DESIGN.md:

- Facets are two-sided Lambertian: opaque ones are ``twosided`` ``diffuse``; the leaf is a
  small Python BSDF (reflects r/pi on the side light came from, transmits t/pi to the other)
  since Mitsuba's stock BSDFs have no diffuse transmission.
- BRF = pi L / E_down with E_down = 1: a ``directional`` emitter whose irradiance normal to
  the beam is (1 - SKYL) / cos(sun zenith), so that it gives 1 - SKYL on a horizontal plane,
  and a ``constant`` emitter of radiance SKYL / pi (horizontal irradiance SKYL).
- Open boundary: in unmix3d a path leaving the scene upwards sees the sky and one leaving
  downwards (past the ground's edge) is lost. Mitsuba's environment surrounds the whole
  sphere, so a large black plane just below the ground absorbs the downward escapes.
- Sensor: an ``orthographic`` camera whose ``to_world`` is sheared (columns: the pixel x and
  y axes on the reference plane, the ray direction, the origin) so that its film is the
  raster's grid on the reference plane seen along the view direction; a ``box`` filter
  makes a pixel's value the mean over its footprint.
- Geometry is given to Mitsuba in the mock-up's local frame (the float32 triangles unmix3d
  traces), since world UTM coordinates do not fit float32.

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

K = 3.0
SIZE = 60.0  # ground side (m)

# per element (ground, roof, wall, leaf): reflectance r and transmittance t, and SKYL
PROPERTIES = {
    "dim": ([0.25, 0.45, 0.3, 0.45], [0.0, 0.0, 0.0, 0.4], 0.25),
    "bright": ([0.6, 0.2, 0.7, 0.5], [0.0, 0.0, 0.0, 0.45], 0.6),
}


def _set_variant():
    if mi.variant() != "scalar_rgb":
        mi.set_variant("scalar_rgb")


_set_variant()  # mi.BSDF below is the scalar_rgb class


class LeafBSDF(mi.BSDF):
    """Two-sided Lambertian reflection r/pi and transmission t/pi (grey, RGB variants)."""

    def __init__(self, props):
        mi.BSDF.__init__(self, props)
        self.r = float(props["reflectance"])
        self.t = float(props["transmittance"])
        reflection = (mi.BSDFFlags.DiffuseReflection | mi.BSDFFlags.FrontSide
                      | mi.BSDFFlags.BackSide)
        transmission = (mi.BSDFFlags.DiffuseTransmission | mi.BSDFFlags.FrontSide
                        | mi.BSDFFlags.BackSide)
        self.m_components = [reflection, transmission]
        self.m_flags = reflection | transmission

    def _value(self, cos_i, cos_o):
        if cos_i == 0.0 or cos_o == 0.0:
            return 0.0
        rho = self.r if cos_i * cos_o > 0.0 else self.t
        return rho / math.pi * abs(cos_o)

    @staticmethod
    def _pdf(cos_i, cos_o):
        # reflect or transmit with probability 1/2, cosine-weighted on the chosen side
        return 0.0 if cos_i == 0.0 else 0.5 * abs(cos_o) / math.pi

    def sample(self, ctx, si, sample1, sample2, active=True):
        bs = mi.BSDFSample3f()
        cos_i = float(si.wi.z)
        if cos_i == 0.0:
            return bs, mi.Color3f(0.0)
        local = mi.warp.square_to_cosine_hemisphere(sample2)
        transmit = sample1 >= 0.5
        side = (1.0 if cos_i > 0.0 else -1.0) * (-1.0 if transmit else 1.0)
        bs.wo = mi.Vector3f(local.x, local.y, side * local.z)
        bs.pdf = self._pdf(cos_i, float(local.z))
        bs.eta = 1.0
        bs.sampled_component = 1 if transmit else 0
        bs.sampled_type = int(mi.BSDFFlags.DiffuseTransmission if transmit
                              else mi.BSDFFlags.DiffuseReflection)
        if bs.pdf <= 0.0:
            return bs, mi.Color3f(0.0)
        # weight = f |cos| / pdf = 2 r or 2 t
        return bs, mi.Color3f(2.0 * (self.t if transmit else self.r))

    def eval(self, ctx, si, wo, active=True):
        return mi.Color3f(self._value(float(si.wi.z), float(wo.z)))

    def pdf(self, ctx, si, wo, active=True):
        return self._pdf(float(si.wi.z), float(wo.z))

    def eval_pdf(self, ctx, si, wo, active=True):
        cos_i, cos_o = float(si.wi.z), float(wo.z)
        return mi.Color3f(self._value(cos_i, cos_o)), self._pdf(cos_i, cos_o)

    def traverse(self, callback):
        pass

    def parameters_changed(self, keys):
        pass

    def to_string(self):
        return f"LeafBSDF[r={self.r}, t={self.t}]"


def _register():
    _set_variant()
    mi.register_bsdf("unmix3d_leaf", lambda props: LeafBSDF(props))


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


def _mesh(name, triangles, bsdf: dict):
    """A Mitsuba mesh of unshared-vertex triangles (no vertex normals: flat facets)."""
    triangles = np.asarray(triangles, dtype=np.float32)
    n = len(triangles)
    props = mi.Properties()
    props["bsdf"] = mi.load_dict(bsdf)
    mesh = mi.Mesh(name, 3 * n, n, props=props, has_vertex_normals=False)
    params = mi.traverse(mesh)
    params["vertex_positions"] = type(params["vertex_positions"])(triangles.reshape(-1))
    params["faces"] = type(params["faces"])(np.arange(3 * n, dtype=np.uint32))
    params.update()
    return mesh


def _sensor_to_world(grid: PixelGrid, view: np.ndarray, origin: np.ndarray, z_ref: float,
                     z_top: float) -> np.ndarray:
    """Sheared orthographic camera: camera x in [-1, 1] spans the grid's width (Mitsuba's
    film x runs towards -x), camera y in [-1/aspect, 1/aspect] its height (film y downwards
    runs towards -y), z is the ray direction -view; origin above the scene over the grid's
    centre on the reference plane."""
    width = grid.cols * grid.pixel_width
    # camera y spans 2 / aspect = 2 rows / cols, which must cover rows * pixel_height
    half_y = grid.cols * grid.pixel_height / 2.0
    centre = np.array([grid.x_min + width / 2 - origin[0],
                       grid.y_max - grid.rows * grid.pixel_height / 2 - origin[1],
                       z_ref - origin[2]])
    lift = (z_top - centre[2]) / view[2]
    matrix = np.eye(4)
    matrix[:3, 0] = (-width / 2.0, 0.0, 0.0)
    matrix[:3, 1] = (0.0, half_y, 0.0)
    matrix[:3, 2] = -view
    matrix[:3, 3] = centre + lift * view
    return matrix


def mitsuba_scene(scene, grid: PixelGrid, geometry: Geometry, skyl: float, r, t,
                  z_ref: float, samples: int):
    """The unmix3d scene as a Mitsuba scene (local frame); r, t per element."""
    _register()
    origin = scene.mockup.origin
    low, high = scene.mockup.local_bounds()
    sun = geometry.sun
    content = {
        "type": "scene",
        # no Russian roulette in practice: Mitsuba's, driven by the path throughput, lets rare
        # paths survive with large weights, which makes the spread over seeds heavy-tailed;
        # paths end anyway by escaping (open scene) or on the black floor
        "integrator": {"type": "path", "max_depth": -1, "rr_depth": 1000},
        "sun": {"type": "directional", "direction": (-sun).tolist(),
                "irradiance": {"type": "rgb", "value": [(1.0 - skyl) / sun[2]] * 3}},
        "sky": {"type": "constant", "radiance": {"type": "rgb", "value": [skyl / math.pi] * 3}},
        "sensor": {
            "type": "orthographic",
            "to_world": mi.ScalarTransform4f(
                _sensor_to_world(grid, geometry.view, origin, z_ref, high[2] + 1.0).tolist()),
            "near_clip": 1e-3,
            "far_clip": 1e5,
            "film": {"type": "hdrfilm", "width": grid.cols, "height": grid.rows,
                     "rfilter": {"type": "box"}, "pixel_format": "rgb",
                     "sample_border": False},
            "sampler": {"type": "independent", "sample_count": samples},
        },
    }
    for i, element in enumerate(scene.elements.elements):
        triangles = scene.mockup.triangles[scene.triangle_element == i]
        if element.translucent:
            bsdf = {"type": "unmix3d_leaf", "reflectance": float(r[i]),
                    "transmittance": float(t[i])}
        else:
            bsdf = {"type": "twosided", "material": {
                "type": "diffuse", "reflectance": {"type": "rgb", "value": [float(r[i])] * 3}}}
        content[f"shape_{element.name}"] = _mesh(element.name, triangles, bsdf)
    # the black floor under the ground: downward escapes are lost, as in unmix3d
    extent = 1e4
    floor = rectangle(-extent, -extent, extent, extent, low[2] - 0.05)
    content["floor"] = _mesh("floor", floor, {
        "type": "twosided", "material": {"type": "diffuse",
                                         "reflectance": {"type": "rgb", "value": [0.0] * 3}}})
    return mi.load_dict(content)


def render_mitsuba(mscene, renders: int, samples: int, seed0: int = 0):
    """K renders with independent seeds -> (mean BRF image, its standard error)."""
    images = np.array([np.asarray(mi.render(mscene, seed=seed0 + k, spp=samples))[..., 0]
                       for k in range(renders)], dtype=np.float64) * math.pi
    return images.mean(axis=0), images.std(axis=0, ddof=1) / math.sqrt(renders)


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
