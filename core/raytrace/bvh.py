"""Bounding volume hierarchy over triangles and the ray queries of the Monte Carlo tracer.

Layout: a binned-SAH binary tree collapsed into a 4-wide BVH whose nodes store the boxes of
their 4 children (one 128-byte record), so a traversal step tests 4 boxes from one node and
visits the hit children nearest first; 4-wide halves the number of dependent memory loads.
Triangles are stored reordered in leaf order as float32 vertices; the ray-triangle test
(Moeller-Trumbore) runs in float64, where edges of float32 vertices are exact, so rays
through an edge shared by two triangles do not leak in practice.

Boxes are padded outward (about two float32 ulps of the largest coordinate) at build time,
which makes the float64 slab test conservative (a box never misses a ray that hits one of its
triangles).

The query functions are Numba ``njit`` functions meant to be called from other ``njit``
(also ``prange``) kernels with scalar float64 arguments; they allocate nothing on the heap
(the traversal stack lives on the machine stack).

Above 600 lines on purpose: the build writes the 128-byte node record and the traversal
reads it; both halves of that one data structure change together, so they stay in one file.
"""

from __future__ import annotations

import typing

import numba
import numpy as np
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["BVH", "build_bvh", "closest_hit", "any_hit", "trace_closest", "any_hit_batch"]

# Traversal stack capacity. The build switches from SAH to balanced (midpoint) splits below
# depth _SAH_MAX_DEPTH; a midpoint split halves the range, so the binary depth stays below
# _SAH_MAX_DEPTH + 32 = 80 for any n < 2**31. A 4-wide level pushes at most 3 entries and is
# at most as deep as the binary tree, so 3 * 80 < _STACK_SIZE: the stack cannot overflow.
_STACK_SIZE = 256
_SAH_MAX_DEPTH = 48
_NODE_WORDS = 32
_NBINS = 16
_MAX_LEAF = 8  # leaves never hold more triangles than this (except identical centroids)
_COST_NODE = 1.0  # SAH cost of one traversal step relative to ...
_COST_TRI = 1.0  # ... one ray-triangle test
_BARY_EPS = 1e-9
_INV_ZERO = 1e300  # "1/0" for direction components that are exactly zero (finite: no NaN)


class BVH(typing.NamedTuple):
    """Flat 4-wide BVH (numpy arrays only, so Numba takes it as one argument).

    nodes_b: float32 (m, 32), one 128-byte record per node, 64-byte aligned. Columns 0-23
        hold the boxes of the node's 4 children as SoA: minx[4], miny[4], minz[4], maxx[4],
        maxy[4], maxz[4], padded slightly outward; empty slots are inverted boxes.
    nodes_c: int32 (m, 32), the same memory viewed as int32; columns 24-27 are the children's
        refs and 28-31 their counts: count == -1 means an inner node (ref = node row),
        count >= 0 a leaf of ``count`` triangles from row ``ref`` of ``tris``. Row 0 = root.
    tris: float32 (n, 9): triangle vertices v0, v1, v2 in leaf order.
    tri_ids: int64 (n,): original index of each row of ``tris``.
    """

    nodes_b: np.ndarray
    nodes_c: np.ndarray
    tris: np.ndarray
    tri_ids: np.ndarray


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _bin_of(c: float, cmin: float, scale: float) -> int:
    k = int((c - cmin) * scale)
    if k < 0:
        k = 0
    if k >= _NBINS:
        k = _NBINS - 1
    return k


@numba.njit(cache=True, inline="always")
def _half_area(b0, b1, b2, b3, b4, b5) -> float:
    dx = np.float64(b3) - np.float64(b0)
    dy = np.float64(b4) - np.float64(b1)
    dz = np.float64(b5) - np.float64(b2)
    if dx < 0.0 or dy < 0.0 or dz < 0.0:
        return 0.0
    return dx * dy + dy * dz + dz * dx


@numba.njit(cache=True)
def _range_box(tb, idx, s, e, out, o):
    """Union of the triangle boxes idx[s:e] into out[o:o+6]."""
    inf = np.float32(np.inf)
    for a in range(3):
        out[o + a] = inf
        out[o + 3 + a] = -inf
    for i in range(s, e):
        t = idx[i]
        for a in range(3):
            lo = tb[t, a]
            hi = tb[t, 3 + a]
            if lo < out[o + a]:
                out[o + a] = lo
            if hi > out[o + 3 + a]:
                out[o + 3 + a] = hi


@numba.njit(cache=True, nogil=True)
def _build_kernel(tb, cent, max_leaf, cost_node, cost_tri):
    """Iterative binned-SAH build. tb: float32 (n, 6) triangle boxes; cent: float32 (n, 3).

    Returns (nodes_b, nodes_c, idx, n_nodes, max_depth)."""
    n = tb.shape[0]
    max_nodes = max(n, 1)
    nodes_b = np.empty((max_nodes, 12), np.float32)
    nodes_c = np.empty((max_nodes, 4), np.int32)
    idx = np.arange(n).astype(np.int32)

    # task stack: start, end, parent node, side (0 left, 1 right), depth
    cap = 4 * _STACK_SIZE + 16
    ts = np.empty(cap, np.int64)
    te = np.empty(cap, np.int64)
    tp = np.empty(cap, np.int64)
    tside = np.empty(cap, np.int64)
    tdep = np.empty(cap, np.int64)
    sp = 0
    ts[0] = 0
    te[0] = n
    tp[0] = -1
    tside[0] = 0
    tdep[0] = 0
    sp = 1

    bcnt = np.zeros((3, _NBINS), np.int64)
    bbox = np.empty((3, _NBINS, 6), np.float32)
    racc = np.empty(_NBINS, np.float64)  # right-sweep area
    rcnt = np.empty(_NBINS, np.int64)
    boxes = np.empty(12, np.float32)
    cmin = np.empty(3, np.float32)
    cmax = np.empty(3, np.float32)
    scale = np.empty(3, np.float64)
    inf = np.float32(np.inf)

    n_nodes = 0
    max_depth = 0
    while sp > 0:
        sp -= 1
        s = ts[sp]
        e = te[sp]
        parent = tp[sp]
        side = tside[sp]
        depth = tdep[sp]
        if depth > max_depth:
            max_depth = depth
        cnt = e - s

        mid = -1  # split position, -1 = make a leaf
        if cnt > 1:
            # centroid bounds
            for a in range(3):
                cmin[a] = inf
                cmax[a] = -inf
            for i in range(s, e):
                t = idx[i]
                for a in range(3):
                    c = cent[t, a]
                    if c < cmin[a]:
                        cmin[a] = c
                    if c > cmax[a]:
                        cmax[a] = c
            flat = True
            for a in range(3):
                ext = np.float64(cmax[a]) - np.float64(cmin[a])
                if ext > 0.0:
                    flat = False
                    scale[a] = _NBINS * (1.0 - 1e-6) / ext
                else:
                    scale[a] = 0.0

            if flat or depth >= _SAH_MAX_DEPTH:
                if cnt > max_leaf or parent < 0 or depth >= _SAH_MAX_DEPTH:
                    mid = s + cnt // 2
                    _range_box(tb, idx, s, mid, boxes, 0)
                    _range_box(tb, idx, mid, e, boxes, 6)
            else:
                # bin on all three axes
                for a in range(3):
                    for k in range(_NBINS):
                        bcnt[a, k] = 0
                        for q in range(3):
                            bbox[a, k, q] = inf
                            bbox[a, k, 3 + q] = -inf
                for i in range(s, e):
                    t = idx[i]
                    lo0 = tb[t, 0]
                    lo1 = tb[t, 1]
                    lo2 = tb[t, 2]
                    hi0 = tb[t, 3]
                    hi1 = tb[t, 4]
                    hi2 = tb[t, 5]
                    for a in range(3):
                        k = _bin_of(cent[t, a], cmin[a], scale[a])
                        bcnt[a, k] += 1
                        if lo0 < bbox[a, k, 0]:
                            bbox[a, k, 0] = lo0
                        if lo1 < bbox[a, k, 1]:
                            bbox[a, k, 1] = lo1
                        if lo2 < bbox[a, k, 2]:
                            bbox[a, k, 2] = lo2
                        if hi0 > bbox[a, k, 3]:
                            bbox[a, k, 3] = hi0
                        if hi1 > bbox[a, k, 4]:
                            bbox[a, k, 4] = hi1
                        if hi2 > bbox[a, k, 5]:
                            bbox[a, k, 5] = hi2
                # node box = union of the bins of axis 0
                nb0 = inf
                nb1 = inf
                nb2 = inf
                nb3 = -inf
                nb4 = -inf
                nb5 = -inf
                for k in range(_NBINS):
                    nb0 = min(nb0, bbox[0, k, 0])
                    nb1 = min(nb1, bbox[0, k, 1])
                    nb2 = min(nb2, bbox[0, k, 2])
                    nb3 = max(nb3, bbox[0, k, 3])
                    nb4 = max(nb4, bbox[0, k, 4])
                    nb5 = max(nb5, bbox[0, k, 5])
                area = _half_area(nb0, nb1, nb2, nb3, nb4, nb5)

                best_cost = np.inf
                best_axis = -1
                best_k = -1
                for a in range(3):
                    if scale[a] == 0.0:
                        continue
                    # right sweep
                    r0 = inf
                    r1 = inf
                    r2 = inf
                    r3 = -inf
                    r4 = -inf
                    r5 = -inf
                    rc = 0
                    for k in range(_NBINS - 1, 0, -1):
                        r0 = min(r0, bbox[a, k, 0])
                        r1 = min(r1, bbox[a, k, 1])
                        r2 = min(r2, bbox[a, k, 2])
                        r3 = max(r3, bbox[a, k, 3])
                        r4 = max(r4, bbox[a, k, 4])
                        r5 = max(r5, bbox[a, k, 5])
                        rc += bcnt[a, k]
                        racc[k] = _half_area(r0, r1, r2, r3, r4, r5)
                        rcnt[k] = rc
                    l0 = inf
                    l1 = inf
                    l2 = inf
                    l3 = -inf
                    l4 = -inf
                    l5 = -inf
                    lc = 0
                    for k in range(_NBINS - 1):  # left = bins 0..k
                        l0 = min(l0, bbox[a, k, 0])
                        l1 = min(l1, bbox[a, k, 1])
                        l2 = min(l2, bbox[a, k, 2])
                        l3 = max(l3, bbox[a, k, 3])
                        l4 = max(l4, bbox[a, k, 4])
                        l5 = max(l5, bbox[a, k, 5])
                        lc += bcnt[a, k]
                        if lc == 0 or rcnt[k + 1] == 0:
                            continue
                        cost = _half_area(l0, l1, l2, l3, l4, l5) * lc + racc[k + 1] * rcnt[k + 1]
                        if cost < best_cost:
                            best_cost = cost
                            best_axis = a
                            best_k = k
                leaf_cost = cost_tri * cnt
                split_cost = cost_node
                if area > 0.0:
                    split_cost += cost_tri * best_cost / area
                else:
                    split_cost += cost_tri * cnt
                if best_axis < 0:
                    # all centroids in one bin on every axis: balanced fallback
                    if cnt > max_leaf or parent < 0:
                        mid = s + cnt // 2
                        _range_box(tb, idx, s, mid, boxes, 0)
                        _range_box(tb, idx, mid, e, boxes, 6)
                elif cnt > max_leaf or split_cost < leaf_cost or parent < 0:
                    # partition idx[s:e] by bin <= best_k
                    a = best_axis
                    i = s
                    j = e - 1
                    while i <= j:
                        if _bin_of(cent[idx[i], a], cmin[a], scale[a]) <= best_k:
                            i += 1
                        else:
                            tmp = idx[i]
                            idx[i] = idx[j]
                            idx[j] = tmp
                            j -= 1
                    mid = i
                    for q in range(12):
                        boxes[q] = inf if (q % 6) < 3 else -inf
                    for k in range(_NBINS):
                        o = 0 if k <= best_k else 6
                        for q in range(3):
                            boxes[o + q] = min(boxes[o + q], bbox[a, k, q])
                            boxes[o + 3 + q] = max(boxes[o + 3 + q], bbox[a, k, 3 + q])

        if mid < 0:
            if parent < 0:
                # whole scene is one leaf: root with that leaf left and an empty leaf right
                node = n_nodes
                n_nodes += 1
                _range_box(tb, idx, s, e, boxes, 0)
                for q in range(6):
                    nodes_b[node, q] = boxes[q]
                    nodes_b[node, 6 + q] = inf if q < 3 else -inf
                nodes_c[node, 0] = s
                nodes_c[node, 1] = cnt
                nodes_c[node, 2] = 0
                nodes_c[node, 3] = 0
            else:
                nodes_c[parent, 2 * side] = s
                nodes_c[parent, 2 * side + 1] = cnt
        else:
            node = n_nodes
            n_nodes += 1
            if parent >= 0:
                nodes_c[parent, 2 * side] = node
                nodes_c[parent, 2 * side + 1] = -1
            for q in range(12):
                nodes_b[node, q] = boxes[q]
            # push right then left (left processed first: better locality)
            ts[sp] = mid
            te[sp] = e
            tp[sp] = node
            tside[sp] = 1
            tdep[sp] = depth + 1
            sp += 1
            ts[sp] = s
            te[sp] = mid
            tp[sp] = node
            tside[sp] = 0
            tdep[sp] = depth + 1
            sp += 1
    return nodes_b, nodes_c, idx, n_nodes, max_depth


@numba.njit(cache=True, parallel=True, nogil=True)
def _prepare(tri):
    """Triangle boxes (n, 6) and box centres (n, 3), float32."""
    n = tri.shape[0]
    tb = np.empty((n, 6), np.float32)
    cent = np.empty((n, 3), np.float32)
    for i in prange(n):
        for a in range(3):
            lo = min(tri[i, 0, a], tri[i, 1, a], tri[i, 2, a])
            hi = max(tri[i, 0, a], tri[i, 1, a], tri[i, 2, a])
            tb[i, a] = lo
            tb[i, 3 + a] = hi
            cent[i, a] = np.float32(0.5 * (np.float64(lo) + np.float64(hi)))
    return tb, cent


@numba.njit(cache=True, parallel=True, nogil=True)
def _reorder(tri, idx):
    """Triangles in leaf order as (n, 9) float32, and their original ids."""
    n = idx.shape[0]
    tris = np.empty((n, 9), np.float32)
    ids = np.empty(n, np.int64)
    for i in prange(n):
        t = idx[i]
        ids[i] = t
        for v in range(3):
            for a in range(3):
                tris[i, 3 * v + a] = tri[t, v, a]
    return tris, ids


@numba.njit(cache=True, nogil=True)
def _collapse(nodes_b, nodes_c, nb, nc, pad):
    """Turn the binary tree into a 4-wide one (SoA node records, boxes padded by ``pad``).

    Each 4-wide node takes the two children of a binary node and repeatedly opens the inner
    child of largest surface area until it has 4 children. Returns (n_nodes4, depth4)."""
    big = np.float32(np.inf)
    m = nodes_b.shape[0]
    todo_b = np.empty(m + 1, np.int64)  # binary node to expand
    todo_q = np.empty(m + 1, np.int64)  # its 4-wide node
    todo_d = np.empty(m + 1, np.int64)  # its depth
    sbox = np.empty((4, 6), np.float32)
    sref = np.empty(4, np.int64)
    scnt = np.empty(4, np.int64)
    head = 0
    tail = 1
    todo_b[0] = 0
    todo_q[0] = 0
    todo_d[0] = 1
    n4 = 1
    depth = 1
    while head < tail:
        b = todo_b[head]
        q = todo_q[head]
        d = todo_d[head]
        head += 1
        depth = max(depth, d)
        ns = 2
        for c in range(2):
            for k in range(6):
                sbox[c, k] = nodes_b[b, 6 * c + k]
            sref[c] = nodes_c[b, 2 * c]
            scnt[c] = nodes_c[b, 2 * c + 1]
        while ns < 4:
            pick = -1
            best = -1.0
            for c in range(ns):
                if scnt[c] < 0:
                    ar = _half_area(
                        sbox[c, 0], sbox[c, 1], sbox[c, 2], sbox[c, 3], sbox[c, 4], sbox[c, 5]
                    )
                    if ar > best:
                        best = ar
                        pick = c
            if pick < 0:
                break
            r = sref[pick]
            for c in range(2):
                slot = pick if c == 0 else ns
                for k in range(6):
                    sbox[slot, k] = nodes_b[r, 6 * c + k]
                sref[slot] = nodes_c[r, 2 * c]
                scnt[slot] = nodes_c[r, 2 * c + 1]
            ns += 1
        for c in range(4):
            if c < ns:
                for a in range(3):
                    lo = np.float32(np.float64(sbox[c, a]) - pad)
                    hi = np.float32(np.float64(sbox[c, 3 + a]) + pad)
                    nb[q, 4 * a + c] = np.nextafter(lo, -big)
                    nb[q, 12 + 4 * a + c] = np.nextafter(hi, big)
                if scnt[c] < 0:
                    child = n4
                    n4 += 1
                    todo_b[tail] = sref[c]
                    todo_q[tail] = child
                    todo_d[tail] = d + 1
                    tail += 1
                    nc[q, 24 + c] = child
                    nc[q, 28 + c] = -1
                else:
                    nc[q, 24 + c] = sref[c]
                    nc[q, 28 + c] = scnt[c]
            else:  # empty slot: inverted box, never hit
                for a in range(3):
                    nb[q, 4 * a + c] = big
                    nb[q, 12 + 4 * a + c] = -big
                nc[q, 24 + c] = 0
                nc[q, 28 + c] = 0
    return n4, depth


def build_bvh(
    triangles: np.ndarray,
    max_leaf: int = _MAX_LEAF,
    cost_node: float = _COST_NODE,
    cost_tri: float = _COST_TRI,
) -> BVH:
    """Build a binned-SAH BVH (16 bins, all 3 axes) over float32 (n, 3, 3) triangles.

    Coordinates are metres in a local frame (float32 has ~0.5 m resolution at UTM offsets).
    Degenerate triangles are accepted (rays never hit them). Raises ValueError on empty or
    non-finite input. ``max_leaf``/``cost_*`` tune the SAH (defaults measured to be fast).
    """
    tri = np.ascontiguousarray(triangles, dtype=np.float32)
    if tri.ndim != 3 or tri.shape[1:] != (3, 3):
        raise ValueError(f"triangles must have shape (n, 3, 3), got {tri.shape}")
    if tri.shape[0] == 0:
        raise ValueError("cannot build a BVH over zero triangles")
    if tri.shape[0] >= 2**31 - 1:
        raise ValueError("too many triangles (int32 indices)")
    if not np.isfinite(tri).all():
        raise ValueError("triangle coordinates must be finite")
    if max_leaf < 1:
        raise ValueError("max_leaf must be >= 1")
    tb, cent = _prepare(tri)
    nodes_b, nodes_c, idx, n_nodes, _ = _build_kernel(
        tb, cent, int(max_leaf), float(cost_node), float(cost_tri)
    )
    del tb, cent
    tris, ids = _reorder(tri, idx)
    del idx
    # 4-wide nodes, one 128-byte record each (24 float32 bounds + 8 int32), 64-byte aligned
    raw = np.empty(n_nodes * _NODE_WORDS + 16, np.float32)
    off = (-raw.ctypes.data % 64) // 4
    nb = raw[off : off + n_nodes * _NODE_WORDS].reshape(n_nodes, _NODE_WORDS)
    nc = nb.view(np.int32)
    # pad boxes by ~2 float32 ulps of the largest coordinate (plus one ulp of their own) so
    # the float64 slab test stays conservative even for bounds at or near zero
    pad = float(max(abs(float(tri.min())), abs(float(tri.max())))) * 2.0**-22
    n4, depth4 = _collapse(nodes_b[:n_nodes], nodes_c[:n_nodes], nb, nc, pad)
    del nodes_b, nodes_c
    if 3 * depth4 + 4 > _STACK_SIZE:  # cannot happen with the depth cap; checked anyway
        raise RuntimeError(f"BVH too deep ({depth4}) for the traversal stack")
    nb4 = np.empty((n4, _NODE_WORDS), np.float32) if n4 < n_nodes else nb
    if n4 < n_nodes:  # keep the alignment when shrinking
        raw = np.empty(n4 * _NODE_WORDS + 16, np.float32)
        off = (-raw.ctypes.data % 64) // 4
        nb4 = raw[off : off + n4 * _NODE_WORDS].reshape(n4, _NODE_WORDS)
        nb4[:] = nb[:n4]
    return BVH(nb4, nb4.view(np.int32), tris, ids)


def bvh_depth(bvh: BVH) -> int:
    """Depth of the 4-wide tree (root = 1), for diagnostics."""
    return int(_depth(bvh.nodes_c))


@numba.njit(cache=True)
def _depth(nodes_c):
    st = np.empty(4 * _STACK_SIZE, np.int64)
    dp = np.empty(4 * _STACK_SIZE, np.int64)
    st[0] = 0
    dp[0] = 1
    sp = 1
    best = 0
    while sp > 0:
        sp -= 1
        node = st[sp]
        d = dp[sp]
        best = max(best, d)
        for c in range(4):
            if nodes_c[node, 28 + c] < 0:
                st[sp] = nodes_c[node, 24 + c]
                dp[sp] = d + 1
                sp += 1
    return best


# --------------------------------------------------------------------------------------------
# Traversal
# --------------------------------------------------------------------------------------------


@intrinsic
def _stack_i32(typingctx):
    """A fixed int32 array of _STACK_SIZE entries on the machine stack (no heap, no NRT)."""
    arrty = types.Array(types.int32, 1, "C")

    def codegen(context, builder, signature, args):
        ary = context.make_array(arrty)(context, builder)
        ptr = cgutils.alloca_once(builder, context.get_data_type(types.int32), size=_STACK_SIZE)
        itemsize = context.get_constant(types.intp, 4)
        context.populate_array(
            ary,
            data=ptr,
            shape=[context.get_constant(types.intp, _STACK_SIZE)],
            strides=[itemsize],
            itemsize=itemsize,
            meminfo=None,
        )
        return ary._getvalue()

    return arrty(), codegen


@intrinsic
def _stack_f64(typingctx):
    """A fixed float64 array of _STACK_SIZE entries on the machine stack."""
    arrty = types.Array(types.float64, 1, "C")

    def codegen(context, builder, signature, args):
        ary = context.make_array(arrty)(context, builder)
        ptr = cgutils.alloca_once(
            builder, context.get_data_type(types.float64), size=_STACK_SIZE
        )
        itemsize = context.get_constant(types.intp, 8)
        context.populate_array(
            ary,
            data=ptr,
            shape=[context.get_constant(types.intp, _STACK_SIZE)],
            strides=[itemsize],
            itemsize=itemsize,
            meminfo=None,
        )
        return ary._getvalue()

    return arrty(), codegen


@numba.njit(cache=True, inline="always")
def _tri_t(tris, i, ox, oy, oz, dx, dy, dz):
    """Moeller-Trumbore in float64, division only for hits; t of the hit or -inf."""
    ax = np.float64(tris[i, 0])
    ay = np.float64(tris[i, 1])
    az = np.float64(tris[i, 2])
    e1x = np.float64(tris[i, 3]) - ax
    e1y = np.float64(tris[i, 4]) - ay
    e1z = np.float64(tris[i, 5]) - az
    e2x = np.float64(tris[i, 6]) - ax
    e2y = np.float64(tris[i, 7]) - ay
    e2z = np.float64(tris[i, 8]) - az
    px = dy * e2z - dz * e2y
    py = dz * e2x - dx * e2z
    pz = dx * e2y - dy * e2x
    det = e1x * px + e1y * py + e1z * pz
    sx = ox - ax
    sy = oy - ay
    sz = oz - az
    u = sx * px + sy * py + sz * pz
    # barycentric bounds widened by _BARY_EPS (relative): closes float64 rounding gaps at
    # shared edges and vertices of closed meshes (triangles grow by 1e-9 of their size)
    if det > 0.0:
        tol = _BARY_EPS * det
        if u < -tol or u > det + tol:
            return -np.inf
    elif det < 0.0:
        tol = -_BARY_EPS * det
        if u > tol or u < det - tol:
            return -np.inf
    else:
        return -np.inf
    qx = sy * e1z - sz * e1y
    qy = sz * e1x - sx * e1z
    qz = sx * e1y - sy * e1x
    v = dx * qx + dy * qy + dz * qz
    if det > 0.0:
        if v < -tol or u + v > det + tol:
            return -np.inf
    else:
        if v > tol or u + v < det - tol:
            return -np.inf
    return (e2x * qx + e2y * qy + e2z * qz) / det


@numba.njit(cache=True, inline="always")
def _max4(a, b, c, d):
    ab = a if a > b else b
    cd = c if c > d else d
    return ab if ab > cd else cd


@numba.njit(cache=True, inline="always")
def _min4(a, b, c, d):
    ab = a if a < b else b
    cd = c if c < d else d
    return ab if ab < cd else cd


@numba.njit(cache=True, inline="always")
def _inv(d):
    if d != 0.0:
        return 1.0 / d
    return _INV_ZERO


@numba.njit(cache=True, inline="always")
def _slab_ray(ox, oy, oz, dx, dy, dz):
    """What the slab test needs of a ray: inverse direction, origin times it, and for each
    axis the near and far plane columns of a node record (from the direction's sign, so an
    inverted, empty child box always misses)."""
    ix = _inv(dx)
    iy = _inv(dy)
    iz = _inv(dz)
    nx = 0 if ix >= 0.0 else 12
    ny = 4 if iy >= 0.0 else 16
    nz = 8 if iz >= 0.0 else 20
    return ix, iy, iz, ox * ix, oy * iy, oz * iz, nx, ny, nz, 12 - nx, 20 - ny, 28 - nz


@numba.njit(cache=True, inline="always")
def _child_interval(nb, node, c, ray, tmin, tmax):
    """Entry and exit distances of the ray through child ``c`` of ``node`` (entry > exit:
    missed)."""
    ix, iy, iz, oxi, oyi, ozi, nx, ny, nz, fx, fy, fz = ray
    entry = _max4(nb[node, nx + c] * ix - oxi, nb[node, ny + c] * iy - oyi,
                  nb[node, nz + c] * iz - ozi, tmin)
    exit_ = _min4(nb[node, fx + c] * ix - oxi, nb[node, fy + c] * iy - oyi,
                  nb[node, fz + c] * iz - ozi, tmax)
    return entry, exit_


@numba.njit(cache=True)
def closest_hit(
    bvh: BVH,
    ox: float,
    oy: float,
    oz: float,
    dx: float,
    dy: float,
    dz: float,
    tmin: float,
    tmax: float,
) -> tuple[float, int]:
    """Closest hit with tmin < t < tmax -> (t, original triangle index) or (tmax, -1).

    t is in units of the direction's length (the direction need not be unit length; callers
    pass unit vectors so t is in metres). Both triangle sides count. No heap allocation.
    """
    nb = bvh.nodes_b
    nc = bvh.nodes_c
    tris = bvh.tris
    ray = _slab_ray(ox, oy, oz, dx, dy, dz)
    stack = _stack_i32()
    stack_t = _stack_f64()
    sp = 0
    best_t = tmax
    best = -1
    node = 0
    while True:
        sp0 = sp
        for c in range(4):
            tn, tf = _child_interval(nb, node, c, ray, tmin, best_t)
            if tn <= tf:
                ref = nc[node, 24 + c]
                cnt = nc[node, 28 + c]
                if cnt >= 0:
                    for i in range(ref, ref + cnt):
                        t = _tri_t(tris, i, ox, oy, oz, dx, dy, dz)
                        if t > tmin and t < best_t:
                            best_t = t
                            best = i
                else:
                    # push, keeping this node's children sorted (nearest on top)
                    j = sp
                    while j > sp0 and stack_t[j - 1] < tn:
                        stack[j] = stack[j - 1]
                        stack_t[j] = stack_t[j - 1]
                        j -= 1
                    stack[j] = ref
                    stack_t[j] = tn
                    sp += 1
        found = False
        while sp > 0:
            sp -= 1
            if stack_t[sp] < best_t:
                node = stack[sp]
                found = True
                break
        if not found:
            break
    if best < 0:
        return tmax, -1
    return best_t, bvh.tri_ids[best]


@numba.njit(cache=True)
def any_hit(
    bvh: BVH,
    ox: float,
    oy: float,
    oz: float,
    dx: float,
    dy: float,
    dz: float,
    tmin: float,
    tmax: float,
) -> bool:
    """True if any triangle is hit with tmin < t < tmax (shadow rays; stops at the first)."""
    nb = bvh.nodes_b
    nc = bvh.nodes_c
    tris = bvh.tris
    ray = _slab_ray(ox, oy, oz, dx, dy, dz)
    stack = _stack_i32()
    sp = 0
    node = 0
    while True:
        for c in range(4):
            tn, tf = _child_interval(nb, node, c, ray, tmin, tmax)
            if tn <= tf:
                ref = nc[node, 24 + c]
                cnt = nc[node, 28 + c]
                if cnt >= 0:
                    for i in range(ref, ref + cnt):
                        t = _tri_t(tris, i, ox, oy, oz, dx, dy, dz)
                        if t > tmin and t < tmax:
                            return True
                else:
                    stack[sp] = ref
                    sp += 1
        if sp == 0:
            return False
        sp -= 1
        node = stack[sp]


@numba.njit(cache=True, parallel=True)
def _trace_closest_kernel(bvh, org, dirs, tmin, tmax, out_t, out_id):
    for r in prange(org.shape[0]):
        t, i = closest_hit(
            bvh, org[r, 0], org[r, 1], org[r, 2], dirs[r, 0], dirs[r, 1], dirs[r, 2], tmin, tmax
        )
        out_t[r] = t
        out_id[r] = i


@numba.njit(cache=True, parallel=True)
def _any_hit_kernel(bvh, org, dirs, tmin, tmax, out):
    for r in prange(org.shape[0]):
        out[r] = any_hit(
            bvh, org[r, 0], org[r, 1], org[r, 2], dirs[r, 0], dirs[r, 1], dirs[r, 2], tmin, tmax
        )


def _as_rays(origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    org = np.ascontiguousarray(origins, dtype=np.float64)
    dirs = np.ascontiguousarray(directions, dtype=np.float64)
    if org.ndim != 2 or org.shape[1] != 3 or dirs.shape != org.shape:
        raise ValueError("origins and directions must both have shape (n, 3)")
    return org, dirs


def trace_closest(
    bvh: BVH, origins: np.ndarray, directions: np.ndarray, tmin: float, tmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Closest hits of many rays in parallel -> (t float64 (n,), original triangle int64 (n,)).

    Misses give (tmax, -1). Each ray is traced independently, so results do not depend on
    the number of threads.
    """
    org, dirs = _as_rays(origins, directions)
    n = org.shape[0]
    out_t = np.empty(n, np.float64)
    out_id = np.empty(n, np.int64)
    _trace_closest_kernel(bvh, org, dirs, float(tmin), float(tmax), out_t, out_id)
    return out_t, out_id


def any_hit_batch(
    bvh: BVH, origins: np.ndarray, directions: np.ndarray, tmin: float, tmax: float
) -> np.ndarray:
    """any_hit for many rays in parallel -> bool (n,)."""
    org, dirs = _as_rays(origins, directions)
    out = np.empty(org.shape[0], np.bool_)
    _any_hit_kernel(bvh, org, dirs, float(tmin), float(tmax), out)
    return out
