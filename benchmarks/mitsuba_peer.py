"""The differentiable-rendering peer of issue 15: Mitsuba 3 path-replay backpropagation
(``prb`` integrator, ``llvm_ad_rgb``) and Adam fitting every element's r (and the leaves' t)
to an image, three bands as Mitsuba's three RGB channels. Benchmarks only.

The scene follows tests/core/mitsuba_render.py (checked there against unmix3d pixel by
pixel): two-sided Lambertian facets, leaves as a BSDF written here in Dr.Jit (reflect r/pi
on the side light came from, transmit t/pi to the other: Mitsuba's stock BSDFs have no
diffuse transmission), a sun of horizontal irradiance 1 - SKYL and a sky of SKYL, a sheared
orthographic sensor on the pixel grid, a black floor under the ground (open boundary: Mitsuba
has no periodic one). ``llvm_ad_rgb`` needs a libLLVM; Debian's libllvm15 serves.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import drjit as dr
import mitsuba as mi
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "core"))
from mitsuba_render import leaf_flags, mesh, sensor_to_world  # noqa: E402

VARIANT = "llvm_ad_rgb"


def set_variant() -> None:
    if mi.variant() != VARIANT:
        mi.set_variant(VARIANT)


set_variant()  # mi.BSDF below is the llvm_ad_rgb class


class LeafBSDF(mi.BSDF):
    """Two-sided Lambertian reflection r/pi and transmission t/pi (vectorised, with r and t
    differentiable scene parameters)."""

    def __init__(self, props):
        mi.BSDF.__init__(self, props)
        self.r = mi.Color3f(props["r"])
        self.t = mi.Color3f(props["t"])
        self.m_components, self.m_flags = leaf_flags()

    def sample(self, ctx, si, sample1, sample2, active=True):
        cos_i = mi.Frame3f.cos_theta(si.wi)
        local = mi.warp.square_to_cosine_hemisphere(sample2)
        transmit = sample1 >= 0.5
        side = dr.select(cos_i > 0, 1.0, -1.0) * dr.select(transmit, -1.0, 1.0)
        bs = dr.zeros(mi.BSDFSample3f)
        bs.wo = mi.Vector3f(local.x, local.y, side * local.z)
        bs.pdf = 0.5 * local.z / dr.pi
        bs.eta = 1.0
        bs.sampled_component = dr.select(transmit, mi.UInt32(1), mi.UInt32(0))
        bs.sampled_type = dr.select(transmit, mi.UInt32(+mi.BSDFFlags.DiffuseTransmission),
                                    mi.UInt32(+mi.BSDFFlags.DiffuseReflection))
        active = active & (cos_i != 0) & (bs.pdf > 0)
        weight = 2.0 * dr.select(transmit, self.t, self.r)  # f |cos| / pdf
        return bs, dr.select(active, weight, 0.0)

    def _value(self, si, wo, active):
        cos_i, cos_o = mi.Frame3f.cos_theta(si.wi), mi.Frame3f.cos_theta(wo)
        rho = dr.select(cos_i * cos_o > 0, self.r, self.t)
        ok = active & (cos_i != 0) & (cos_o != 0)
        return dr.select(ok, rho * dr.abs(cos_o) / dr.pi, 0.0), dr.select(
            ok, 0.5 * dr.abs(cos_o) / dr.pi, 0.0)

    def eval(self, ctx, si, wo, active=True):  # Mitsuba's BSDF interface, not Python's eval
        return self._value(si, wo, active)[0]

    def pdf(self, ctx, si, wo, active=True):
        return self._value(si, wo, active)[1]

    def eval_pdf(self, ctx, si, wo, active=True):
        return self._value(si, wo, active)

    def traverse(self, callback):
        callback.put("r", self.r, mi.ParamFlags.Differentiable)
        callback.put("t", self.t, mi.ParamFlags.Differentiable)

    def parameters_changed(self, keys):
        pass

    def to_string(self):
        return "LeafBSDF"


mi.register_bsdf("unmix3d_leaf_ad", lambda props: LeafBSDF(props))


def build(scene, grid, geometry, skyl, start: dict, samples: int, max_depth: int = -1):
    """The unmix3d scene as a differentiable Mitsuba scene; ``start``: element -> (r (3,),
    t (3,) or None). Returns (Mitsuba scene, {element: {"r": key, "t": key}})."""
    set_variant()
    mockup = scene.mockup
    low, high = mockup.local_bounds()
    sun = geometry.sun
    skyl = [float(s) for s in np.broadcast_to(np.asarray(skyl, float), (3,))]
    z_ref = mockup.world_bounds()[0][2]
    content = {
        "type": "scene",
        "integrator": {"type": "prb", "max_depth": max_depth, "rr_depth": 5},
        "sun": {"type": "directional", "direction": (-sun).tolist(),
                "irradiance": {"type": "rgb", "value": [(1 - s) / sun[2] for s in skyl]}},
        "sky": {"type": "constant", "radiance": {"type": "rgb",
                                                 "value": [s / math.pi for s in skyl]}},
        "sensor": {
            "type": "orthographic",
            "to_world": mi.ScalarTransform4f(sensor_to_world(
                grid, geometry.view, mockup.origin, z_ref, high[2] + 1.0).tolist()),
            "near_clip": 1e-3, "far_clip": 1e5,
            "film": {"type": "hdrfilm", "width": grid.cols, "height": grid.rows,
                     "rfilter": {"type": "box"}, "pixel_format": "rgb",
                     "sample_border": False},
            "sampler": {"type": "independent", "sample_count": samples},
        },
    }
    keys = {}
    for i, element in enumerate(scene.elements.elements):
        r, t = start[element.name]
        name = f"shape_{i}"
        if element.translucent:
            bsdf = {"type": "unmix3d_leaf_ad", "r": mi.ScalarColor3f(*map(float, r)),
                    "t": mi.ScalarColor3f(*map(float, t))}
            keys[element.name] = {"r": f"{name}.bsdf.r", "t": f"{name}.bsdf.t"}
        else:
            bsdf = {"type": "twosided", "material": {
                "type": "diffuse", "reflectance": {"type": "rgb", "value": list(map(float, r))}}}
            keys[element.name] = {"r": f"{name}.bsdf.brdf_0.reflectance.value"}
        content[name] = mesh(name, scene.mockup.triangles[scene.triangle_element == i], bsdf)
    extent = 1e4
    a, b, c, d = ((-extent, -extent), (extent, -extent), (extent, extent), (-extent, extent))
    z = low[2] - 0.05
    floor = [[(*a, z), (*b, z), (*c, z)], [(*a, z), (*c, z), (*d, z)]]
    content["floor"] = mesh("floor", floor, {"type": "twosided", "material": {
        "type": "diffuse", "reflectance": {"type": "rgb", "value": [0.0] * 3}}})
    return mi.load_dict(content), keys


def fit(scene, grid, geometry, skyl, image: np.ndarray, start: dict, truth: dict,
        iterations: int = 400, samples: int = 16, learning_rate: float = 0.02,
        final_rate: float = 0.001, seed: int = 0) -> dict:
    """Adam on the squared image error, path-replay gradients, its learning rate decaying
    geometrically from ``learning_rate`` to ``final_rate`` (a constant rate leaves the
    estimates wandering in the gradients' Monte Carlo noise); after each step r and t are
    clipped to [0, 1] and r + t <= 1. ``image`` (3, rows, cols) BRF. Returns the final r, t
    per element, the seconds and, per iteration, the seconds so far, the loss and the
    largest errors against ``truth`` (element -> (r, t)); the seconds include compiling
    the kernels (the first iterations)."""
    mscene, keys = build(scene, grid, geometry, skyl, start, samples)
    params = mi.traverse(mscene)
    target = mi.TensorXf(np.ascontiguousarray(np.moveaxis(image, 0, -1) / math.pi,
                                              dtype=np.float32))
    optimiser = mi.ad.Adam(lr=learning_rate)
    for element in keys.values():
        for key in element.values():
            optimiser[key] = params[key]
    params.update(optimiser)
    history = []
    started = time.perf_counter()
    for k in range(iterations):
        optimiser.set_learning_rate(
            learning_rate * (final_rate / learning_rate) ** (k / max(iterations - 1, 1)))
        # another seed for the replayed (adjoint) paths than for the primal image: with
        # the same one the gradient of the squared error carries that of its variance
        rendered = mi.render(mscene, params, seed=seed + 2 * k, seed_grad=seed + 2 * k + 1,
                             spp=samples)
        loss = dr.mean(dr.square(rendered - target), axis=None)
        dr.backward(loss)
        optimiser.step()
        for element in keys.values():
            for key in element.values():
                optimiser[key] = dr.clip(optimiser[key], 0.0, 1.0)
            if "t" in element:  # r + t <= 1
                r, t = optimiser[element["r"]], optimiser[element["t"]]
                excess = dr.maximum(r + t - 1.0, 0.0) * 0.5
                optimiser[element["r"]], optimiser[element["t"]] = r - excess, t - excess
        params.update(optimiser)
        values = current(params, keys)
        history.append({"seconds": time.perf_counter() - started,
                        "loss": float(loss.array[0]) * math.pi**2,
                        **errors(values, truth)})
    values = current(params, keys)
    return {"values": values, "seconds": time.perf_counter() - started,
            "history": history, **errors(values, truth)}


def current(params, keys) -> dict:
    out = {}
    for name, element in keys.items():
        r = np.array(params[element["r"]], dtype=np.float64).ravel()[:3]
        t = np.array(params[element["t"]], dtype=np.float64).ravel()[:3] if "t" in element \
            else None
        out[name] = (r, t)
    return out


def errors(values: dict, truth: dict) -> dict:
    """The issue's error measures: leaf albedo, opaque reflectance, leaf r and t."""
    albedo = opaque = leaf = 0.0
    for name, (r, t) in values.items():
        true_r, true_t = truth[name]
        if t is None:
            opaque = max(opaque, float(np.abs(r - true_r).max()))
        else:
            albedo = max(albedo, float(np.abs(r + t - true_r - true_t).max()))
            leaf = max(leaf, float(np.abs(r - true_r).max()), float(np.abs(t - true_t).max()))
    return {"max_albedo_error": albedo, "max_opaque_error": opaque,
            "max_leaf_r_t_error": leaf}
