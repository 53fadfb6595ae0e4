"""What a too-small halo costs: a tall-building scene with an oblique sun and view, traced
untiled and tiled with growing multiple-scattering margins (core.tiling).

Usage::

    .venv/bin/python benchmarks/bench_halo.py [--size 480] [--pixel 4] [--tile 8]
        [--height 40] [--samples 64] [--margins 0,5,10,20,40,80]

Prints one JSON object: per margin (metres added to height x tan(max zenith)), the halo,
the mean triangles per tile, and the tiled image's error against the untiled one (same
per-pixel random streams, so the difference is only the light of paths that left the
halo): the relative bias of the scene mean, the mean and largest per-pixel absolute error,
and the largest |error| / standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from package_import import import_unmix3d  # noqa: E402

import_unmix3d()

from unmix3d.core.forward import simulate_products  # noqa: E402
from unmix3d.core.raster_io import read_raster  # noqa: E402
from unmix3d.core.scene.elements import Element, ElementTable  # noqa: E402
from unmix3d.core.scene.mockup import mockup_from_triangles  # noqa: E402
from unmix3d.core.simulate import Geometry, PixelGrid, prepare_scene  # noqa: E402
from unmix3d.core.tiling import simulate_tiled  # noqa: E402

X0, Y0 = 500000.0, 4800000.0
BANDS = ["B1"]
SKYL = np.array([0.15])


def box(x0, y0, x1, y1, z1):
    a, b, c, d = (x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)
    roof = [[a, b, c], [a, c, d]]
    walls = []
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)),
                               ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        walls += [[(ax, ay, 0.0), (bx, by, 0.0), (bx, by, z1)],
                  [(ax, ay, 0.0), (bx, by, z1), (ax, ay, z1)]]
    return roof, walls


def city(size: float, height: float, seed: int = 3):
    """Towers up to ``height`` metres every 24 m, bright walls (multiple scattering)."""
    rng = np.random.default_rng(seed)
    ground = [[(X0, Y0, 0.0), (X0 + size, Y0, 0.0), (X0 + size, Y0 + size, 0.0)],
              [(X0, Y0, 0.0), (X0 + size, Y0 + size, 0.0), (X0, Y0 + size, 0.0)]]
    roofs, walls = [], []
    for x in np.arange(4.0, size - 14.0, 24.0):
        for y in np.arange(4.0, size - 14.0, 24.0):
            w, d = rng.uniform(6, 12, 2)
            roof, wall = box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + d,
                             rng.uniform(0.3, 1.0) * height)
            roofs += roof
            walls += wall
    parts = {"ground": ground, "roof": roofs, "wall": walls}
    names = list(parts)
    triangles = np.concatenate([np.asarray(parts[n], np.float64) for n in names])
    part = np.concatenate([np.full(len(parts[n]), i) for i, n in enumerate(names)])
    elements = ElementTable([Element("ground", ["ground"], "opaque", op={"B1": 0.3}),
                             Element("roof", ["roof"], "opaque", op={"B1": 0.2}),
                             Element("wall", ["wall"], "opaque", op={"B1": 0.7})], BANDS)
    return mockup_from_triangles(triangles, part, names), elements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=480.0)
    parser.add_argument("--pixel", type=float, default=4.0)
    parser.add_argument("--tile", type=int, default=8)
    parser.add_argument("--height", type=float, default=40.0)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--margins", default="0,5,10,20,40,80")
    args = parser.parse_args()
    geometry = Geometry(sun_zenith=60.0, sun_azimuth=140.0, view_zenith=30.0,
                        view_azimuth=260.0)
    mockup, elements = city(args.size, args.height)
    n = int(round(args.size / args.pixel))
    grid = PixelGrid(X0, Y0 + args.size, args.pixel, args.pixel, n, n)
    whole = simulate_products(prepare_scene(mockup, elements), grid, geometry, BANDS, SKYL,
                              samples=args.samples, seed=11)
    reference = whole.reflectance[0]
    error = whole.stderr[0]
    noisy = error > 0  # pixels whose paths all agree have no standard error
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for margin in (float(m) for m in args.margins.split(",")):
            path = str(Path(folder) / f"m{margin}.tif")
            run = simulate_tiled(mockup, elements, grid, geometry, BANDS, SKYL,
                                 {"reflectance": path}, tile_size=args.tile,
                                 samples=args.samples, seed=11, margin=margin)
            tiled = read_raster(path).data[0]
            difference = tiled - reference.astype(np.float32)  # the GeoTIFF is float32
            rows.append({
                "margin_m": margin,
                "margin_heights": round(margin / args.height, 3),
                "halo_m": round(run.halo, 2),
                "triangles_per_tile": round(run.triangles_per_tile, 1),
                "mean_bias_percent": round(100 * difference.mean() / reference.mean(), 4),
                "mean_abs_error": float(f"{np.abs(difference).mean():.3g}"),
                "max_abs_error": float(f"{np.abs(difference).max():.3g}"),
                "max_error_over_stderr": round(float(np.abs(difference[noisy]
                                                            / error[noisy]).max()), 3),
                "pixels_off_by_over_3_stderr": int((np.abs(difference[noisy])
                                                    > 3 * error[noisy]).sum()),
                "seconds": round(run.seconds, 2),
            })
    print(json.dumps({
        "scene": {"size_m": args.size, "pixel_m": args.pixel, "tile_pixels": args.tile,
                  "tallest_m": args.height, "triangles": mockup.triangle_count,
                  "samples": args.samples, "geometry": vars(geometry),
                  "untiled_mean_brf": round(float(reference.mean()), 5),
                  "mean_stderr": float(f"{error.mean():.3g}")},
        "margins": rows,
    }, indent=1))


if __name__ == "__main__":
    main()
