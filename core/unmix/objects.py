"""One OP per mock-up object: pixels that see the same part (OBJ group, glTF mesh) share
its OP.

A window assumes that an element's OP is the same in all its pixels; a real element class
holds many materials (an asphalt per street, a grass per lawn, a material per roof, a leaf
type per tree), and a mock-up built from GIS layers or a city model often keeps each object
as its own part. Where an element is made of several parts, its OP is solved per part, from
every pixel that sees the part, mixed or pure, jointly for all such elements: a lawn seen
only in mixed pixels between crowns borrows nothing from the next lawn's pure pixels. An
element's OP in a pixel is then the mean of its parts' OPs over its visible area there (the
quantity its OP map holds). An element of one part (a ground, a river) is solved as blocks
of pixels: if they look alike, the element takes their common OP, known from all its pixels;
if not, it keeps its window solution.

Which parts a pixel sees comes from first hits of sensor rays on a regular sub-pixel
lattice; each part's share of its element's gradient in a pixel is its share of the
element's visible area there, the derivative of the painted OP map.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import lapack
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu, spsolve

from ..canceled import Canceled
from ..raytrace.bvh import trace_closest
from .touching import OCCLUDED_SHARE, PartContacts, projected_areas

#: sensor rays per pixel (a 16 x 16 lattice) for the parts' visible shares: an edge is
#: placed to within 1/32 of the pixel; at 8 x 8 a roof's share was off by up to 0.05
RAYS_PER_PIXEL = 256
#: Levenberg-Marquardt damping of the per-part steps, in Gram weights of one filled pixel
DAMPING = 0.1
STEPS = 4  # re-linearisations of the per-part solve (multiple scattering is not linear)
MAX_DENSE_UNKNOWNS = 3000  # exact variances up to this many parts per band (~1 s each)
#: parts of an element whose spread is below this chi-square per degree of freedom share
#: one OP (their differences are noise)
SAME_PARTS_CHI2 = 2.0
#: a part whose data fix at least this share of its OP in every band is "fixed by its
#: data"; below it, the part's value is mostly where it started
FIXED_SHARE = 0.5
#: random draws of the start's errors carried through the steps (start_error_variance): the
#: variance they give is known to about sqrt(2 / 64) = 18 %
START_ERROR_DRAWS = 64
CHUNK_RAYS = 1 << 20  # sensor rays cast at once (about 100 MB)
#: an element of one part (a ground, a river) is split into blocks of this many pixels a
#: side for the per-part solve: blocks that look alike give the element one OP from all its
#: pixels; blocks that differ leave it its window solution
BLOCK_PIXELS = 10
#: no pixel is taken as known better than this share of its reflectance (radiometric
#: calibration, the mock-up's geometry): a flat roof seen at nadir has no Monte Carlo
#: noise in the trace, and would otherwise outweigh every other pixel
MIN_RELATIVE_NOISE = 0.002
#: a median's variance over a normal sample's mean's (pi / 2)
MEDIAN_VARIANCE_FACTOR = np.pi / 2
NOISE_FIT_ROUNDS = 5  # re-weighted fits of the image's noise (image_noise_terms)


@dataclass
class PartShares:
    """Where each part is seen, per pixel (sparse, pixels x parts)."""

    visible: sparse.csr_matrix  # share of the pixel's sensor rays that first meet the part
    part_element: np.ndarray  # (parts,) element index of each part, -1 if none
    part_names: list[str]
    #: (parts,) bool: a block of an element of one part (BLOCK_PIXELS), not a mock-up part
    block: np.ndarray | None = None
    #: (parts, candidates) -> {part: {candidate it touches: weight}} on the mock-up
    #: (touching.PartContacts), to merge occluded parts with what they continue
    #: (solve_objects)
    touching: Callable[[np.ndarray, np.ndarray], dict[int, dict[int, int]]] | None = None
    #: (parts,) bool: the sensor sees less than OCCLUDED_SHARE of the part (touching.py)
    occluded: np.ndarray | None = None

    def object_elements(self, n_elements: int) -> np.ndarray:
        """(elements,) bool: elements made of two parts or more, each seen somewhere."""
        seen = np.asarray(self.visible.sum(axis=0)).ravel() > 0
        counts = np.bincount(self.part_element[seen & (self.part_element >= 0)],
                             minlength=n_elements)
        return counts >= 2


def part_shares(scene, grid, geometry, reference_height=None,
                rays_per_pixel: int = RAYS_PER_PIXEL) -> PartShares:
    """Visible share of every part in every pixel, from first hits of sensor rays that
    start on the pixel grid's reference surface (as the tracer's do); cast a block of
    rows at a time, so memory stays bounded by CHUNK_RAYS whatever the grid."""
    mockup = scene.mockup
    origin = mockup.origin
    n = max(1, int(round(math.sqrt(rays_per_pixel))))
    offsets = (np.arange(n) + 0.5) / n
    rows, cols = grid.rows, grid.cols
    heights = np.broadcast_to(np.asarray(mockup.world_bounds()[0][2] if reference_height
                                         is None else reference_height, np.float64)
                              - origin[2], (rows, cols))
    view = geometry.view
    top = mockup.local_bounds()[1][2] + 1.0
    n_parts = len(mockup.part_names)
    block = max(1, CHUNK_RAYS // (cols * n * n))
    pixels, parts, counts = [], [], []
    sub_u = (np.arange(cols)[:, None] + offsets[None]).ravel()
    for row0 in range(0, rows, block):
        sub_v = (np.arange(row0, min(rows, row0 + block))[:, None] + offsets[None]).ravel()
        uu, vv = np.meshgrid(sub_u, sub_v)
        pixel = vv.ravel().astype(np.int64) * cols + uu.ravel().astype(np.int64)
        z_ref = heights.ravel()[pixel]
        start = np.column_stack([grid.x_min - origin[0] + uu.ravel() * grid.pixel_width,
                                 grid.y_max - origin[1] - vv.ravel() * grid.pixel_height,
                                 z_ref])
        origins = start + ((top - z_ref) / view[2])[:, None] * view
        _, hit = trace_closest(scene.bvh, origins, np.broadcast_to(-view, origins.shape),
                               0.0, 1e9)
        seen = hit >= 0
        key, count = np.unique(pixel[seen] * n_parts
                               + mockup.part_of_triangle[hit[seen]].astype(np.int64),
                               return_counts=True)
        pixels.append(key // n_parts)
        parts.append(key % n_parts)
        counts.append(count)
    visible = sparse.csr_matrix((np.concatenate(counts) / (n * n),
                                 (np.concatenate(pixels), np.concatenate(parts))),
                                (rows * cols, n_parts))
    part_element = np.full(n_parts, -1, np.int64)
    part_element[mockup.part_of_triangle] = scene.triangle_element
    split = _split_single_parts(PartShares(visible, part_element, list(mockup.part_names)),
                                cols, BLOCK_PIXELS)
    split.touching = PartContacts(mockup.triangles, mockup.part_of_triangle)

    def inside(points):  # seen in the image: its foot on the reference surface in the grid
        foot = points[:, :2] - ((points[:, 2] - heights.min()) / view[2])[:, None] * view[:2]
        x = foot[:, 0] - (grid.x_min - origin[0])
        y = (grid.y_max - origin[1]) - foot[:, 1]
        return ((x >= 0) & (x < cols * grid.pixel_width)
                & (y >= 0) & (y < rows * grid.pixel_height))

    projected = projected_areas(mockup.triangles, mockup.part_of_triangle, n_parts, view,
                                inside)
    seen = np.asarray(visible.sum(axis=0)).ravel() * grid.pixel_width * grid.pixel_height
    # surfaces only: a crown hides most of its own leaves, and is not the ground's kind
    surface = np.array([not e.translucent for e in scene.elements.elements] + [False])
    split.occluded = np.zeros(split.part_element.size, bool)
    split.occluded[:n_parts] = (seen < OCCLUDED_SHARE * projected) & surface[part_element]
    return split


def _split_single_parts(shares: PartShares, cols: int, block_pixels: int) -> PartShares:
    """Each element seen as one part only becomes blocks of block_pixels x block_pixels
    pixels, one column per block it is seen in (named ``<part> block <row>,<col>``)."""
    visible = shares.visible.tocoo()
    seen = np.asarray(shares.visible.sum(axis=0)).ravel() > 0
    element = shares.part_element
    counts = np.bincount(element[seen & (element >= 0)], minlength=element.max() + 1)
    single = seen & (element >= 0) & (counts[np.maximum(element, 0)] == 1)
    if not single.any():
        return PartShares(shares.visible, element, shares.part_names,
                          np.zeros(element.size, bool))
    row, col = visible.row, visible.col.astype(np.int64)
    split = single[col]
    block_row, block_col = (row[split] // cols) // block_pixels, (row[split] % cols) // block_pixels
    key = (col[split] * (1 << 20) + block_row) * (1 << 20) + block_col
    unique, index = np.unique(key, return_inverse=True)
    n_parts = element.size
    col = col.copy()
    col[split] = n_parts + index
    owner = unique // (1 << 40)
    names = shares.part_names + [f"{shares.part_names[p]} block {(k >> 20) % (1 << 20)},"
                                 f"{k % (1 << 20)}" for p, k in zip(owner, unique, strict=True)]
    part_element = np.concatenate([element, element[owner]])
    block = np.concatenate([np.zeros(n_parts, bool), np.ones(unique.size, bool)])
    return PartShares(sparse.csr_matrix((visible.data, (row, col)),
                                        (visible.shape[0], n_parts + unique.size)),
                      part_element, names, block)


@dataclass
class ObjectSolution:
    op: np.ndarray  # (bands, elements, rows, cols), object elements replaced
    part_op: np.ndarray  # (bands, parts), NaN for parts not solved
    part_variance: np.ndarray  # (bands, parts) variance of each part's OP from its data
    part_data_share: np.ndarray  # (bands, parts) share of the value its data fixed, 0-1
    solved: np.ndarray  # (elements,) bool: the object elements
    pooled: np.ndarray  # (elements,) bool: ... whose parts look alike, one OP for all
    #: (bands, elements) standard deviation of an element's parts' OPs about their mean
    #: beyond their noise (0 if pooled or fewer than 3 parts fixed by their data): how far
    #: a part its data did not fix may be from the window value it kept
    part_spread: np.ndarray | None = None
    #: ``part_variance`` includes what the parts' errors at their start leave in them
    #: (``start_error_variance``); the maps then need no share of the window's error
    start_error_included: bool = False


def _element_shares(shares: sparse.csr_matrix, part_element: np.ndarray,
                    n_elements: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Each part's share of its element's ``shares`` in each pixel (pixels x parts), and
    the element totals (elements, pixels)."""
    coo = shares.tocoo()
    element = part_element[coo.col]
    keep = element >= 0
    totals = np.zeros((n_elements, shares.shape[0]))
    np.add.at(totals, (element[keep], coo.row[keep]), coo.data[keep])
    with np.errstate(divide="ignore", invalid="ignore"):
        data = coo.data[keep] / totals[element[keep], coo.row[keep]]
    normalised = sparse.csr_matrix((data, (coo.row[keep], coo.col[keep])), shares.shape)
    return normalised, totals


def solve_objects(evaluate, image, op, valid, shares: PartShares, masks, exclude=None,
                  steps: int = STEPS, damping: float = DAMPING,
                  is_canceled=None, start_std=None, touching=None) -> ObjectSolution | None:
    """OP of every part of the object elements, by least squares on all valid pixels:
    ``steps`` Levenberg-Marquardt steps from the window solution (each part starts at the
    visible-area mean of ``op`` over it), each linearised around the current OPs;
    ``evaluate(op)`` -> (simulated, gradients, standard error) on the trace.

    The damping holds each part to its previous value with ``damping`` times the Gram
    weight of one pixel its element fills: a part seen in a third of a pixel or more
    reaches its least-squares value within the steps, one seen as a sliver keeps about its
    window value. OPs are bounded to [0, 1] only: the windows' bounds around the pure
    pixels' OPs (EPSILON) would cut off a roof unlike the pure roofs. ``exclude``
    (elements,) bool: elements kept as they are (those never seen filling a pixel, such as
    walls from above, whose parts' own data is a sliver each). None when no other element
    has two parts.

    ``start_std`` (bands, elements, rows, cols): the window solution's standard error. The
    damping keeps a part its data hardly see (an understory under a crown) near its window
    value, and that value's error then leaks into every part seen in the same pixels (the
    crown takes up what the understory's value misses): it is carried into the parts'
    variances (``start_error_variance``).

    ``touching(parts, candidates)`` -> {part: {touching candidate: weight}}
    (``touching.PartContacts`` on the mock-up): after the first step, an occluded part its
    data do not fix (below FIXED_SHARE; ``shares.occluded``) merges with the part of its
    element it touches most, and the group is one unknown from there on (``steps`` > 1).
    The ground under a crown is seen only through its gaps, and the value it keeps is the
    crown's error too (the two trade in every pixel they share); the lawn it continues is
    nearer than the pure pixels its window value came from, and the lawn's pixels then fix
    both. A merged part's variance adds the element's part spread: what it is off by if
    it is not the material it continues."""
    bands, n_elements = op.shape[:2]
    solved = shares.object_elements(n_elements)
    if exclude is not None:
        solved &= ~np.asarray(exclude, bool)
    if not solved.any():
        return None
    n_pixels = op.shape[2] * op.shape[3]
    part_element = shares.part_element
    unknown = np.flatnonzero(np.isin(part_element, np.flatnonzero(solved))
                             & (np.asarray(shares.visible.sum(axis=0)).ravel() > 0))
    area, area_totals = _element_shares(shares.visible, part_element, n_elements)
    area = area[:, unknown]
    # an element's OP is a function of its parts only where the rays saw it; elsewhere it
    # keeps its value (and its gradient, from multiple scattering, stays on the right side)
    modelled = solved[:, None] & (area_totals > 0)  # (elements, pixels)
    element_of = part_element[unknown]
    pixel_ok = valid.ravel()
    weight_sum = np.asarray(area.sum(axis=0)).ravel()
    flat_op = np.nan_to_num(op.reshape(bands, n_elements, n_pixels))
    # the sparse pattern of (pixel, part) pairs, never a dense parts x pixels array
    entries = area.tocoo()
    entry_element = element_of[entries.col]
    x = np.clip(np.array([np.bincount(entries.col, entries.data
                                      * flat_op[b][entry_element, entries.row],
                                      minlength=unknown.size) / weight_sum
                          for b in range(bands)]), 0.0, 1.0)
    variance = np.full((bands, unknown.size), np.nan)
    data_share = np.zeros((bands, unknown.size))
    current = op.copy()
    # the image's noise (with what the model misses), re-estimated from each step's
    # residual in two forms: one relative variance level per band, and a relative level
    # plus a multiple of the trace's variance (image_noise_terms)
    image_level = np.zeros(bands)
    image_noise = np.zeros(bands)
    image_like_trace = np.zeros(bands)
    part_area = area[pixel_ok]  # for each part's own pixels' mean noise
    part_area_sum = np.maximum(np.asarray(part_area.sum(axis=0)).ravel(), 1e-300)
    last_systems: list = [None] * bands  # each band's normal matrix and damping, last step
    last_designs: list = [None] * bands  # each band's weighted design, one column per part
    # (parts, groups) 0/1: parts merged with what they continue (_merged_groups), or None
    merge, merged = None, np.zeros(unknown.size, bool)
    block = np.zeros(unknown.size, bool) if shares.block is None else shares.block[unknown]
    occluded = (np.ones(unknown.size, bool) if shares.occluded is None
                else shares.occluded[unknown]) & ~block
    may_merge = touching is not None and steps > 1 and bool(occluded.any())
    window_variance = None  # (bands, parts) of each part's start, the window solution
    if start_std is not None:
        flat_std = np.nan_to_num(start_std.reshape(bands, n_elements, n_pixels))
        window_variance = np.array([
            np.bincount(entries.col, entries.data * flat_std[b][entry_element, entries.row]**2,
                        minlength=unknown.size) / weight_sum for b in range(bands)])
    for step in range(steps):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        current = _paint(current, x, area, element_of, solved)
        simulated, gradients, simulated_error = evaluate(current)
        flat_g = gradients.reshape(bands, n_elements, n_pixels)
        flat_cur = np.nan_to_num(current.reshape(bands, n_elements, n_pixels))
        for b in range(bands):
            g = np.where(pixel_ok, flat_g[b], 0.0)  # (elements, pixels)
            # each pixel's equation weighted by its noise: the trace's Monte Carlo variance
            # there (canopies are noisier than bare ground) plus the image's, never below
            # MIN_RELATIVE_NOISE of the pixel's reflectance. The larger of the two forms of
            # the image's noise: one level alone gives a Monte Carlo image's noisy crowns
            # the weight of flat ground (a precise trace then splits alike crowns over
            # noise: urban demo trees at 4,096 samples 2.05 % instead of 0.34 %), the
            # two-term fit alone under-states the flat surfaces' misfit to the model
            # (their standard errors 2-3x too small on the independent test render)
            trace_variance = np.nan_to_num(simulated_error[b].ravel()[pixel_ok] ** 2)
            observed = np.abs(image[b].ravel()[pixel_ok])
            pixel_variance = np.maximum.reduce([
                trace_variance + image_level[b] * observed**2,
                (1.0 + image_like_trace[b]) * trace_variance + image_noise[b] * observed**2,
                (MIN_RELATIVE_NOISE * observed) ** 2 + 1e-18])
            weight = 1.0 / np.sqrt(pixel_variance)
            design = sparse.csr_matrix((entries.data * g[entry_element, entries.row],
                                        (entries.row, entries.col)), area.shape)
            design = sparse.diags(weight) @ design[pixel_ok]
            target = weight * (image[b].ravel() - simulated[b].ravel()
                               + np.einsum("ep,ep->p", np.where(modelled, g, 0.0),
                                           flat_cur[b]))[pixel_ok]
            filled = np.array([_filled_gradient(g[e][pixel_ok], masks[e].ravel()[pixel_ok])
                               for e in range(n_elements)])
            # the damping in the units of the part's own pixels' noise, so that how far a
            # part follows its data does not depend on how noisy its pixels are
            own_variance = (part_area.T @ pixel_variance) / part_area_sum
            hold = damping * filled[element_of] ** 2 / np.maximum(own_variance, 1e-300) + 1e-12
            start = x[b]
            last_designs[b] = design  # each part's own column, for merge_error_variance
            if merge is not None:  # one unknown per group of merged parts
                design = design @ merge
                start = (merge.T @ (hold * x[b])) / (merge.T @ hold)
                hold = merge.T @ hold
            normal = (design.T @ design).tocsc() + sparse.diags(hold)
            last_systems[b] = normal, hold
            solution = np.clip(spsolve(normal, design.T @ target + hold * start), 0.0, 1.0)
            residual = target - design @ solution
            # exact variances at the last step only (a dense inverse); before, the inverse
            # of the diagonal serves the noise estimate
            exact = step == steps - 1 or (step == 0 and may_merge)
            inverse_diagonal = (_inverse_diagonal(normal) if exact
                                else 1.0 / normal.diagonal())
            # the share of each part's value its data fixed (1 - the damping's share);
            # degrees of freedom left: pixels minus those shares summed (the hat matrix)
            share = np.clip(1.0 - inverse_diagonal * hold, 0.0, 1.0)
            dof = max(1.0, pixel_ok.sum() - share.sum())
            chi2 = float(residual @ residual) / dof  # 1 when the noise model is right
            # a part is not known better than the calibration floor either: that error is
            # shared by all its pixels and does not average down over them
            part_variance = np.maximum(max(chi2, 1.0) * inverse_diagonal,
                                       (MIN_RELATIVE_NOISE * solution) ** 2)
            if merge is not None:  # each part takes its group's
                solution, share, part_variance = (merge @ v for v in (solution, share,
                                                                      part_variance))
            x[b], data_share[b], variance[b] = solution, share, part_variance
            # the image's noise: the relative residual variance the trace's does not explain
            raw = residual / weight
            image_level[b], image_noise[b], image_like_trace[b] = image_noise_terms(
                raw**2, trace_variance, observed**2, dof)
        if step == 0 and may_merge:
            group, root = _merged_groups(data_share, unknown, element_of, block, occluded,
                                         weight_sum, touching)
            if root.size < unknown.size:
                merge = sparse.csr_matrix((np.ones(unknown.size), (np.arange(unknown.size),
                                                                   group)))
                merged = np.arange(unknown.size) != root[group]
                x = x[:, root[group]]  # from the value of the part their data fix best
        if step == 0 and steps > 1 and window_variance is not None:
            x = _shrink_unfixed(x, variance, data_share, window_variance, element_of, solved,
                                n_elements, ~merged & ~block)
    pooled = _pool_alike_parts(x, variance, data_share, element_of, solved, ~merged)
    if shares.block is not None:  # blocks that differ: the element keeps its windows
        blocks = np.zeros(n_elements, bool)
        blocks[element_of[shares.block[unknown]]] = True
        keep_windows = solved & blocks & ~pooled
        if keep_windows.any():  # solved again without them: the other parts' values were
            # fitted beside blocks free to take up what they missed
            kept = keep_windows if exclude is None else keep_windows | np.asarray(exclude, bool)
            return solve_objects(evaluate, image, op, valid, shares, masks, exclude=kept,
                                 steps=steps, damping=damping, is_canceled=is_canceled,
                                 start_std=start_std, touching=touching)
    spread = _part_spread(x, variance, data_share, element_of, solved & ~pooled, n_elements,
                          ~merged)
    if start_std is not None:
        # a start is off by the window's error and by how far the part is from the local
        # mean of its element's materials that the window returns (the spread); a start
        # shrunk to its element keeps that variance (the blend's own, smaller, made
        # berlinA's pavement error / std RMS 3.1 on the independent benchmark)
        start_variance = window_variance + spread[:, element_of] ** 2
        if merge is not None:  # a group starts from its root's value
            left = start_error_variance(last_systems, start_variance[:, root], steps)[:, group]
        else:
            left = start_error_variance(last_systems, start_variance, steps)
        variance += np.where(pooled[element_of][None], 0.0, left)
    # a merged part is its group's material only if it does continue what it touches: off
    # by the spread of its element's parts if not, and the parts seen in its pixels (the
    # crown above it) take up that error
    if merge is not None:
        variance += merge_error_variance(last_systems, last_designs, merge, merged,
                                         spread[:, element_of[merged]] ** 2, steps - 1)
    # every part not pooled, merged or a block: its posterior mean about its element's parts
    x, variance = _shrink_to_element(x, variance, data_share, element_of, solved & ~pooled,
                                     ~merged & ~block)
    if merge is not None:  # a merged part keeps its group's value (its variance is larger)
        x[:, merged] = x[:, root[group]][:, merged]
    current = _paint(current, x, area, element_of, solved)
    part_op, part_variance, part_data_share = (np.full((bands, len(part_element)), np.nan)
                                               for _ in range(3))
    part_op[:, unknown] = x
    part_variance[:, unknown] = variance
    part_data_share[:, unknown] = data_share
    return ObjectSolution(current, part_op, part_variance, part_data_share, solved, pooled,
                          spread, start_std is not None)


def _merged_groups(data_share, parts, element_of, block, occluded, visible, touching
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Each ``occluded`` part of ``parts`` its data do not fix (``data_share`` below
    FIXED_SHARE) merges with the part of its element it touches most (``touching``'s
    weights); merges chain. Returns each column's group and each group's root column: the
    one part of the group its data fix if any (a part fixed by its data never merges, so
    a group holds at most one), else the one seen most (``visible``). ``block`` parts are
    not mock-up parts: they neither merge nor take merges."""
    share = data_share.min(axis=0)
    column = {int(p): i for i, p in enumerate(parts)}
    parent = np.arange(parts.size)
    for e in np.unique(element_of):
        mine = (element_of == e) & ~block
        hidden = np.flatnonzero(mine & occluded & (share < FIXED_SHARE))
        if hidden.size == 0:
            continue
        for part, neighbours in touching(parts[hidden], parts[mine]).items():
            parent[column[part]] = column[max(neighbours, key=neighbours.get)]
    # groups: the parts linked by merges (each hidden part links to one other, so a group
    # holds at most one part its data fix)
    links = sparse.csr_matrix((np.ones(parts.size), (np.arange(parts.size), parent)),
                              (parts.size, parts.size))
    n_groups, group = connected_components(links, directed=False)
    fixed = share >= FIXED_SHARE
    key = np.where(fixed, np.inf, visible)  # the fixed part first, else the most seen
    order = np.lexsort((-key, group))
    root = order[np.searchsorted(group[order], np.arange(n_groups))]
    return group, root


def start_error_variance(systems, start_variance: np.ndarray, steps: int,
                         seed: int = 0) -> np.ndarray:
    """(bands, parts) variance the parts' start errors leave after ``steps`` damped steps.

    Each step solves ``N x' = A^T y + H x`` (N = A^T A + H, H the damping), so the error it
    passes on is ``N^-1 H e``: a part its data fix forgets its start, one they hardly see
    keeps it and hands part of it to the parts it shares pixels with. Its covariance would
    need dense products of N^-1; instead START_ERROR_DRAWS draws of start errors (variance
    ``start_variance``, parts independent) go through the steps with one factorisation of
    each band's last N (``systems``: per band (N, H))."""
    rng = np.random.default_rng(seed)
    out = np.zeros_like(start_variance)
    for b, (normal, hold) in enumerate(systems):
        solve = splu(sparse.csc_matrix(normal)).solve
        error = (rng.standard_normal((hold.size, START_ERROR_DRAWS))
                 * np.sqrt(start_variance[b])[:, None])
        for _ in range(steps):
            error = solve(hold[:, None] * error)
        out[b] = np.mean(error**2, axis=1)
    return out


def merge_error_variance(systems, designs, merge: sparse.csr_matrix, merged: np.ndarray,
                         merged_variance: np.ndarray, steps: int, seed: int = 0,
                         draws: int = START_ERROR_DRAWS) -> np.ndarray:
    """(bands, parts) variance the merges add if the merged parts are not their groups'
    material: each ``merged`` part off by d (variance ``merged_variance``, bands x merged
    parts, independent) puts ``A_m d`` into its pixels that the groups' solve takes up:
    each of ``steps`` steps solves ``N e' = (A M)^T A_m d + H e`` (``systems``: per band
    the groups' N and H; ``designs``: per band the weighted design A, one column per part;
    M = ``merge``, parts x groups). A part then errs by its group's e, a merged part by
    e - d. ``draws`` draws of d, as in ``start_error_variance``."""
    rng = np.random.default_rng(seed)
    out = np.zeros((len(systems), merge.shape[0]))
    for b, ((normal, hold), design) in enumerate(zip(systems, designs, strict=True)):
        solve = splu(sparse.csc_matrix(normal)).solve
        off = rng.standard_normal((merged.sum(), draws)) * np.sqrt(merged_variance[b])[:, None]
        pushed = (design @ merge).T @ (design[:, np.flatnonzero(merged)] @ off)
        error = np.zeros((normal.shape[0], draws))
        for _ in range(max(1, steps)):
            error = solve(pushed + hold[:, None] * error)
        part_error = merge @ error
        part_error[merged] -= off
        out[b] = np.mean(part_error**2, axis=1)
    return out


def _shrink_unfixed(x, variance, data_share, window_variance, element_of, elements,
                    n_elements, candidates):
    """Parts their data do not fix (data share below FIXED_SHARE in a band; among
    ``candidates``) start again from their window value blended with the median of their
    element's fixed parts, each weighted by the inverse of its variance (the window's
    standard error; the element's part spread). A sliver of soil the windows solve at
    the EPSILON bound is then held near the soil the scene shows, not at that bound.
    Returns the new starts (bands, parts)."""
    spread = _part_spread(x, variance, data_share, element_of, elements, n_elements,
                          candidates)
    x = x.copy()
    weak = data_share.min(axis=0) < FIXED_SHARE
    for e in np.flatnonzero(elements):
        mine = element_of == e
        fixed = mine & ~weak & candidates
        todo = mine & weak & candidates
        if fixed.sum() < 3 or not todo.any():
            continue
        typical = np.median(x[:, fixed], axis=1)[:, None]
        spread2 = np.maximum(spread[:, e], MIN_RELATIVE_NOISE * typical[:, 0])[:, None] ** 2
        x[:, todo] = _blend(x[:, todo], window_variance[:, todo], typical, spread2)[0]
    return x


def _shrink_to_element(x, variance, data_share, element_of, elements, candidates):
    """Each part's OP blended with the median of its element's parts fixed by their data
    (at least 3), weighted by the inverse of the part's variance and of those parts'
    spread (their standard deviation, noise included: the parts' own variances can
    over-state their noise, and their excess spread is then 0 in a band where the leaf
    types differ by 15 %; the better-measured half's spread alone shrank too far on the
    independent benchmark, town2's soil 1.12 -> 1.48 %) -> (x, variance), the posterior
    mean and variance of each part when its element's parts are drawn about that median,
    the median's own error added.
    A crown the image sees through a few noisy pixels is then nearer the leaves the other
    crowns show (independent benchmark leaves 2.5-2.7 -> 1.4-2.3 %), a part its pixels fix
    hardly moves."""
    x, variance = x.copy(), variance.copy()
    fixed_by_data = data_share.min(axis=0) >= FIXED_SHARE
    for e in np.flatnonzero(elements):
        mine = (element_of == e) & candidates
        fixed = mine & fixed_by_data
        if fixed.sum() < 3:
            continue
        typical = np.median(x[:, fixed], axis=1)[:, None]
        spread2 = np.maximum(x[:, fixed].std(axis=1, ddof=1),
                             MIN_RELATIVE_NOISE * typical[:, 0])[:, None] ** 2
        typical_variance = MEDIAN_VARIANCE_FACTOR * spread2 / fixed.sum()
        x[:, mine], variance[:, mine], prior_weight = _blend(x[:, mine], variance[:, mine],
                                                             typical, spread2)
        variance[:, mine] += prior_weight**2 * typical_variance
    return x, variance


def _blend(x, own_variance, typical, spread2):
    """``x`` (known to ``own_variance``) blended with ``typical`` (the element's parts
    spread about it by ``spread2``), inverse-variance weights -> (posterior mean, its
    variance, the weight of ``typical``)."""
    own = np.maximum(own_variance, 1e-300)
    prior_weight = own / (own + spread2)
    return ((1.0 - prior_weight) * x + prior_weight * typical,
            own * spread2 / (own + spread2), prior_weight)


def _part_spread(x, variance, data_share, element_of, elements, n_elements,
                 counted=None) -> np.ndarray:
    """(bands, elements) spread of each of ``elements``' parts fixed by their data (data
    share >= 0.5 in every band, at least 3): their OPs' variance about their mean less
    their mean noise variance, floored at 0, as a standard deviation. A window returns
    the local mean of an element's materials, so a part left at it is off by about this
    much (a sliver of a dark asphalt among bright concretes), whatever the window's own
    standard error."""
    spread = np.zeros((x.shape[0], n_elements))
    for e in np.flatnonzero(elements):
        fixed = (element_of == e) & (data_share.min(axis=0) >= FIXED_SHARE)
        if counted is not None:  # a merged part is its group's, not a part of its own
            fixed &= counted
        if fixed.sum() >= 3:
            excess = x[:, fixed].var(axis=1, ddof=1) - variance[:, fixed].mean(axis=1)
            spread[:, e] = np.sqrt(np.maximum(excess, 0.0))
    return spread


def image_noise_terms(residual_squared: np.ndarray, trace_variance: np.ndarray,
                      observed_squared: np.ndarray, dof: float,
                      rounds: int = NOISE_FIT_ROUNDS) -> tuple[float, float, float]:
    """The image's noise variance beyond the trace's, per pixel, in two forms -> (level,
    a, c), all >= 0: ``level obs^2`` (one relative level, the mean excess) and
    ``a obs^2 + c trace_var``. A sensor's noise follows the reflectance (a); a Monte Carlo
    render's follows the trace's own (c: crowns and shadow edges are noisy in both), and
    a single relative level would give the crowns' pixels the weight of flat ground's.
    Fitted to the residuals' excess relative variance, linear in the trace's relative
    variance t, by least squares weighted by the inverse square of each pixel's expected
    relative variance (a + (1 + c) t: a squared residual's spread is its variance), re-fitted
    ``rounds`` times; unweighted, the noisy crowns' pixels would set the level of the flat
    ground's. Scaled by pixels / ``dof`` as the hat matrix takes up some of the residual."""
    if not residual_squared.size:
        return 0.0, 0.0, 0.0
    excess = (residual_squared - trace_variance) / observed_squared
    relative_trace = trace_variance / observed_squared
    scale = excess.size / max(dof, 1.0)
    level = max(float(excess.mean()), 0.0)
    a, c = level, 0.0
    for _ in range(rounds):
        weight = 1.0 / np.maximum(a + (1.0 + c) * relative_trace, MIN_RELATIVE_NOISE**2) ** 2
        sw, st, stt = weight.sum(), weight @ relative_trace, weight @ relative_trace**2
        sy, sty = weight @ excess, weight @ (relative_trace * excess)
        determinant = sw * stt - st * st
        a, c = ((stt * sy - st * sty) / determinant, (sw * sty - st * sy) / determinant) \
            if determinant > 1e-12 * sw * stt else (sy / sw, 0.0)
        if c < 0.0:  # no share like the trace's
            a, c = sy / sw, 0.0
        if a < 0.0:  # no level of its own
            a, c = 0.0, max(sty / stt, 0.0)
    return level * scale, max(0.0, a * scale), max(0.0, c * scale)


def _pool_alike_parts(x, variance, data_share, element_of, solved,
                      counted=None) -> np.ndarray:
    """Elements whose parts do not differ beyond their noise (the parts their data fixed:
    chi-square of their spread about the weighted mean, over every band, below
    SAME_PARTS_CHI2 per degree of freedom) take that mean for every part, in place: one OP
    shared by parts that look alike is known better than each on its own. Returns
    (elements,) bool, the pooled elements."""
    pooled = np.zeros(solved.size, bool)
    for e in np.flatnonzero(solved):
        mine = element_of == e
        fixed = mine & (data_share.min(axis=0) >= FIXED_SHARE)
        if counted is not None:
            fixed &= counted
        if fixed.sum() < 3:
            continue
        weight = 1.0 / variance[:, fixed]
        mean = (weight * x[:, fixed]).sum(axis=1) / weight.sum(axis=1)
        chi2 = float((weight * (x[:, fixed] - mean[:, None]) ** 2).sum())
        if chi2 / (x.shape[0] * (fixed.sum() - 1)) < SAME_PARTS_CHI2:
            x[:, mine] = mean[:, None]
            # the calibration floor is shared by the parts too: it does not average down
            variance[:, mine] = np.maximum(1.0 / weight.sum(axis=1),
                                           (MIN_RELATIVE_NOISE * mean) ** 2)[:, None]
            pooled[e] = True
    return pooled


def _filled_gradient(gradient: np.ndarray, present: np.ndarray) -> float:
    """The gradient of a pixel the element fills: the 90th percentile over its pixels."""
    values = gradient[present]
    return float(np.percentile(values, 90)) if values.size else 0.0


def object_variance_maps(solution: ObjectSolution, shares: PartShares, shape,
                         window_std: np.ndarray) -> np.ndarray:
    """(bands, elements, rows, cols) variance of each object element's OP map value: the
    visible-area-weighted parts' variances from their data (parts taken as independent,
    unless pooled: then they share one error),
    plus, for the share of a value its data did not fix (it stayed at the window
    solution), that share of the window solution's standard error ``window_std`` (bands,
    elements, rows, cols) combined with the spread of the element's parts (the window
    value is their local mean, not the part's own), unless the parts' variances already
    carry their start's error (``start_error_included``); NaN where an element is not an
    object element."""
    bands = solution.part_op.shape[0]
    n_elements = solution.solved.size
    area, _ = _element_shares(shares.visible, shares.part_element, n_elements)
    out = np.full((bands, n_elements) + tuple(shape), np.nan)
    squared = area.multiply(area).tocsr()
    for e in np.flatnonzero(solution.solved):
        columns = np.flatnonzero(shares.part_element == e)
        share, share_squared = area[:, columns], squared[:, columns]
        seen = np.asarray(share.sum(axis=1)).ravel() > 0
        for b in range(bands):
            if solution.pooled[e]:  # one OP shared by the parts: their errors are one
                data = (share @ np.sqrt(np.nan_to_num(solution.part_variance[b, columns])))**2
            else:
                data = share_squared @ np.nan_to_num(solution.part_variance[b, columns])
            kept = share @ (1.0 - np.nan_to_num(
                solution.part_data_share[b, columns], nan=1.0))
            window = np.nan_to_num(window_std[b, e].reshape(-1))
            spread = 0.0 if solution.part_spread is None else solution.part_spread[b, e]
            if solution.start_error_included:
                value = data
            else:
                value = data + kept**2 * (window**2 + spread**2)
            out[b, e].reshape(-1)[seen] = value[seen]
    return out


def _paint(op, x, area, element_of, solved):
    """OP maps with each object element's value the visible-area mean of its parts' OPs;
    pixels where the rays met none of its parts keep their value."""
    out = op.copy()
    bands, n_elements, rows, cols = op.shape
    for e in np.flatnonzero(solved):
        columns = np.flatnonzero(element_of == e)
        share = area[:, columns]
        seen = np.asarray(share.sum(axis=1)).ravel() > 0
        for b in range(bands):
            value = share @ x[b, columns]
            flat = out[b, e].reshape(-1)
            flat[seen] = value[seen]
    return out


def _inverse_diagonal(normal: sparse.csc_matrix) -> np.ndarray:
    """Diagonal of the inverse of a symmetric positive-definite sparse matrix: exact
    (dense) up to MAX_DENSE_UNKNOWNS, else the inverse of the diagonal (a lower bound).

    Dense: from the Cholesky factor L, diag(A^-1) is the squared column norms of L^-1
    (a third of the work of a general inverse)."""
    if normal.shape[0] > MAX_DENSE_UNKNOWNS:
        return 1.0 / normal.diagonal()
    dense = normal.toarray()
    factor, info = lapack.dpotrf(dense, lower=1, clean=1)
    if info == 0:
        inverse_factor, info = lapack.dtrtri(factor, lower=1)
    if info != 0:  # not numerically positive definite: the general inverse
        return np.diag(np.linalg.inv(dense))
    return np.einsum("ki,ki->i", inverse_factor, inverse_factor)


def parts_table(solution: ObjectSolution, shares: PartShares, element_names: list[str],
                bands: list[str]) -> str:
    """CSV of the solved parts: part, element, visible area (pixels), then per band its
    OP, standard error and the share of the value its own data fixed (the rest is the
    window solution it started from)."""
    visible = np.asarray(shares.visible.sum(axis=0)).ravel()
    header = ["part", "element", "visible_pixels"]
    for band in bands:
        header += [f"{band}_op", f"{band}_std", f"{band}_data_share"]
    lines = [",".join(header)]
    for p in np.flatnonzero(np.isfinite(solution.part_op[0])):
        row = [shares.part_names[p], element_names[shares.part_element[p]],
               f"{visible[p]:.3f}"]
        for b in range(len(bands)):
            row += [f"{solution.part_op[b, p]:.6f}",
                    f"{np.sqrt(solution.part_variance[b, p]):.6f}",
                    f"{solution.part_data_share[b, p]:.3f}"]
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"
