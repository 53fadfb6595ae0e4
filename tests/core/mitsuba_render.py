"""Mitsuba 3 as the independent renderer of unmix3d scenes (tests and benchmarks only).

How a Mitsuba scene carries the conventions of DESIGN.md:

- Facets are two-sided Lambertian: opaque ones are ``twosided`` ``diffuse``; leaves use a
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
- Bands: the ``scalar_rgb`` variant renders three channels at once, each with its own r and
  t, so one render gives a three-band image.
- Geometry is given to Mitsuba in the mock-up's local frame (the float32 triangles unmix3d
  traces), since world UTM coordinates do not fit float32.

Noise: a stratified sampler (the pixel footprint in jittered strata, which halves the noise
of independent samples on 10 m pixels); the standard error comes from the spread of K
renders with independent seeds.
"""

from __future__ import annotations

import math

import mitsuba as mi
import numpy as np

from unmix3d.core.simulate import Geometry, PixelGrid


def set_variant():
    if mi.variant() != "scalar_rgb":
        mi.set_variant("scalar_rgb")


set_variant()  # mi.BSDF below is the scalar_rgb class


def _rgb(values) -> list[float]:
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (3,))
    return [float(v) for v in values]


def leaf_flags():
    """Mitsuba BSDF components and flags of a two-sided leaf: diffuse reflection and
    diffuse transmission, both sides."""
    reflection = (mi.BSDFFlags.DiffuseReflection | mi.BSDFFlags.FrontSide
                  | mi.BSDFFlags.BackSide)
    transmission = (mi.BSDFFlags.DiffuseTransmission | mi.BSDFFlags.FrontSide
                    | mi.BSDFFlags.BackSide)
    return [reflection, transmission], reflection | transmission


class LeafBSDF(mi.BSDF):
    """Two-sided Lambertian reflection r/pi and transmission t/pi, per RGB channel."""

    def __init__(self, props):
        mi.BSDF.__init__(self, props)
        self.r = np.array(_rgb([props["r0"], props["r1"], props["r2"]]))
        self.t = np.array(_rgb([props["t0"], props["t1"], props["t2"]]))
        self.m_components, self.m_flags = leaf_flags()

    def _value(self, cos_i, cos_o):
        if cos_i == 0.0 or cos_o == 0.0:
            return mi.Color3f(0.0)
        rho = self.r if cos_i * cos_o > 0.0 else self.t
        scale = abs(cos_o) / math.pi
        return mi.Color3f(rho[0] * scale, rho[1] * scale, rho[2] * scale)

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
        rho = self.t if transmit else self.r  # weight = f |cos| / pdf = 2 rho
        return bs, mi.Color3f(2.0 * rho[0], 2.0 * rho[1], 2.0 * rho[2])

    def eval(self, ctx, si, wo, active=True):  # Mitsuba's BSDF interface, not Python's eval
        return self._value(float(si.wi.z), float(wo.z))

    def pdf(self, ctx, si, wo, active=True):
        return self._pdf(float(si.wi.z), float(wo.z))

    def eval_pdf(self, ctx, si, wo, active=True):
        cos_i, cos_o = float(si.wi.z), float(wo.z)
        return self._value(cos_i, cos_o), self._pdf(cos_i, cos_o)

    def traverse(self, callback):
        pass

    def parameters_changed(self, keys):
        pass

    def to_string(self):
        return f"LeafBSDF[r={self.r}, t={self.t}]"


def _register():
    set_variant()
    mi.register_bsdf("unmix3d_leaf", lambda props: LeafBSDF(props))


def mesh(name: str, triangles, bsdf: dict):
    """A Mitsuba mesh of unshared-vertex triangles (no vertex normals: flat facets)."""
    triangles = np.asarray(triangles, dtype=np.float32)
    n = len(triangles)
    props = mi.Properties()
    props["bsdf"] = mi.load_dict(bsdf)
    shape = mi.Mesh(name, 3 * n, n, props=props, has_vertex_normals=False)
    params = mi.traverse(shape)
    params["vertex_positions"] = type(params["vertex_positions"])(triangles.reshape(-1))
    params["faces"] = type(params["faces"])(np.arange(3 * n, dtype=np.uint32))
    params.update()
    return shape


def sensor_to_world(grid: PixelGrid, view: np.ndarray, origin: np.ndarray, z_ref: float,
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


def _square(x0, y0, x1, y1, z):
    a, b, c, d = (x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)
    return [[a, b, c], [a, c, d]]


def mitsuba_scene(mockup, parts: dict[str, tuple[np.ndarray, np.ndarray | None]],
                  grid: PixelGrid, geometry: Geometry, skyl, z_ref: float, samples: int,
                  sampler: str = "stratified"):
    """A Mitsuba scene in the mock-up's local frame: ``parts`` maps a name to (float32
    local triangles (n, 3, 3), (r, t) per channel: r (3,), t (3,) or None for opaque)."""
    _register()
    origin = mockup.origin
    low, high = mockup.local_bounds()
    sun = geometry.sun
    skyl = _rgb(skyl)
    content = {
        "type": "scene",
        # no Russian roulette in practice: Mitsuba's, driven by the path throughput, lets rare
        # paths survive with large weights, which makes the spread over seeds heavy-tailed;
        # paths end anyway by escaping (open scene) or on the black floor
        "integrator": {"type": "path", "max_depth": -1, "rr_depth": 1000},
        "sun": {"type": "directional", "direction": (-sun).tolist(),
                "irradiance": {"type": "rgb", "value": [(1.0 - s) / sun[2] for s in skyl]}},
        "sky": {"type": "constant", "radiance": {"type": "rgb",
                                                 "value": [s / math.pi for s in skyl]}},
        "sensor": {
            "type": "orthographic",
            "to_world": mi.ScalarTransform4f(
                sensor_to_world(grid, geometry.view, origin, z_ref, high[2] + 1.0).tolist()),
            "near_clip": 1e-3,
            "far_clip": 1e5,
            "film": {"type": "hdrfilm", "width": grid.cols, "height": grid.rows,
                     "rfilter": {"type": "box"}, "pixel_format": "rgb",
                     "sample_border": False},
            "sampler": {"type": sampler, "sample_count": samples},
        },
    }
    for k, (name, (triangles, (r, t))) in enumerate(parts.items()):
        if t is not None:
            r3, t3 = _rgb(r), _rgb(t)
            bsdf = {"type": "unmix3d_leaf", "r0": r3[0], "r1": r3[1], "r2": r3[2],
                    "t0": t3[0], "t1": t3[1], "t2": t3[2]}
        else:
            bsdf = {"type": "twosided", "material": {
                "type": "diffuse", "reflectance": {"type": "rgb", "value": _rgb(r)}}}
        content[f"shape_{k}"] = mesh(name, triangles, bsdf)
    # the black floor under the ground: downward escapes are lost, as in unmix3d
    extent = 1e4
    content["floor"] = mesh("floor", _square(-extent, -extent, extent, extent, low[2] - 0.05),
                            {"type": "twosided", "material": {
                                "type": "diffuse",
                                "reflectance": {"type": "rgb", "value": [0.0] * 3}}})
    return mi.load_dict(content)


def render(mscene, renders: int, samples: int, seed0: int = 0):
    """K renders with independent seeds -> (mean BRF (3, rows, cols), its standard error)."""
    images = np.array([np.asarray(mi.render(mscene, seed=seed0 + k, spp=samples))
                       for k in range(renders)], dtype=np.float64) * math.pi
    images = np.moveaxis(images, -1, 1)  # (renders, channels, rows, cols)
    return images.mean(axis=0), images.std(axis=0, ddof=1) / math.sqrt(renders)
