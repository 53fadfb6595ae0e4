"""Benchmark core.mockup.build_mockup on a generated city: N buildings (rectangles,
L-shapes, courtyards) and N trees on a street grid, flat ground at 5 m, written as OBJ.

Prints one JSON object per run: buildings, trees, triangles, seconds, peak RSS MB. Each run
is a fresh child process so that peak RSS is that run's own.

    .venv/bin/python benchmarks/bench_build_mockup.py                # the default runs
    .venv/bin/python benchmarks/bench_build_mockup.py --buildings 100000 --trees 100000 \
        --tree-mode turbid --one
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def city(n_buildings: int, n_trees: int, seed: int = 0):
    """Footprints (WKB), heights, tree points on a grid of 40 m blocks, UTM-like coordinates."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    x0, y0, block = 500000.0, 4800000.0, 40.0
    side = math.ceil(math.sqrt(n_buildings))
    i = np.arange(n_buildings)
    cx = x0 + (i % side + 0.5) * block
    cy = y0 + (i // side + 0.5) * block
    w = rng.uniform(12, 25, n_buildings)
    h = rng.uniform(12, 25, n_buildings)
    kind = rng.integers(0, 10, n_buildings)  # 0-6 rectangles, 7-8 L-shapes, 9 courtyards
    boxes = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    notches = shapely.box(cx, cy, cx + w / 2, cy + h / 2)
    yards = shapely.box(cx - w / 5, cy - h / 5, cx + w / 5, cy + h / 5)
    geoms = np.where(kind <= 6, boxes, np.where(kind <= 8, shapely.difference(boxes, notches),
                                                shapely.difference(boxes, yards)))
    heights = rng.uniform(6, 40, n_buildings)
    heights[rng.random(n_buildings) < 0.01] = np.nan  # 1 % missing: skipped and counted
    extent = (x0, y0, x0 + side * block, y0 + math.ceil(n_buildings / side) * block)
    t = np.arange(n_trees)
    # trees along the streets (the block corners), jittered
    tx = x0 + (t % side) * block + rng.uniform(-1.5, 1.5, n_trees)
    ty = y0 + (t // side % max(1, math.ceil(n_buildings / side))) * block + rng.uniform(
        -1.5, 1.5, n_trees)
    return shapely.to_wkb(geoms), heights, tx, ty, extent


def run_one(args) -> dict:
    from package_import import import_unmix3d

    import_unmix3d()
    from unmix3d.core import mockup as build

    started = time.perf_counter()
    wkb, heights, tx, ty, extent = city(args.buildings, args.trees)
    generated = time.perf_counter() - started
    options = build.BuildOptions(
        extent=extent, ground_resolution=args.ground_resolution, crown_diameter=5.0,
        crown_height=5.0, crown_centre_height=6.0, leaf_size=args.leaf_size,
        tree_mode=args.tree_mode, max_triangles=200_000_000, bands=("B2", "B3", "B4", "B8"))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = build.build_mockup(
            os.path.join(folder, "city.obj"), os.path.join(folder, "elements.csv"), None,
            options, buildings=build.PolygonInput(list(wkb), "buildings", height=heights),
            trees=build.TreeInput(tx, ty, name="trees"))
        seconds = time.perf_counter() - start
        size = os.path.getsize(result.obj_path)
    summary = result.summary
    return {
        "buildings": int(summary["buildings"]["built"]), "trees": int(summary["trees"]["built"]),
        "tree_mode": args.tree_mode, "leaf_size_m2": args.leaf_size,
        "triangles": int(summary["triangles"]), "groups": int(summary["groups"]),
        "grouping": summary["grouping"], "seconds": round(seconds, 2),
        "generate_inputs_seconds": round(generated, 2),
        "obj_mb": round(size / 2 ** 20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "missing_height_skipped": summary["buildings"]["counts"]["skipped_missing_height"],
    }


DEFAULT_RUNS = [
    ["--buildings", "3000", "--trees", "3000", "--leaf-size", "0.25"],
    ["--buildings", "3000", "--trees", "3000", "--tree-mode", "turbid"],
    ["--buildings", "100000", "--trees", "100000", "--tree-mode", "turbid",
     "--ground-resolution", "20"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=3000)
    parser.add_argument("--trees", type=int, default=3000)
    parser.add_argument("--tree-mode", default="triangles", choices=["triangles", "turbid"])
    parser.add_argument("--leaf-size", type=float, default=0.25)
    parser.add_argument("--ground-resolution", type=float, default=5.0)
    parser.add_argument("--one", action="store_true", help="run once in this process")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return
    runs = DEFAULT_RUNS if len(sys.argv) == 1 else [sys.argv[1:]]
    for run in runs:
        child = subprocess.run([sys.executable, __file__, *run, "--one"], capture_output=True,
                               text=True)
        if child.returncode:
            print(json.dumps({"run": run, "error": child.stderr[-2000:]}))
        else:
            print(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
