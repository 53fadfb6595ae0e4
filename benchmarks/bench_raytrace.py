"""Ray-tracing benchmark: the Numba BVH of ``core.raytrace.bvh`` against Embree (embreex).

Usage::

    .venv/bin/python benchmarks/bench_raytrace.py [--sizes 100000 1000000 10000000] [--rays N]

Prints one JSON object. Scene of n triangles: a terrain heightfield (n/2 triangles over
1 km x 1 km, 40 m of relief) plus n/2 small random triangles (0.3-1 m) clumped in tree-crown
balls of 2-8 m radius standing on it. Rays (the same for Numba and Embree): half primary
rays from 20 m above the scene looking down within 45 deg of nadir, half secondary-bounce-like
rays from random points inside the scene's box in uniformly random directions.

Each size runs in its own subprocess, so the build's peak memory is that process's peak
resident set (Linux VmHWM, reset just before the build via /proc/self/clear_refs) minus its
resident set before the build; Numba allocations are included. Threads: Numba via
``numba.set_num_threads``; Embree traces single rays with ``rtcIntersect1`` in a loop that
releases the GIL, so "1 thread" is one ``scene.run`` call and "2 threads" is two Python
threads each tracing half the rays (Embree's own TBB pool only serves its build, which uses
all cores and is reported for information).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from memory import reset_peak, status_kib

ROOT = Path(__file__).resolve().parents[1]


def _import_bvh():
    """Import the repository as package ``unmix3d`` (as the tests do) and return bvh."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from package_import import import_unmix3d

    import_unmix3d()
    from unmix3d.core.raytrace import bvh

    return bvh


def make_scene(n: int, seed: int = 0) -> np.ndarray:
    """Terrain heightfield (~n/2 triangles) + ~n/2 small triangles in crown balls, float32."""
    rng = np.random.default_rng(seed)
    size = 1000.0
    cells = max(1, int(np.sqrt(n / 4)))
    x = np.linspace(0.0, size, cells + 1)
    gx, gy = np.meshgrid(x, x, indexing="ij")

    def height(px, py):
        return 15.0 * np.sin(px / 97.0) * np.cos(py / 131.0) + 5.0 * np.sin((px + py) / 23.0)

    gz = height(gx, gy)
    verts = np.stack([gx, gy, gz], axis=-1).astype(np.float32)
    a = verts[:-1, :-1].reshape(-1, 3)
    b = verts[1:, :-1].reshape(-1, 3)
    c = verts[1:, 1:].reshape(-1, 3)
    d = verts[:-1, 1:].reshape(-1, 3)
    terrain = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    del a, b, c, d, verts, gx, gy, gz

    n_small = max(0, n - terrain.shape[0])
    per_crown = 2000
    n_crowns = max(1, n_small // per_crown)
    crown_xy = rng.uniform(0.0, size, (n_crowns, 2))
    crown_r = rng.uniform(2.0, 8.0, n_crowns)
    crown_z = height(crown_xy[:, 0], crown_xy[:, 1]) + crown_r + rng.uniform(2.0, 10.0, n_crowns)
    small = np.empty((n_small, 3, 3), np.float32)
    chunk = 1_000_000
    for s in range(0, n_small, chunk):
        m = min(chunk, n_small - s)
        k = rng.integers(0, n_crowns, m)
        dirv = rng.normal(size=(m, 3))
        dirv /= np.linalg.norm(dirv, axis=1)[:, None]
        rad = crown_r[k] * rng.uniform(0.0, 1.0, m) ** (1.0 / 3.0)
        centre = np.column_stack([crown_xy[k], crown_z[k]]) + dirv * rad[:, None]
        edge = rng.uniform(0.3, 1.0, m)[:, None, None]
        small[s : s + m] = centre[:, None, :] + edge * rng.normal(0.0, 0.5, (m, 3, 3))
    return np.concatenate([terrain, small]).astype(np.float32)


def make_rays(tri: np.ndarray, n_rays: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Half primary rays from above looking down, half random secondary rays inside the box."""
    rng = np.random.default_rng(seed)
    lo = tri.reshape(-1, 3).min(0).astype(np.float64)
    hi = tri.reshape(-1, 3).max(0).astype(np.float64)
    n1 = n_rays // 2
    n2 = n_rays - n1
    o1 = np.column_stack(
        [rng.uniform(lo[0], hi[0], n1), rng.uniform(lo[1], hi[1], n1), np.full(n1, hi[2] + 20.0)]
    )
    cos_max = np.cos(np.radians(45.0))
    mu = rng.uniform(cos_max, 1.0, n1)
    phi = rng.uniform(0.0, 2.0 * np.pi, n1)
    sin_t = np.sqrt(1.0 - mu**2)
    d1 = np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), -mu])
    o2 = rng.uniform(lo, hi, (n2, 3))
    d2 = rng.normal(size=(n2, 3))
    d2 /= np.linalg.norm(d2, axis=1)[:, None]
    org = np.concatenate([o1, o2])
    dirs = np.concatenate([d1, d2])
    # float32-exact rays, so Numba and Embree trace the very same rays
    return org.astype(np.float32).astype(np.float64), dirs.astype(np.float32).astype(np.float64)


def run_child(scene_file: str, n_rays: int, repeat: int) -> dict:
    """Measure one scene (in a fresh process)."""
    import numba

    bvh_mod = _import_bvh()
    # warm-up (loads the cached compiled code) on a tiny scene
    small = make_scene(2000, seed=5)
    wb = bvh_mod.build_bvh(small)
    wo, wd = make_rays(small, 100)
    bvh_mod.trace_closest(wb, wo, wd, 0.0, np.inf)
    bvh_mod.any_hit_batch(wb, wo, wd, 0.0, np.inf)
    del wb, small

    tri = np.load(scene_file)
    n = tri.shape[0]
    rss0 = status_kib("VmRSS")
    reset_ok = reset_peak()
    t0 = time.perf_counter()
    bvh = bvh_mod.build_bvh(tri)
    build_s = time.perf_counter() - t0
    peak = status_kib("VmHWM")
    if not reset_ok:
        peak = -1
    bvh_bytes = bvh.nodes_b.nbytes + bvh.tris.nbytes + bvh.tri_ids.nbytes  # nodes_c aliases

    org, dirs = make_rays(tri, n_rays)
    res: dict = {
        "triangles": int(n),
        "rays": int(n_rays),
        "bvh_build_s": round(build_s, 3),
        "bvh_build_peak_rss_increase_MB": round((peak - rss0) / 1024, 1) if peak > 0 else None,
        "bvh_size_MB": round(bvh_bytes / 2**20, 1),
        "bvh_nodes": int(bvh.nodes_b.shape[0]),
        "bvh_depth": bvh_mod.bvh_depth(bvh),
    }

    from embreex import rtcore_scene as rtcs
    from embreex.mesh_construction import TriangleMesh

    t0 = time.perf_counter()
    scene = rtcs.EmbreeScene()
    TriangleMesh(scene, tri)
    o32 = org.astype(np.float32)
    d32 = dirs.astype(np.float32)
    scene.run(o32[:1], d32[:1], output=1)  # commit happens on first query
    emb_build_s = time.perf_counter() - t0

    def emb_trace(parts: int) -> list:
        store: list = [None] * parts

        def work(k: int) -> None:
            s = k * n_rays // parts
            e = (k + 1) * n_rays // parts
            store[k] = scene.run(o32[s:e], d32[s:e], output=1)

        th = [threading.Thread(target=work, args=(k,)) for k in range(parts)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        return store

    # Numba and Embree timings interleaved (best of `repeat`): the machine's speed drifts.
    nb_t = {}
    nb_any = {}
    emb_t = {}
    for threads in (1, 2):
        numba.set_num_threads(threads)
        nb_t[threads] = nb_any[threads] = emb_t[threads] = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            t_nb, id_nb = bvh_mod.trace_closest(bvh, org, dirs, 0.0, np.inf)
            t1 = time.perf_counter()
            bvh_mod.any_hit_batch(bvh, org, dirs, 0.0, np.inf)
            t2 = time.perf_counter()
            emb_res = emb_trace(threads)
            t3 = time.perf_counter()
            nb_t[threads] = min(nb_t[threads], t1 - t0)
            nb_any[threads] = min(nb_any[threads], t2 - t1)
            emb_t[threads] = min(emb_t[threads], t3 - t2)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    t_emb = np.concatenate([r["tfar"] for r in emb_res]).astype(np.float64)
    id_emb = np.concatenate([r["primID"] for r in emb_res]).astype(np.int64)
    id_emb[id_emb >= n] = -1
    id_emb[id_emb < 0] = -1

    both_miss = (id_nb < 0) & (id_emb < 0)
    both_hit = (id_nb >= 0) & (id_emb >= 0)
    close_t = both_hit & (np.abs(t_nb - t_emb) <= 1e-4 * np.maximum(1.0, np.abs(t_emb)))
    same_id = both_hit & (id_nb == id_emb)
    agree = both_miss | (same_id & close_t) | close_t  # close_t: tie on a shared edge

    for threads in (1, 2):
        res[f"numba_closest_rays_per_s_{threads}t"] = round(n_rays / nb_t[threads])
        res[f"embree_closest_rays_per_s_{threads}t"] = round(n_rays / emb_t[threads])
        res[f"ratio_numba_over_embree_{threads}t"] = round(emb_t[threads] / nb_t[threads], 3)
        res[f"numba_anyhit_rays_per_s_{threads}t"] = round(n_rays / nb_any[threads])
    res["embree_build_s_all_cores"] = round(emb_build_s, 3)
    res["hit_fraction"] = round(float((id_nb >= 0).mean()), 4)
    res["agree_fraction"] = round(float(agree.mean()), 6)
    res["same_id_or_both_miss_fraction"] = round(float((both_miss | same_id).mean()), 6)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--rays", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5, help="best of this many timings")
    ap.add_argument("--child", type=str, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child is not None:
        print(json.dumps(run_child(args.child, args.rays, args.repeat)))
        return

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = os.path.join(tmp, f"scene_{n}.npy")
            np.save(path, make_scene(n))
            proc = subprocess.run(
                [sys.executable, __file__, "--child", path, "--rays", str(args.rays),
                 "--repeat", str(args.repeat)],
                capture_output=True,
                text=True,
            )
            os.remove(path)
            if proc.returncode != 0:
                results.append({"triangles_requested": n, "error": proc.stderr[-2000:]})
                continue
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    import numba

    print(
        json.dumps(
            {
                "benchmark": "closest-hit ray tracing, Numba BVH vs Embree (embreex)",
                "scene": "terrain heightfield (n/2 tris, 1 km^2) + n/2 small tris in crown balls",
                "rays": "1/2 primary from above (<=45 deg off nadir), 1/2 random inside box",
                "embree_threads_method": "1 or 2 Python threads calling scene.run (GIL released)",
                "numba_threads_method": "numba.set_num_threads(1|2) around trace_closest",
                "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
                "numba": numba.__version__,
                "results": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
