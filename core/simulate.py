"""The forward model: mock-up + element table + acquisition geometry + pixel grid -> one
Monte Carlo trace, from which images, gradients and element fractions are evaluated for any
optical properties, in any band, without tracing again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .canceled import Canceled
from .raytrace.bvh import BVH, build_bvh
from .raytrace.directions import direction_from_angles
from .raytrace.integrator import (
    CLAMPED,
    DROPPED,
    LOST,
    MAX_BATCHES,
    MAX_VARIABLES,
    PATH_EVENTS,
    trace_chunk,
)
from .raytrace.polynomials import PixelPolynomials, polynomials_from_records
from .raytrace.polynomials import pooled as _pooled_polynomials
from .raytrace.turbid import TurbidMedia, open_edges, orient_outward
from .scene.elements import ElementTable, split_albedo
from .scene.mockup import Mockup


@dataclass(frozen=True)
class Geometry:
    """Acquisition geometry in degrees: zenith from vertical, azimuth clockwise from north."""

    sun_zenith: float
    sun_azimuth: float
    view_zenith: float = 0.0
    view_azimuth: float = 0.0

    def __post_init__(self):
        if not 0.0 <= self.sun_zenith < 90.0:
            raise ValueError(
                f"SUN_ZENITH {self.sun_zenith} deg: the sun must be above the horizon "
                f"(0 <= zenith < 90)"
            )
        if not 0.0 <= self.view_zenith < 90.0:
            raise ValueError(f"VIEW_ZENITH {self.view_zenith} deg must be in [0, 90)")

    @property
    def sun(self) -> np.ndarray:
        return direction_from_angles(self.sun_zenith, self.sun_azimuth)

    @property
    def view(self) -> np.ndarray:
        return direction_from_angles(self.view_zenith, self.view_azimuth)


@dataclass(frozen=True)
class PixelGrid:
    """A north-up raster grid in the scene's CRS (metres)."""

    x_min: float  # west edge
    y_max: float  # north edge
    pixel_width: float
    pixel_height: float
    rows: int
    cols: int

    @classmethod
    def from_geotransform(cls, geotransform, rows: int, cols: int) -> PixelGrid:
        x0, dx, rx, y0, ry, dy = geotransform
        if rx or ry or dx <= 0 or dy >= 0:
            raise ValueError("the image grid must be north-up (no rotation, negative y step)")
        return cls(x0, y0, dx, -dy, rows, cols)

    @property
    def geotransform(self) -> tuple[float, ...]:
        return (self.x_min, self.pixel_width, 0.0, self.y_max, 0.0, -self.pixel_height)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        return (self.x_min, self.y_max - self.rows * self.pixel_height,
                self.x_min + self.cols * self.pixel_width, self.y_max)


@dataclass
class Scene:
    """A mock-up bound to an element table, ready to trace."""

    mockup: Mockup
    elements: ElementTable
    triangle_element: np.ndarray  # int32 (n,)
    normals: np.ndarray  # float64 (n, 3), unit geometric normals
    var_r: np.ndarray  # int64 (elements,): variable index of each element's r
    var_t: np.ndarray  # int64 (elements,): variable index of its t, -1 for opaque
    bvh: BVH
    # turbid media: the medium each triangle bounds (-1: a facet) and the media's tables;
    # ``normals`` of boundary triangles point out of their volume
    triangle_medium: np.ndarray | None = None  # int64 (n,)
    media: TurbidMedia | None = None

    @property
    def variable_names(self) -> list[str]:
        names = [""] * self.n_variables
        for i, element in enumerate(self.elements.elements):
            names[self.var_r[i]] = f"{element.name}:r"
            if self.var_t[i] >= 0:
                names[self.var_t[i]] = f"{element.name}:t"
        return names

    @property
    def n_variables(self) -> int:
        return int(max(self.var_r.max(), self.var_t.max()) + 1)

    @property
    def translucent(self) -> np.ndarray:
        return self.var_t >= 0

    def box(self) -> np.ndarray:
        low, high = self.mockup.local_bounds()
        return np.concatenate([low, high])

    def variables(self, r: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Per element r and t (..., elements) -> variable values (..., variables)."""
        r, t = np.asarray(r, dtype=np.float64), np.asarray(t, dtype=np.float64)
        x = np.zeros(r.shape[:-1] + (self.n_variables,))
        x[..., self.var_r] = r
        translucent = self.translucent
        x[..., self.var_t[translucent]] = t[..., translucent]
        return x

    def variables_from_table(self, bands: list[str]) -> np.ndarray:
        """(bands, variables) from the element table's OP columns."""
        self.elements.require_bands(bands)
        rt = [self.elements.reflectance_transmittance(band) for band in bands]
        return self.variables(np.array([r for r, _ in rt]), np.array([t for _, t in rt]))


def element_variables(elements: ElementTable) -> tuple[np.ndarray, np.ndarray]:
    """Variable index of each element's r and of its t (-1 for opaque elements): one
    variable per opaque element, two per translucent one, in table order."""
    var_r = np.full(len(elements.elements), -1, dtype=np.int64)
    var_t = np.full(len(elements.elements), -1, dtype=np.int64)
    n = 0
    for i, element in enumerate(elements.elements):
        var_r[i] = n
        n += 1
        if element.translucent:
            var_t[i] = n
            n += 1
    return var_r, var_t


def prepare_scene(mockup: Mockup, elements: ElementTable) -> Scene:
    """Assign triangles to elements (every part matched once, every element present) and
    build the acceleration structure.

    Parts of turbid elements must be closed surfaces (an open one is refused by name);
    their normals are turned outward by crossing counts, whatever the file's winding.
    Volumes of the same element and structure overlapping each other act as their union;
    volumes of different media overlapping add their leaf area densities.
    """
    part_element = elements.assign_parts(mockup.part_names)
    triangle_element = part_element[mockup.part_of_triangle]
    var_r, var_t = element_variables(elements)
    n = int(max(var_r.max(), var_t.max()) + 1)
    if n > MAX_VARIABLES:
        raise ValueError(
            f"{n} optical-property variables (one per opaque element, two per translucent "
            f"one); the tracer handles at most {MAX_VARIABLES}: merge some elements"
        )
    tri = mockup.triangles.astype(np.float64)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1)[:, None]
    bvh = build_bvh(mockup.triangles)
    triangle_medium, media = _turbid_media(mockup, elements, part_element, tri, normals, bvh)
    return Scene(mockup, elements, triangle_element, normals, var_r, var_t, bvh,
                 triangle_medium, media)


def _turbid_media(mockup, elements, part_element, tri, normals, bvh):
    """One medium per distinct (element, leaf area density, LAD) among turbid parts."""
    part_medium = np.full(len(mockup.part_names), -1, np.int64)
    media: list[tuple[int, float, str]] = []
    for part, name in enumerate(mockup.part_names):
        element = elements.elements[part_element[part]]
        if not element.turbid:
            continue
        density, lad = element.structure(name)
        key = (int(part_element[part]), float(density), lad.strip().lower())
        if key not in media:
            media.append(key)
        part_medium[part] = media.index(key)
        holes = open_edges(tri[mockup.part_of_triangle == part])
        if holes:
            raise ValueError(
                f"turbid part '{name}' (element '{element.name}') is not a closed surface: "
                f"{holes} edges bound a single triangle, so its inside is undefined"
            )
    triangle_medium = part_medium[mockup.part_of_triangle]
    boundary = np.flatnonzero(triangle_medium >= 0)
    if len(boundary):
        orient_outward(bvh, tri, mockup.part_of_triangle.astype(np.int64), normals, boundary)
    return triangle_medium, TurbidMedia.build(media, elements.names)


def check_overlap(scene: Scene, grid: PixelGrid, image_name: str = "the image") -> None:
    """Refuse a mock-up and grid that do not overlap, saying when a CRS mismatch is likely."""
    low, high = scene.mockup.world_bounds()
    x0, y0, x1, y1 = grid.extent
    if high[0] > x0 and low[0] < x1 and high[1] > y0 and low[1] < y1:
        return
    mock_name = scene.mockup.path or "the mock-up"
    message = (
        f"{mock_name} (x {low[0]:.1f} to {high[0]:.1f}, y {low[1]:.1f} to {high[1]:.1f}) and "
        f"{image_name} (x {x0:.1f} to {x1:.1f}, y {y0:.1f} to {y1:.1f}) do not overlap"
    )
    scale_mock = max(abs(low[0]), abs(high[0]), abs(low[1]), abs(high[1]))
    scale_grid = max(abs(x0), abs(x1), abs(y0), abs(y1))
    if scale_mock > 0 and scale_grid > 0 and (
        max(scale_mock, scale_grid) / min(scale_mock, scale_grid) > 50
        or max(abs(x0 - low[0]), abs(y0 - low[1])) > 1e5
    ):
        message += (
            "; their coordinates are far apart, so they are probably in different CRSs: "
            "the mock-up must be in the image's projected CRS (metres)"
        )
    raise ValueError(message)


def terrain_heights(scene: Scene, grid: PixelGrid, elements: list[str]) -> np.ndarray:
    """Height (metres, scene CRS) of the terrain under each pixel centre -> (rows, cols): the
    top surface of the named ``elements`` (the ground of a DEM-built mock-up), seen from
    straight above through everything else. Pixels with no terrain under their centre (a
    ground cut under a building, beyond the mock-up) take the nearest pixel's height.

    Orthorectified images place every pixel on the terrain; registering the simulated grid
    on a plane instead moves the footprint by height * tan(view zenith) over relief.
    """
    from .raytrace.boundary import depths_below

    names = scene.elements.names
    unknown = [name for name in elements if name not in names]
    if unknown or not elements:
        raise ValueError(f"terrain element(s) {', '.join(unknown) or '(none)'} not in the "
                         f"element table (its elements: {', '.join(names)})")
    wanted = np.isin(scene.triangle_element, [names.index(name) for name in elements])
    origin = scene.mockup.origin
    top = scene.mockup.local_bounds()[1][2] + 1.0
    x = grid.x_min - origin[0] + grid.pixel_width * (np.arange(grid.cols) + 0.5)
    y = grid.y_max - origin[1] - grid.pixel_height * (np.arange(grid.rows) + 0.5)
    depth = depths_below(scene.bvh, wanted, x, y, top)
    found = np.isfinite(depth)
    if not found.any():
        raise ValueError(f"no pixel of the grid has terrain ({', '.join(elements)}) under "
                         f"its centre")
    height = top - depth + origin[2]
    if not found.all():
        from scipy.ndimage import distance_transform_edt

        nearest = distance_transform_edt(~found, return_distances=False, return_indices=True)
        height = height[tuple(nearest)]
    return height


#: independent sample batches per pixel, whose spread gives the standard error, for the
#: forward model (``forward.simulate_products``), unmixing (``unmix.run.run_unmix``) and
#: retrieval (``retrieve.run.run_retrieve``, whose loss subtracts that variance).
#: 4 batches (``trace``'s own default) give it 3 degrees of freedom (+-40 %, heavy tails in
#: any k-sigma test); 16 give 15 (+-18 %). The price: each batch is stratified on its own,
#: over fewer strata (64 samples: 2 x 2 instead of 4 x 4), measured +3 % noise at 4 m pixels
#: and +19 % at 1 m over random leaves, and 1.9 x the polynomials' memory at 64 samples.
DEFAULT_BATCHES = 16


def batches_for(samples: int) -> int:
    """DEFAULT_BATCHES, keeping at least 4 samples (2 x 2 strata) in each batch."""
    return min(DEFAULT_BATCHES, max(1, samples // 4))


#: bytes per stored coefficient (float64 value, int32 column, a share of the exponents)
POLYNOMIAL_BYTES = 12.5
#: peak bytes per record while the polynomials are built (records kept per chunk, their
#: concatenation, the sort of the keys and the sparse matrix), measured with tracemalloc
BUILD_BYTES = 140.0
PILOT_PIXELS = 16  # pixels traced first to estimate the records per pixel
FIRST_CHUNK_PIXELS = 256  # pixels of the first traced chunk (then sized by its time)
CHUNK_SECONDS = 0.5  # aimed time of a chunk: how long a cancel may wait
MAX_CHUNK_PIXELS = 512  # even where pixels are cheap: the next ones may not be


class MemoryLimitError(ValueError):
    """The trace would need more memory than allowed; nothing was traced. ``memory``: the
    estimate that refused it."""

    def __init__(self, message: str, memory: MemoryEstimate | None = None):
        super().__init__(message)
        self.memory = memory


def default_memory_limit() -> float:
    """Half of the machine's physical memory (bytes); 8 GiB where it cannot be read."""
    import os

    try:
        return 0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return 8.0 * 2**30


@dataclass(frozen=True)
class MemoryEstimate:
    """What the trace's polynomials will cost, from a pilot of a few pixels."""

    records_per_pixel: float
    pixels: int
    chunk_bytes: float  # the per-chunk record buffers of the kernel

    @property
    def polynomial_bytes(self) -> float:
        return self.records_per_pixel * self.pixels * POLYNOMIAL_BYTES

    @property
    def peak_bytes(self) -> float:
        return self.records_per_pixel * self.pixels * BUILD_BYTES + self.chunk_bytes


#: share of the paths that may go wrong (lost, dropped, clamped) before the log warns
LOST_PATH_WARNING = 1e-4


#: share of a pixel's width or height by which its footprint may pass the mock-up's edge
#: (float32 vertices, grids snapped to the mock-up's extent)
COVERAGE_TOLERANCE = 1e-3


def grid_coverage(scene: Scene, grid: PixelGrid,
                  bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Pixels whose whole footprint on the reference surface lies over the mock-up's x/y
    extent -> bool (rows, cols).

    Beyond it, a periodic boundary would show copies of the mock-up and an open one an empty
    void: neither is the scene, so those pixels are NoData. A mock-up may extend beyond the
    image (as DART's margin); the image must not extend beyond the mock-up. ``bounds``: the
    world (low, high) corners to test against instead of the scene's (a tile's sub-scene
    is judged by the whole mock-up's extent).
    """
    low, high = scene.mockup.world_bounds() if bounds is None else bounds
    x_tol = COVERAGE_TOLERANCE * grid.pixel_width
    y_tol = COVERAGE_TOLERANCE * grid.pixel_height
    west = grid.x_min + grid.pixel_width * np.arange(grid.cols)
    north = grid.y_max - grid.pixel_height * np.arange(grid.rows)
    cols_in = (west >= low[0] - x_tol) & (west + grid.pixel_width <= high[0] + x_tol)
    rows_in = (north - grid.pixel_height >= low[1] - y_tol) & (north <= high[1] + y_tol)
    return rows_in[:, None] & cols_in[None, :]


def _coverage_message(scene: Scene, grid: PixelGrid) -> str:
    low, high = scene.mockup.world_bounds()
    x0, y0, x1, y1 = grid.extent
    return (f"{scene.mockup.path or 'the mock-up'} covers x {low[0]:.1f} to {high[0]:.1f}, "
            f"y {low[1]:.1f} to {high[1]:.1f}; the image grid spans x {x0:.1f} to {x1:.1f}, "
            f"y {y0:.1f} to {y1:.1f}")


@dataclass(frozen=True)
class TraceWindow:
    """A block of a grid traced on its own (a tile), with a sub-scene of the mock-up.

    Its pixels keep the positions and random streams they have in the whole grid (the
    stream of a pixel is its index in the whole grid), and the periodic box, the coverage
    and the default reference height come from ``bounds``, the whole mock-up's world (low,
    high) corners, not from the sub-scene's: so a tile whose sub-scene holds every triangle
    its paths meet reproduces the untiled trace path for path.
    """

    row0: int
    col0: int
    rows: int
    cols: int
    bounds: tuple[np.ndarray, np.ndarray]

    def grid(self, whole: PixelGrid) -> PixelGrid:
        """The block's own grid."""
        return PixelGrid(whole.x_min + self.col0 * whole.pixel_width,
                         whole.y_max - self.row0 * whole.pixel_height,
                         whole.pixel_width, whole.pixel_height, self.rows, self.cols)


@dataclass
class Trace:
    """What one trace knows: polynomials for the image, element fractions and sunlit shares."""

    scene: Scene
    grid: PixelGrid
    geometry: Geometry
    polynomials: PixelPolynomials
    fractions: np.ndarray  # (elements, rows, cols): share of each pixel's view that is element
    sunlit_fractions: np.ndarray  # (elements, rows, cols): ... that is element and sunlit
    empty_fraction: np.ndarray  # (rows, cols): share of rays that met nothing (open scenes)
    samples: int
    seed: int
    seconds: float = 0.0
    #: (rows, cols): pixels over the mock-up (see ``grid_coverage``); the others were not
    #: traced, their polynomials are empty and their images NaN (NoData)
    covered: np.ndarray | None = None
    #: paths that went wrong, by kind: ``lost`` (a ray crossed integrator.MAX_CROSSINGS turbid
    #: boundaries), ``dropped`` (a segment met more than MAX_STRETCHES stretches in media; the
    #: path ended there), ``clamped`` (a ray left a medium it was not in: a boundary crossing
    #: missed or counted twice, medium membership then wrong for the rest of the path)
    path_counts: dict[str, int] | None = None
    traced_paths: int = 0
    memory: MemoryEstimate | None = None  # estimated before tracing

    @property
    def wrong_path_share(self) -> float:
        """Share of the traced paths that were lost, dropped or clamped (see
        ``path_counts``); above LOST_PATH_WARNING the log warns."""
        return sum((self.path_counts or {}).values()) / max(self.traced_paths, 1)

    def reflectance(self, x: np.ndarray, skyl) -> tuple[np.ndarray, np.ndarray]:
        """(image, standard error), each (bands, rows, cols), for variables x (bands, V);
        NaN beyond the mock-up."""
        image, error = self.polynomials.reflectance(x, skyl)
        if self.covered is not None and not self.covered.all():
            image[:, ~self.covered] = np.nan
            error[:, ~self.covered] = np.nan
        return image, error

    def reflectance_from_table(self, bands: list[str], skyl) -> tuple[np.ndarray, np.ndarray]:
        return self.reflectance(self.scene.variables_from_table(bands), skyl)


#: pixels per chunk of ``trace``: a chunk's record buffers (``MemoryEstimate.chunk_bytes``)
#: are for at most this many pixels
TRACE_CHUNK_PIXELS = 2048


def trace(
    scene: Scene,
    grid: PixelGrid,
    geometry: Geometry,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    batches: int = 4,
    reference_height: float | np.ndarray | None = None,
    rr_depth: int = 3,
    rr_survival: float = 0.8,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    chunk_pixels: int = TRACE_CHUNK_PIXELS,
    max_memory: float | None = None,
    capacity: int | None = None,
    window: TraceWindow | None = None,
) -> Trace:
    """Trace every pixel of ``grid`` once (or only the block ``window`` of it: see
    TraceWindow; the Trace is then on the block's grid).

    ``reference_height`` (metres, scene CRS) is the surface on which the pixel grid lies, seen
    along the view direction: one height (a plane) or one per pixel (rows, cols), such as the
    terrain under each pixel (``terrain_heights``), where orthorectified products place their
    pixels; by default a plane at the mock-up's lowest point. With ``periodic`` the
    mock-up tiles the plane; otherwise rays leaving its box escape (to the sky when going up).
    Either way, pixels beyond the mock-up's footprint are not traced and are NoData
    (``Trace.covered``); a grid with no pixel over the mock-up is refused. ``batches``:
    independent sample batches per pixel for the standard error (see DEFAULT_BATCHES, which
    the forward model and unmixing use; see ``batches_for``).

    Before tracing, PILOT_PIXELS pixels estimate the memory the polynomials need while they
    are built (``Trace.memory``); above ``max_memory`` bytes (default: half the machine's
    memory) the run is refused with MemoryLimitError, as MAX_TRIANGLES refuses geometry.
    ``capacity``: records per pixel the kernel's buffers hold before a pixel is re-traced
    with more room (for tests of that path).
    """
    import time

    if samples < 1:
        raise ValueError(f"SAMPLES must be at least 1, got {samples}")
    batches = max(1, min(batches, samples, MAX_BATCHES))
    if not 0.0 < rr_survival <= 1.0:
        raise ValueError("rr_survival must be in (0, 1]")
    start = time.perf_counter()
    origin = scene.mockup.origin
    bounds = scene.mockup.world_bounds() if window is None else window.bounds
    if reference_height is None:
        reference_height = bounds[0][2]
    z_ref = np.broadcast_to(np.asarray(reference_height, np.float64) - origin[2],
                            (grid.rows, grid.cols))
    if not np.isfinite(z_ref).all():
        raise ValueError("the reference height of the pixel grid must be finite everywhere")
    grid_local = np.array([
        grid.x_min - origin[0], grid.y_max - origin[1], grid.pixel_width, grid.pixel_height,
        grid.cols,
    ])
    n_elements = len(scene.elements.elements)
    covered = grid_coverage(scene, grid, bounds)
    whole_grid = grid
    if window is not None:  # trace the block, indexing pixels in the whole grid
        block = (slice(window.row0, window.row0 + window.rows),
                 slice(window.col0, window.col0 + window.cols))
        mask = np.zeros_like(covered)
        mask[block] = covered[block]
        covered_whole, covered = mask, covered[block]
        grid = window.grid(whole_grid)
        segments = [((window.row0 + r) * whole_grid.cols + window.col0 + c,
                     min(chunk_pixels, window.cols - c))
                    for r in range(window.rows) for c in range(0, window.cols, chunk_pixels)]
    else:
        covered_whole = covered
        segments = [(first, min(chunk_pixels, grid.rows * grid.cols - first))
                    for first in range(0, grid.rows * grid.cols, chunk_pixels)]
    n_pixels = grid.rows * grid.cols
    if not covered.any():
        raise ValueError("no pixel lies wholly over the mock-up: "
                         + _coverage_message(scene, grid))
    arguments = (
        scene.bvh, scene.normals, scene.triangle_element, scene.var_r, scene.var_t,
        scene.translucent, _tracing_box(scene, periodic, bounds), periodic, geometry.sun,
        geometry.view, grid_local,
        samples, batches, seed, rr_depth, rr_survival, scene.n_variables,
        *_media_arguments(scene), covered_whole.ravel().astype(np.uint8),
        np.ascontiguousarray(z_ref.ravel()),
    )
    if capacity is None:
        capacity = max(64, 4 * samples)
    memory = _estimate_memory(arguments, covered_whole, capacity, min(chunk_pixels, n_pixels))
    limit = default_memory_limit() if max_memory is None else max_memory
    if memory.peak_bytes > limit:
        raise MemoryLimitError(
            f"tracing {int(covered.sum()):,} pixels x {samples} samples would need about "
            f"{memory.peak_bytes / 2**20:,.0f} MB while building the polynomials "
            f"({memory.records_per_pixel:,.0f} coefficients per pixel, "
            f"{memory.polynomial_bytes / 2**20:,.0f} MB kept), more than the limit MAX_MEMORY "
            f"of {limit / 2**20:,.0f} MB: lower SAMPLES, trace a smaller extent or coarser "
            f"pixels, or raise MAX_MEMORY", memory)
    records = []
    first_hits = np.zeros((n_pixels, n_elements + 1), np.float64)
    sunlit = np.zeros((n_pixels, n_elements), np.float64)
    path_counts = np.zeros(PATH_EVENTS, np.int64)
    done, chunk = 0, min(FIRST_CHUNK_PIXELS, chunk_pixels)
    for segment_first, segment_count in segments:
        offset = 0
        while offset < segment_count:
            if is_canceled is not None and is_canceled():
                raise Canceled()
            count = min(chunk, segment_count - offset)
            whole_first = segment_first + offset
            first = whole_first  # the chunk's first pixel in the traced (block's) grid
            if window is not None:
                row, col = divmod(whole_first, whole_grid.cols)
                first = (row - window.row0) * window.cols + col - window.col0
            chunk_start = time.perf_counter()
            k0, k1, kv, counts, hits, lit, wrong = trace_chunk(whole_first, count, capacity,
                                                               *arguments)
            first_hits[first:first + count] = hits
            sunlit[first:first + count] = lit
            path_counts += wrong.sum(axis=0)
            for j in np.flatnonzero(counts < 0):  # pixels whose paths met many monomials
                r0, r1, rv, rc, _, _, _ = trace_chunk(whole_first + j, 1, int(-counts[j]),
                                                      *arguments)
                records.append((np.full(rc[0], first + j), r0[0, :rc[0]], r1[0, :rc[0]],
                                rv[0, :rc[0]]))
                counts[j] = 0
            keep = np.arange(capacity)[None, :] < counts[:, None]
            pixel = np.broadcast_to(np.arange(first, first + count)[:, None], keep.shape)[keep]
            records.append((pixel, k0[keep], k1[keep], kv[keep]))
            done += count
            if progress is not None:
                progress(done / n_pixels)
            offset += count
            # size the next chunk for about CHUNK_SECONDS between looks at the cancel
            # button (each pixel has its own random stream: chunks never change the result),
            # at most doubled, as cheap pixels (bare ground) may precede costly ones (canopy)
            seconds = max(time.perf_counter() - chunk_start, 1e-3)
            chunk = int(np.clip(count * CHUNK_SECONDS / seconds, FIRST_CHUNK_PIXELS // 4,
                                min(chunk_pixels, 2 * count, MAX_CHUNK_PIXELS)))
    pixel, key0, key1, value = (np.concatenate(parts) for parts in zip(*records, strict=True))
    polynomials = polynomials_from_records(pixel, key0, key1, value, scene.n_variables,
                                           grid.rows, grid.cols, batches)
    shape = (grid.rows, grid.cols)
    fractions = (first_hits[:, :n_elements] / samples).T.reshape((n_elements,) + shape)
    return Trace(
        scene=scene,
        grid=grid,
        geometry=geometry,
        polynomials=polynomials,
        fractions=fractions,
        sunlit_fractions=(sunlit / samples).T.reshape((n_elements,) + shape),
        empty_fraction=(first_hits[:, n_elements] / samples).reshape(shape),
        samples=samples,
        seed=seed,
        seconds=time.perf_counter() - start,
        covered=covered,
        path_counts={"lost": int(path_counts[LOST]), "dropped": int(path_counts[DROPPED]),
                     "clamped": int(path_counts[CLAMPED])},
        traced_paths=int(covered.sum()) * samples,
        memory=memory,
    )


def estimate_memory(
    scene: Scene,
    grid: PixelGrid,
    geometry: Geometry,
    samples: int = 64,
    seed: int = 1,
    periodic: bool = True,
    batches: int = 4,
    reference_height: float | np.ndarray | None = None,
) -> MemoryEstimate:
    """What ``trace`` with these settings would need (its PILOT_PIXELS pilot only, nothing
    traced): the trace refused at a limit below any estimate, whose error carries it."""
    try:
        trace(scene, grid, geometry, samples=samples, seed=seed, periodic=periodic,
              batches=batches, reference_height=reference_height, max_memory=-1.0)
    except MemoryLimitError as error:
        return error.memory
    raise AssertionError("a trace with a negative memory limit was not refused")


#: metres the periodic box is grown by on every side when a turbid volume touches it
SEAM_PAD = 1e-5


def _tracing_box(scene: Scene, periodic: bool,
                 bounds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The box rays wrap in. A turbid boundary face lying on a side plane of the periodic
    box is found or missed at random by a ray wrapping through it, which switches the medium
    on or off for the rest of the path (a slab filling the scene clamped a third of its
    paths and biased its soil BRF by 6 %). Growing the box by SEAM_PAD takes every face off
    its planes; the price is a seam SEAM_PAD wide around the tile with nothing in it.
    ``bounds``: world (low, high) corners of the whole mock-up, for a tile's sub-scene."""
    box = scene.box() if bounds is None else np.concatenate(
        [bounds[0] - scene.mockup.origin, bounds[1] - scene.mockup.origin])
    if not periodic or scene.triangle_medium is None or not (scene.triangle_medium >= 0).any():
        return box
    faces = scene.mockup.triangles[scene.triangle_medium >= 0].astype(np.float64)
    tolerance = 1e-6 * max(1.0, float(np.abs(box).max()))
    on_side = np.zeros(len(faces), bool)
    for axis in (0, 1):
        for plane in (box[axis], box[axis + 3]):
            on_side |= (np.abs(faces[:, :, axis] - plane) < tolerance).all(axis=1)
    if on_side.any():
        box[[0, 1]] -= SEAM_PAD
        box[[3, 4]] += SEAM_PAD
    return box


def _estimate_memory(arguments, covered, capacity, chunk_pixels) -> MemoryEstimate:
    """Records per pixel from PILOT_PIXELS covered pixels spread over the grid (each a pixel
    of the real trace, with its own random stream)."""
    pixels = np.flatnonzero(covered.ravel())
    pilot = pixels[np.linspace(0, pixels.size - 1, min(PILOT_PIXELS, pixels.size)).astype(int)]
    records = [abs(int(trace_chunk(int(p), 1, capacity, *arguments)[3][0])) for p in pilot]
    return MemoryEstimate(float(np.mean(records)), int(pixels.size),
                          24.0 * chunk_pixels * capacity)


def _media_arguments(scene: Scene) -> tuple:
    media = scene.media if scene.media is not None else TurbidMedia.empty()
    triangle_medium = scene.triangle_medium
    if triangle_medium is None:
        triangle_medium = np.full(len(scene.triangle_element), -1, np.int64)
    return (triangle_medium, media.element, media.density, media.g_table, media.theta_table,
            media.spherical)


def albedo_gradients(trace_: Trace, x: np.ndarray, bands: list[str], skyl) -> np.ndarray:
    """US-DART's gradients G_i = dR/d(OP_i) per element: reflectance for opaque elements,
    albedo with the table's r/t ratio for translucent ones. (bands, elements, rows, cols)."""
    scene = trace_.scene
    g = trace_.polynomials.gradients(x, skyl)
    out = np.empty((len(bands), len(scene.elements.elements)) + g.shape[2:])
    for i, element in enumerate(scene.elements.elements):
        if element.translucent:
            for b, band in enumerate(bands):
                dr, dt = split_albedo(1.0, element.ratio(band))
                out[b, i] = dr * g[b, scene.var_r[i]] + dt * g[b, scene.var_t[i]]
        else:
            out[:, i] = g[:, scene.var_r[i]]
    return out


def evaluate_op_maps(trace: Trace, op: np.ndarray, bands: list[str], skyl: np.ndarray):
    """Simulated image and US-DART gradients dR/dOP for per-pixel OP maps.

    ``op`` (bands, elements, rows, cols): reflectance for opaque elements, albedo for
    translucent ones split with the element table's r/t ratio. Returns image (bands, rows,
    cols), gradients (bands, elements, rows, cols) and the image's standard error.
    """
    scene = trace.scene
    elements = scene.elements.elements
    bands_n, n_elements = op.shape[:2]
    x = np.zeros((bands_n, scene.n_variables) + op.shape[2:])
    chain = np.zeros((bands_n, n_elements, 2))
    for i, element in enumerate(elements):
        if element.translucent:
            for b, band in enumerate(bands):
                dr, dt = split_albedo(1.0, element.ratio(band))
                chain[b, i] = dr, dt
                x[b, scene.var_r[i]] = dr * op[b, i]
                x[b, scene.var_t[i]] = dt * op[b, i]
        else:
            chain[:, i, 0] = 1.0
            x[:, scene.var_r[i]] = op[:, i]
    image, g, error = trace.polynomials.reflectance_per_pixel(x, skyl)
    gradients = np.empty_like(op)
    for i in range(n_elements):
        gradients[:, i] = chain[:, i, 0, None, None] * g[:, scene.var_r[i]]
        if scene.var_t[i] >= 0:
            gradients[:, i] += chain[:, i, 1, None, None] * g[:, scene.var_t[i]]
    return image, gradients, error


def pool_traces(parts: list[Trace]) -> Trace:
    """Independent traces of one grid and geometry as one trace of all their samples."""
    if len(parts) == 1:
        return parts[0]
    total = sum(t.samples for t in parts)
    weights = [t.samples / total for t in parts]

    def mean(name):
        return sum(w * getattr(t, name) for w, t in zip(weights, parts, strict=True))

    counts = {k: sum((t.path_counts or {}).get(k, 0) for t in parts)
              for k in (parts[0].path_counts or {})}
    return dataclasses.replace(
        parts[0], polynomials=_pooled_polynomials([t.polynomials for t in parts], weights),
        fractions=mean("fractions"), sunlit_fractions=mean("sunlit_fractions"),
        empty_fraction=mean("empty_fraction"), samples=total,
        seconds=sum(t.seconds for t in parts), path_counts=counts,
        traced_paths=sum(t.traced_paths for t in parts), memory=parts[-1].memory)
