"""Loading a large mock-up: write an OBJ of N triangles (terrain plus leaf soup, 50 groups),
then time reading it (core/scene/mockup.read_obj), preparing the scene (element assignment,
normals) and building the BVH, with the peak resident memory of the process.

Run: .venv/bin/python benchmarks/bench_load.py [--triangles 10000000]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from memory import status_kib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from package_import import import_unmix3d  # noqa: E402

import_unmix3d()
from unmix3d.core.scene.elements import Element, ElementTable  # noqa: E402
from unmix3d.core.scene.mockup import load_mockup  # noqa: E402
from unmix3d.core.simulate import prepare_scene  # noqa: E402


def peak_rss_mib() -> float:
    return status_kib("VmHWM") / 1024


def write_obj(path: str, triangles: int, seed: int = 0) -> None:
    """Half terrain (a 1 km heightfield), half small leaves in 49 crown groups."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(triangles / 4))
    x, y = np.meshgrid(np.linspace(0, 1000, side + 1), np.linspace(0, 1000, side + 1))
    z = 5 * np.sin(x / 90) * np.cos(y / 70)
    grid = np.column_stack([x.ravel() + 500000, y.ravel() + 4800000, z.ravel()])
    index = np.arange((side + 1) ** 2).reshape(side + 1, side + 1)
    a, b = index[:-1, :-1].ravel(), index[:-1, 1:].ravel()
    c, d = index[1:, 1:].ravel(), index[1:, :-1].ravel()
    terrain = np.concatenate([np.column_stack([a, b, c]), np.column_stack([a, c, d])]) + 1
    leaves = triangles - len(terrain)
    with open(path, "w") as handle:
        handle.write("g ground\n")
        np.savetxt(handle, grid, fmt="v %.3f %.3f %.3f")
        np.savetxt(handle, terrain, fmt="f %d %d %d")
        offset = len(grid)
        for crown, count in enumerate(np.array_split(np.arange(leaves), 49)):
            centre = np.array([500100 + 100 * (crown % 7) * 1.2, 4800100 + 100 * (crown // 7),
                               12.0])
            points = centre + rng.normal(0, 3, (len(count), 1, 3)) + rng.uniform(
                -0.3, 0.3, (len(count), 3, 3))
            handle.write(f"g tree_{crown}\n")
            np.savetxt(handle, points.reshape(-1, 3), fmt="v %.3f %.3f %.3f")
            faces = offset + 1 + np.arange(3 * len(count)).reshape(-1, 3)
            np.savetxt(handle, faces, fmt="f %d %d %d")
            offset += 3 * len(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triangles", type=int, default=10_000_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="unmix3d-load-")
    path = os.path.join(folder, "big.obj")
    start = time.perf_counter()
    write_obj(path, args.triangles)
    written = time.perf_counter() - start
    base = peak_rss_mib()
    start = time.perf_counter()
    mockup = load_mockup(path)
    loaded = time.perf_counter() - start
    after_load = peak_rss_mib()
    table = ElementTable([Element("ground", ["ground"], "opaque", op={"B1": 0.2}),
                          Element("leaves", ["tree_*"], "translucent", rt_ratio=1.0,
                                  op={"B1": 0.9})], ["B1"])
    start = time.perf_counter()
    scene = prepare_scene(mockup, table)
    prepared = time.perf_counter() - start
    print(json.dumps({
        "triangles": mockup.triangle_count, "obj_mib": os.path.getsize(path) / 2**20,
        "write_obj_s": written, "load_obj_s": loaded, "prepare_scene_and_bvh_s": prepared,
        "peak_rss_before_load_mib": base, "peak_rss_after_load_mib": after_load,
        "peak_rss_after_bvh_mib": peak_rss_mib(), "variables": scene.n_variables,
    }, indent=1))
    os.remove(path)


if __name__ == "__main__":
    main()
