"""BVH queries against a brute-force numpy reference over all triangles."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import trimesh

from unmix3d.core.raytrace.bvh import (
    any_hit,
    any_hit_batch,
    build_bvh,
    bvh_depth,
    closest_hit,
    trace_closest,
)


def brute_force(tri, org, dirs, tmin, tmax, eps=0.0):
    """All ray-triangle distances (float64 Moeller-Trumbore, both sides) -> t (n_rays, n_tri).

    eps > 0 widens the triangles' barycentric bounds (to accept either side of an edge)."""
    tri = tri.astype(np.float64)
    v0 = tri[:, 0]
    e1 = tri[:, 1] - v0
    e2 = tri[:, 2] - v0
    out = np.full((len(org), len(tri)), np.inf)
    for s in range(0, len(org), 256):
        o = org[s : s + 256, None, :]
        d = dirs[s : s + 256, None, :]
        p = np.cross(d, e2[None])
        det = np.einsum("rtk,tk->rt", p, e1)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / det
            sv = o - v0[None]
            u = np.einsum("rtk,rtk->rt", sv, p) * inv
            q = np.cross(sv, e1[None])
            v = np.einsum("rtk,rtk->rt", np.broadcast_to(d, q.shape), q) * inv
            t = np.einsum("tk,rtk->rt", e2, q) * inv
            ok = (det != 0) & (u >= -eps) & (v >= -eps) & (u + v <= 1 + eps)
        ok &= (t > tmin) & (t < tmax)
        out[s : s + 256] = np.where(ok, t, np.inf)
    return out


def check_closest(tri, org, dirs, tmin=0.0, tmax=np.inf, bvh=None, min_same=0.95):
    """Closest hits of the BVH (batch and scalar) equal the reference; returns hit mask."""
    bvh = build_bvh(tri) if bvh is None else bvh
    # the BVH widens triangles by 1e-9 of their size (closes rounding gaps at shared
    # vertices); the reference does the same, else it leaks where the BVH correctly hits
    ref = brute_force(tri, org, dirs, tmin, tmax, eps=1e-9)
    ref_t = ref.min(axis=1)
    ref_hit = np.isfinite(ref_t)
    t, ids = trace_closest(bvh, org, dirs, tmin, tmax)
    assert np.array_equal(ids >= 0, ref_hit)
    assert np.allclose(t[ref_hit], ref_t[ref_hit], rtol=1e-9, atol=1e-9)
    assert np.all(t[~ref_hit] == tmax)
    # the id is the original index; on ties (a ray through a shared edge or vertex) any
    # triangle hit at that t is right
    rows = np.nonzero(ref_hit)[0]
    same = ids[rows] == ref.argmin(axis=1)[rows]
    assert len(rows) == 0 or same.mean() >= min_same
    assert np.allclose(ref[rows, ids[rows]], ref_t[rows], rtol=1e-9, atol=1e-9)
    # the scalar njit function gives the same as the batch helper
    for r in range(0, len(org), max(1, len(org) // 50)):
        ts, i = closest_hit(bvh, *org[r], *dirs[r], tmin, tmax)
        assert i == ids[r] and ts == t[r]
    # any_hit agrees with the reference, batch and scalar
    anyh = any_hit_batch(bvh, org, dirs, tmin, tmax)
    assert np.array_equal(anyh, ref_hit)
    for r in range(0, len(org), max(1, len(org) // 50)):
        assert any_hit(bvh, *org[r], *dirs[r], tmin, tmax) == ref_hit[r]
    return ref_hit


def random_dirs(rng, n):
    d = rng.normal(size=(n, 3))
    return d / np.linalg.norm(d, axis=1)[:, None]


AXES = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1], [1, 1, 0]], float
)
AXES /= np.linalg.norm(AXES, axis=1)[:, None]


def soup(rng, n, spread=10.0, size=0.7):
    c = rng.uniform(0.0, spread, (n, 1, 3))
    return (c + rng.normal(0.0, size, (n, 3, 3))).astype(np.float32)


def test_empty_and_bad_input():
    with pytest.raises(ValueError):
        build_bvh(np.zeros((0, 3, 3), np.float32))
    with pytest.raises(ValueError):
        build_bvh(np.zeros((4, 3), np.float32))
    bad = np.zeros((2, 3, 3), np.float32)
    bad[1, 1, 1] = np.nan
    with pytest.raises(ValueError):
        build_bvh(bad)


@pytest.mark.parametrize("n", [1, 2, 7, 300, 5000])
def test_random_soup(n):
    rng = np.random.default_rng(n)
    tri = soup(rng, n)
    m = 1500
    org = rng.uniform(-2.0, 12.0, (m, 3))
    dirs = random_dirs(rng, m)
    dirs[:140] = AXES[np.arange(140) % len(AXES)]  # axis-parallel (zero components)
    hit = check_closest(tri, org, dirs)
    if n >= 300:
        assert 0.2 < hit.mean() < 1.0  # the test must see both hits and misses


def test_tmin_tmax_and_rays_from_surfaces():
    rng = np.random.default_rng(1)
    tri = soup(rng, 3000)
    bvh = build_bvh(tri)
    m = 1500
    k = rng.integers(0, len(tri), m)
    w = rng.dirichlet([1.0, 1.0, 1.0], m)
    org = np.einsum("rv,rvk->rk", w, tri[k].astype(np.float64))  # on triangle k
    dirs = random_dirs(rng, m)
    dirs[:70] = AXES[np.arange(70) % len(AXES)]
    check_closest(tri, org, dirs, tmin=1e-6, bvh=bvh)
    t, ids = trace_closest(bvh, org, dirs, 1e-6, np.inf)
    assert not np.any((ids == k) & (t < 1e-3))  # never re-hits its own surface
    # a finite tmax window
    org2 = rng.uniform(-2.0, 12.0, (m, 3))
    check_closest(tri, org2, dirs, tmin=0.5, tmax=3.0, bvh=bvh)


def test_direction_need_not_be_normalised():
    rng = np.random.default_rng(2)
    tri = soup(rng, 1000)
    bvh = build_bvh(tri)
    org = rng.uniform(0.0, 10.0, (500, 3))
    dirs = random_dirs(rng, 500)
    t1, i1 = trace_closest(bvh, org, dirs, 0.0, np.inf)
    t2, i2 = trace_closest(bvh, org, 4.0 * dirs, 0.0, np.inf)
    hit = i1 >= 0
    assert np.array_equal(i1, i2)
    assert np.allclose(t2[hit], t1[hit] / 4.0, rtol=1e-12)


def test_degenerate_and_duplicate_triangles():
    rng = np.random.default_rng(3)
    tri = soup(rng, 400)
    tri[::7, 1] = tri[::7, 0]  # zero-area: repeated vertex
    tri[1::7, 2] = 2.0 * tri[1::7, 1] - tri[1::7, 0]  # zero-area: collinear
    same = np.repeat(soup(rng, 1), 3000, axis=0)  # many identical triangles (one centroid)
    tri = np.concatenate([tri, same])
    bvh = build_bvh(tri)
    assert bvh_depth(bvh) < 60
    m = 800
    org = rng.uniform(-2.0, 12.0, (m, 3))
    target = same[0].mean(axis=0)
    dirs = random_dirs(rng, m)
    dirs[: m // 2] = target - org[: m // 2]  # half the rays aim at the duplicated triangle
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    check_closest(tri, org, dirs, min_same=0.0)  # 3000-fold ties: any of them is right


def _mesh_triangles(mesh):
    return np.asarray(mesh.vertices, np.float64)[np.asarray(mesh.faces)].astype(np.float32)


@pytest.mark.parametrize("kind", ["icosphere", "box"])
def test_closed_mesh_is_watertight(kind):
    rng = np.random.default_rng(4)
    if kind == "icosphere":
        mesh = trimesh.creation.icosphere(subdivisions=4, radius=3.0)
        centre = np.zeros(3)
        inner = 2.5
    else:
        mesh = trimesh.creation.box(extents=(4.0, 3.0, 2.0))
        mesh = mesh.subdivide().subdivide()
        centre = np.zeros(3)
        inner = 0.9
    assert mesh.is_watertight
    tri = _mesh_triangles(mesh) + np.float32(7.25)  # off-origin, like a local frame
    bvh = build_bvh(tri)
    m = 40000
    org = centre + 7.25 + rng.uniform(-inner, inner, (m, 3)) / np.sqrt(3.0)
    dirs = random_dirs(rng, m)
    # rays aimed exactly at vertices and edge midpoints (the hardest cases for leaks)
    verts = np.asarray(mesh.vertices) + 7.25
    edges = np.asarray(mesh.vertices)[np.asarray(mesh.edges_unique)].mean(axis=1) + 7.25
    aims = np.concatenate([verts, edges])
    k = min(len(aims), m // 2)
    dirs[:k] = aims[:k] - org[:k]
    dirs[:k] /= np.linalg.norm(dirs[:k], axis=1)[:, None]
    dirs[k : k + 600] = AXES[np.arange(600) % len(AXES)]
    t, ids = trace_closest(bvh, org, dirs, 0.0, np.inf)
    assert np.all(ids >= 0), f"{np.sum(ids < 0)} rays leaked out of a closed mesh"
    assert np.all(any_hit_batch(bvh, org, dirs, 0.0, np.inf))
    # and from outside, the reference agrees on a subset
    # (aimed at vertices and edges: ties everywhere, any triangle at the right t is right)
    check_closest(tri, org[:600] + 10.0 * dirs[:600], -dirs[:600], bvh=bvh, min_same=0.0)


def test_thread_count_does_not_change_results():
    rng = np.random.default_rng(5)
    tri = soup(rng, 20000, spread=30.0)
    bvh = build_bvh(tri)
    org = rng.uniform(0.0, 30.0, (20000, 3))
    dirs = random_dirs(rng, 20000)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        t1, i1 = trace_closest(bvh, org, dirs, 0.0, np.inf)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        t2, i2 = trace_closest(bvh, org, dirs, 0.0, np.inf)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(i1, i2)
    assert np.array_equal(t1, t2)


@numba.njit(parallel=True, cache=True)
def _user_kernel(bvh, org, dirs):
    """How the integrator uses the queries: inside its own prange kernel."""
    out = np.zeros(org.shape[0], np.int64)
    for r in numba.prange(org.shape[0]):
        t, i = closest_hit(bvh, org[r, 0], org[r, 1], org[r, 2], dirs[r, 0], dirs[r, 1],
                           dirs[r, 2], 0.0, np.inf)
        if i >= 0 and not any_hit(bvh, org[r, 0], org[r, 1], org[r, 2], dirs[r, 0], dirs[r, 1],
                                  dirs[r, 2], 0.0, 0.999 * t):
            out[r] = i
        else:
            out[r] = -1
    return out


def test_callable_from_user_njit_kernel():
    rng = np.random.default_rng(6)
    tri = soup(rng, 2000)
    bvh = build_bvh(tri)
    org = rng.uniform(0.0, 10.0, (3000, 3))
    dirs = random_dirs(rng, 3000)
    _, ids = trace_closest(bvh, org, dirs, 0.0, np.inf)
    assert np.array_equal(_user_kernel(bvh, org, dirs), ids)
