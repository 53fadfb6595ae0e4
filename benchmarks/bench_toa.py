"""Top-of-atmosphere input on the vegetation demo: US-DART on a TOA pseudo-image (6S
atmosphere known) against the same unmixing of the surface pseudo-image, the cost of an
aerosol optical thickness off by +-30 %, and where the coupling approximation is weakest.

Run: .venv/bin/python benchmarks/bench_toa.py [--truth-samples 1024] [--samples 256]
     [--iterations 8] [--window 7] [--aot 0.2] [--aerosol continental]
Prints one JSON object (accuracy in per cent, as in bench_unmix).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from package_import import import_unmix3d  # noqa: E402

import_unmix3d()
from unmix3d.core.atmosphere import sixs  # noqa: E402
from unmix3d.core.atmosphere.coupling import coupled_atmosphere  # noqa: E402
from unmix3d.core.scene import demo_scenes  # noqa: E402
from unmix3d.core.scene.elements import read_element_table  # noqa: E402
from unmix3d.core.scene.mockup import load_mockup  # noqa: E402
from unmix3d.core.simulate import (  # noqa: E402
    Geometry,
    PixelGrid,
    evaluate_op_maps,
    prepare_scene,
    trace,
)
from unmix3d.core.unmix.accuracy import accuracy_markdown, accuracy_rows  # noqa: E402
from unmix3d.core.unmix.pipeline import UnmixParameters, unmix  # noqa: E402

SENSOR = "S2A"


def op_errors(rows) -> dict:
    return {row.element: {"op_median_pct": row.op_median, "op_mean_pct": row.op_mean,
                          "image_median_pct": row.image_median} for row in rows}


def toa_sky_lit_coupling(coupled, r_sun, r_sky):
    """TOA with the light the surface sends back down through S treated as sky light (what
    ours simplifies): surface-leaving e_s R_sun + t_s R_sky + T_down c R_sky, with
    c = S rho_e / (1 - S rho_e), then seen directly and through the environment."""
    out = np.empty_like(r_sun)
    for b, t in enumerate(coupled.terms):
        r = (1 - t.sky_share) * r_sun[b] + t.sky_share * r_sky[b]
        env = coupled.kernels[b].apply(r)
        coupling = t.spherical_albedo * env / (1 - t.spherical_albedo * env)
        leaving = t.down_direct * r_sun[b] + t.down_diffuse * r_sky[b] \
            + t.down_total * coupling * r_sky[b]
        out[b] = t.path_reflectance + t.gas_transmittance * (
            t.up_direct * leaving + t.up_diffuse * coupled.kernels[b].apply(leaving))
    return out


def relative_difference(a, b, terms):
    difference = np.abs(a / b - 1) * 100
    return {t.band: {"median_pct": float(np.median(difference[k])),
                     "max_pct": float(difference[k].max())} for k, t in enumerate(terms)}


def lambertian_at_grazing(atmosphere, bands=("B2", "B8A"), rho=0.3,
                          angles=((30, 0), (60, 30), (75, 50), (85, 60))):
    """Our coupled TOA of a Lambertian plane against 6S's own, out to grazing angles."""
    from unmix3d.core.atmosphere.coupling import toa_reflectance

    out = []
    for sun_zenith, view_zenith in angles:
        geometry = Geometry(sun_zenith, 150, view_zenith, 100)
        terms = sixs.atmosphere_terms(SENSOR, list(bands), geometry, atmosphere)
        ours = toa_reflectance(np.full((len(bands), 1, 1), rho), terms, None)[:, 0, 0]
        for b, band in enumerate(bands):
            theirs = sixs.lambertian_toa(SENSOR, band, geometry, atmosphere, rho)
            out.append({"band": band, "sun_zenith": sun_zenith, "view_zenith": view_zenith,
                        "toa_ours": float(ours[b]), "toa_6s": theirs,
                        "relative_difference_pct": 100 * (float(ours[b]) / theirs - 1)})
    return out


def adjacency_strength(coupled, surface):
    """How much the environment term moves TOA: |TOA(kernel) / TOA(rho_e = R) - 1| (%)."""
    from unmix3d.core.atmosphere.coupling import toa_reflectance

    with_kernel = coupled.toa(surface)
    without = toa_reflectance(surface, coupled.terms, None)
    difference = np.abs(with_kernel / without - 1) * 100
    return {t.band: {"median_pct": float(np.median(difference[b])),
                     "max_pct": float(difference[b].max())}
            for b, t in enumerate(coupled.terms)}


def sky_share_against_6s_irradiance(atmosphere, bands=("B2", "B8A"),
                                    sun_zeniths=(30, 60, 75, 85)):
    """Our sky share (e^(-tau/mu) with 6S's band-mean tau) against 6S's own diffuse /
    (direct + diffuse) ground irradiance over a black ground, as the sun goes down."""
    out = []
    for band in bands:
        for zenith in sun_zeniths:
            geometry = Geometry(zenith, 150, 0, 0)
            ours = sixs.band_terms(SENSOR, band, geometry, atmosphere).sky_share
            model = sixs._configure(SENSOR, band, zenith, 150, 0, 0, atmosphere, 0.0)
            o = sixs._run(model, band)
            theirs = o.diffuse_solar_irradiance / (o.diffuse_solar_irradiance
                                                   + o.direct_solar_irradiance)
            out.append({"band": band, "sun_zenith": zenith, "skyl_ours": ours,
                        "skyl_6s_irradiance": theirs,
                        "relative_difference_pct": 100 * (ours / theirs - 1)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth-samples", type=int, default=1024)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--window", type=int, default=7)
    parser.add_argument("--aot", type=float, default=0.2)
    parser.add_argument("--aerosol", default="continental")
    args = parser.parse_args()
    timings = {}
    folder = tempfile.mkdtemp(prefix="unmix3d-bench-toa-")
    demo = demo_scenes.vegetation_scene(folder)
    elements = read_element_table(demo.elements_csv)
    scene = prepare_scene(load_mockup(demo.obj_path), elements)
    grid = PixelGrid.from_geotransform(demo.geotransform, *demo.shape)
    geometry = Geometry(demo.sun_zenith, demo.sun_azimuth, demo.view_zenith, demo.view_azimuth)
    bands = list(demo.bands)
    truth_values = np.array([demo.truth_op[e] for e in elements.names]).T
    truth = np.broadcast_to(truth_values[:, :, None, None], truth_values.shape + demo.shape)
    truth = truth.copy()
    atmosphere = sixs.Atmosphere(args.aerosol, args.aot, month=6, day=21)

    start = time.perf_counter()
    known = coupled_atmosphere(SENSOR, bands, geometry, atmosphere, grid, periodic=True)
    timings["sixs_known_s"] = time.perf_counter() - start
    skyl = known.skyl
    start = time.perf_counter()
    truth_trace = trace(scene, grid, geometry, samples=args.truth_samples, seed=20250101)
    surface, _, _ = evaluate_op_maps(truth_trace, truth, bands, skyl)
    toa = known.toa(surface)
    timings["pseudo_images_s"] = time.perf_counter() - start
    valid = np.ones(demo.shape, dtype=bool)
    start = time.perf_counter()
    inversion = trace(scene, grid, geometry, samples=args.samples, seed=7)
    timings["inversion_trace_s"] = time.perf_counter() - start
    parameters = UnmixParameters(iterations=args.iterations,
                                 window=(args.window, args.window))

    def run(label, image, image_skyl):
        began = time.perf_counter()
        result = unmix(inversion, image, valid, bands, image_skyl, parameters, truth=truth)
        timings[f"unmix_{label}_s"] = time.perf_counter() - began
        return accuracy_rows(f"vegetation, {label}", elements.names, image, result.simulated,
                             result.op, result.op_valid, truth, result.truth_simulated)

    cases = {"surface reflectance": run("surface reflectance", surface, skyl)}
    start = time.perf_counter()
    recovered = known.surface(toa)
    timings["toa_to_surface_s"] = time.perf_counter() - start
    cases["TOA, atmosphere known"] = run("TOA, atmosphere known", recovered, skyl)
    for factor in (1.3, 0.7):
        wrong = coupled_atmosphere(SENSOR, bands, geometry, atmosphere.with_aot(
            args.aot * factor), grid, periodic=True)
        label = f"TOA, AOT x {factor:g}"
        cases[label] = run(label, wrong.surface(toa), wrong.skyl)
    x_true = scene.variables(np.array([demo.truth_r[e] for e in elements.names]).T,
                             np.array([demo.truth_t[e] for e in elements.names]).T)
    r_sun, _ = truth_trace.reflectance(x_true, 0.0)
    r_sky, _ = truth_trace.reflectance(x_true, 1.0)
    toa_sky_lit = toa_sky_lit_coupling(known, r_sun, r_sky)
    cases["TOA made with sky-lit coupling"] = run("TOA made with sky-lit coupling",
                                                  known.surface(toa_sky_lit), skyl)
    no_adjacency = coupled_atmosphere(SENSOR, bands, geometry, atmosphere, grid,
                                      adjacency=False)
    cases["TOA, adjacency ignored"] = run("TOA, adjacency ignored",
                                          no_adjacency.surface(toa), skyl)

    reference = cases["surface reflectance"]
    ratios = {}  # OP error of each case over the surface run's (None: that one is ~0)
    for label, rows in cases.items():
        ratios[label] = {row.element: {
            statistic: (getattr(row, statistic) / getattr(base, statistic)
                        if getattr(base, statistic) > 1e-3 else None)
            for statistic in ("op_median", "op_mean")}
            for row, base in zip(rows, reference, strict=True)}
    print(json.dumps({
        "samples": {"truth": args.truth_samples, "inversion": args.samples,
                    "iterations": args.iterations, "window": args.window},
        "atmosphere": {"sensor": SENSOR, "aerosol": args.aerosol, "aot550": args.aot,
                       "geometry": [demo.sun_zenith, demo.sun_azimuth, demo.view_zenith,
                                    demo.view_azimuth]},
        "terms": [t.as_dict() for t in known.terms],
        "accuracy": {label: op_errors(rows) for label, rows in cases.items()},
        "op_error_ratio_to_surface_run": ratios,
        "accuracy_markdown": accuracy_markdown([row for rows in cases.values()
                                                for row in rows]),
        "weakest": {
            "sky_lit_coupling_toa_difference": relative_difference(toa, toa_sky_lit,
                                                                   known.terms),
            "adjacency_toa_effect": adjacency_strength(known, surface),
            "sky_share_vs_6s_irradiance": sky_share_against_6s_irradiance(atmosphere),
            "lambertian_toa_vs_6s_to_grazing": lambertian_at_grazing(atmosphere),
        },
        "timings": timings,
    }, indent=1, default=float))


if __name__ == "__main__":
    main()
