"""Band-by-band comparison metrics of two co-gridded images (METHOD.md, S2/PlanetScope).

Conventions used throughout:

- Images are float arrays of reflectance (dimensionless), ``(y, x)`` for one band or
  ``(bands, y, x)`` for a stack, on the same grid.
- ``nodata_mask`` is a boolean array, True where a pixel is NoData. Non-finite values (NaN,
  inf) are NoData too, so a band's own NoData can simply be set to NaN.
- **Residual = B - A** (image B minus image A, per pixel). Put the reference (satellite
  image, or the finer image) as A: a positive residual means B is brighter than the
  reference.
- AMD (absolute mean difference) = mean over valid pixels of ``|A - B|``.
- Hash similarity = ``1 - hamming_distance / hash_bits`` (1 = identical hashes, about 0.5 =
  unrelated images); the five hashes are imagehash's average, perceptual (phash),
  difference (dhash), Haar wavelet and Daubechies-4 wavelet hashes with default settings:
  64 bits each, except the db4 hash, which pywt's boundary extension enlarges (196 bits =
  14 x 14 for images of 64 px or more). Hashes see pattern more than level: a uniformly
  brighter copy can hash identically, which is why AMD and residuals sit beside them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

HASH_NAMES = ("average", "perceptual", "difference", "wavelet_haar", "wavelet_db4")

#: Percentiles of the pooled valid values of both images mapped to 0 and 255 for hashing.
HASH_PERCENTILES = (0.5, 99.5)


@dataclass(frozen=True)
class BandMetrics:
    """Metrics of one band pair. Residuals are B - A; reflectances are unitless."""

    label: str
    n_valid: int
    amd: float
    mean_residual: float
    median_residual: float
    median_a: float
    median_b: float
    hash_similarity: dict

    @property
    def hash_sum(self) -> float:
        """Sum of the five hash similarities (5 = identical by every hash)."""
        return float(sum(self.hash_similarity[name] for name in HASH_NAMES))

    def as_dict(self) -> dict:
        """Flat dict (hash similarities as ``hash_<name>`` keys) for tables and CSV."""
        row = asdict(self)
        hashes = row.pop("hash_similarity")
        row.update({f"hash_{k}": v for k, v in hashes.items()})
        row["hash_sum"] = self.hash_sum
        return row


def _as_2d(array: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(array, dtype=float)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a single band (y, x) array, got shape {arr.shape}")
    return arr


def valid_pixels(
    a: np.ndarray, b: np.ndarray, nodata_mask: np.ndarray | None = None, label: str = ""
) -> np.ndarray:
    """Boolean map of pixels valid in both bands (finite and not masked).

    Raises ValueError (naming the band) for shape mismatches or when no pixel is valid.
    """
    name = f"band {label!r}" if label else "band pair"
    if a.shape != b.shape:
        raise ValueError(
            f"Images of {name} have different shapes {a.shape} and {b.shape}; bring them "
            "onto one grid first (duplicate_to_finer_grid or resampling)"
        )
    valid = np.isfinite(a) & np.isfinite(b)
    if nodata_mask is not None:
        mask = np.asarray(nodata_mask, dtype=bool)
        if mask.shape != a.shape:
            raise ValueError(f"NoData mask of {name} has shape {mask.shape}, the images {a.shape}")
        valid &= ~mask
    if not valid.any():
        raise ValueError(f"No valid pixel in {name}: every pixel is NoData in A or B")
    return valid


def to_uint8_pair(
    a: np.ndarray,
    b: np.ndarray,
    valid: np.ndarray,
    percentiles: tuple[float, float] = HASH_PERCENTILES,
) -> tuple[np.ndarray, np.ndarray]:
    """8-bit versions of two bands for perceptual hashing, scaled identically.

    Deterministic recipe (so hashes compare radiometry as well as pattern):
    1. invalid pixels of each band are filled with that band's median over ``valid``;
    2. ``lo, hi`` = ``percentiles`` (numpy linear interpolation) of the valid values of A
       and B pooled together (robust to specular outliers above 1);
    3. ``u8 = round(clip((x - lo) / (hi - lo), 0, 1) * 255)`` (numpy round, half to even);
       if ``hi <= lo`` (constant images) every pixel is 0.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a_fill = np.where(valid, a, np.median(a[valid]))
    b_fill = np.where(valid, b, np.median(b[valid]))
    lo, hi = np.percentile(np.concatenate([a[valid], b[valid]]), percentiles)
    out = []
    for band in (a_fill, b_fill):
        if hi > lo:
            scaled = np.clip((band - lo) / (hi - lo), 0.0, 1.0) * 255.0
        else:
            scaled = np.zeros_like(band)
        out.append(np.round(scaled).astype(np.uint8))
    return out[0], out[1]


def hash_similarities(u8_a: np.ndarray, u8_b: np.ndarray) -> dict:
    """The five imagehash similarities (1 - hamming/bits) of two 8-bit images."""
    import imagehash
    from PIL import Image

    img_a = Image.fromarray(np.ascontiguousarray(u8_a, dtype=np.uint8), mode="L")
    img_b = Image.fromarray(np.ascontiguousarray(u8_b, dtype=np.uint8), mode="L")
    funcs = {
        "average": imagehash.average_hash,
        "perceptual": imagehash.phash,
        "difference": imagehash.dhash,
        "wavelet_haar": lambda im: imagehash.whash(im, mode="haar"),
        "wavelet_db4": lambda im: imagehash.whash(im, mode="db4"),
    }
    result = {}
    with warnings.catch_warnings():
        # pywt warns that db4 at the deepest level sees boundary effects; that is the
        # documented behaviour of imagehash's whash and does not change the hash.
        warnings.simplefilter("ignore", UserWarning)
        for name in HASH_NAMES:
            ha, hb = funcs[name](img_a), funcs[name](img_b)
            result[name] = 1.0 - (ha - hb) / ha.hash.size
    return result


def band_pair_metrics(
    a: np.ndarray, b: np.ndarray, nodata_mask: np.ndarray | None = None, label: str = ""
) -> BandMetrics:
    """AMD, residual statistics (B - A), medians and hash similarities of one band pair."""
    a = _as_2d(a, f"Band {label!r} of image A" if label else "Image A")
    b = _as_2d(b, f"Band {label!r} of image B" if label else "Image B")
    valid = valid_pixels(a, b, nodata_mask, label)
    va, vb = a[valid], b[valid]
    residual = vb - va
    u8_a, u8_b = to_uint8_pair(a, b, valid)
    return BandMetrics(
        label=label,
        n_valid=int(valid.sum()),
        amd=float(np.mean(np.abs(residual))),
        mean_residual=float(np.mean(residual)),
        median_residual=float(np.median(residual)),
        median_a=float(np.median(va)),
        median_b=float(np.median(vb)),
        hash_similarity=hash_similarities(u8_a, u8_b),
    )


def _as_stack(image: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(image, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"{what} must be (bands, y, x) or (y, x), got shape {arr.shape}")
    return arr


def pair_arrays(image_a: np.ndarray, image_b: np.ndarray, pair) -> tuple[np.ndarray, np.ndarray]:
    """The two (y, x) bands of a ``BandPair`` taken from (bands, y, x) stacks."""
    stack_a = _as_stack(image_a, "Image A")
    stack_b = _as_stack(image_b, "Image B")
    for stack, index, which in ((stack_a, pair.index_a, "A"), (stack_b, pair.index_b, "B")):
        if not 0 <= index < stack.shape[0]:
            raise ValueError(
                f"Band pair {pair.label!r} needs band {index + 1} of image {which}, which has "
                f"{stack.shape[0]} band(s)"
            )
    return stack_a[pair.index_a], stack_b[pair.index_b]


def compare_images(
    image_a: np.ndarray,
    image_b: np.ndarray,
    pairs: Sequence,
    nodata_mask: np.ndarray | None = None,
) -> list[BandMetrics]:
    """Metrics for every ``BandPair`` (from ``sensors.pair_bands``) of two co-gridded stacks.

    ``pairs[k].index_a``/``index_b`` index the first axis of ``image_a``/``image_b``;
    ``nodata_mask`` (y, x) applies to every band; NaN marks per-band NoData.
    """
    if not pairs:
        raise ValueError("No band pair to compare")
    return [
        band_pair_metrics(*pair_arrays(image_a, image_b, p), nodata_mask, p.label) for p in pairs
    ]


# --------------------------------------------------------------------------- grids


def duplicate_to_finer_grid(coarse: np.ndarray, factor_y: int, factor_x: int) -> np.ndarray:
    """Bring a coarse image onto a grid ``factor`` times finer by pixel duplication.

    Works on (y, x) or (..., y, x) arrays. Duplication (not interpolation) keeps every
    coarse pixel's value, so residual maps show the coarse sensor's real pixels.
    """
    arr = np.asarray(coarse)
    if arr.ndim < 2:
        raise ValueError(f"Need a (y, x) or (bands, y, x) array, got shape {arr.shape}")
    for name, f in (("factor_y", factor_y), ("factor_x", factor_x)):
        if int(f) != f or f < 1:
            raise ValueError(f"{name} must be a positive integer, got {f!r}")
    return np.repeat(np.repeat(arr, int(factor_y), axis=-2), int(factor_x), axis=-1)


def duplicate_to_shape(coarse: np.ndarray, shape_yx: tuple[int, int]) -> np.ndarray:
    """Nearest-pixel duplication onto a finer grid of the same extent, any size ratio.

    For S2 10 m onto PlanetScope 3 m (ratio 3.33): fine pixel ``i`` takes coarse pixel
    ``floor((i + 0.5) * n_coarse / n_fine)`` (the coarse pixel containing its centre).
    Equals ``duplicate_to_finer_grid`` when the ratio is an integer.
    """
    arr = np.asarray(coarse)
    if arr.ndim < 2:
        raise ValueError(f"Need a (y, x) or (bands, y, x) array, got shape {arr.shape}")
    ny, nx = (int(s) for s in shape_yx)
    if ny < arr.shape[-2] or nx < arr.shape[-1]:
        raise ValueError(f"Target grid {shape_yx} is not finer than {arr.shape[-2:]}")
    iy = np.floor((np.arange(ny) + 0.5) * arr.shape[-2] / ny).astype(int)
    ix = np.floor((np.arange(nx) + 0.5) * arr.shape[-1] / nx).astype(int)
    return arr[..., iy, :][..., ix]


# --------------------------------------------------------------------------- simulated vs satellite


def relative_error_maps(
    simulated: np.ndarray, satellite: np.ndarray, nodata_mask: np.ndarray | None = None
) -> np.ndarray:
    """Per-band relative error ``|sim - sat| / sat`` (a fraction; x100 for percent).

    NaN where the satellite value is <= 0 (undefined), where either value is not finite,
    or where ``nodata_mask`` (y, x) is True. Shapes: (y, x) or (bands, y, x).
    """
    sim = np.asarray(simulated, dtype=float)
    sat = np.asarray(satellite, dtype=float)
    if sim.shape != sat.shape:
        raise ValueError(
            f"Simulated image {sim.shape} and satellite image {sat.shape} differ in shape"
        )
    valid = np.isfinite(sim) & np.isfinite(sat) & (sat > 0)
    if nodata_mask is not None:
        mask = np.asarray(nodata_mask, dtype=bool)
        if mask.shape != sat.shape[-2:]:
            raise ValueError(f"NoData mask {mask.shape} does not match images {sat.shape}")
        valid &= ~mask
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(sim - sat) / sat
    return np.where(valid, err, np.nan)


@dataclass(frozen=True)
class ClassErrorRow:
    """Relative-error statistics (fractions) of one band over one element's dominant pixels."""

    band: str
    element: str
    n_pixels: int
    mean: float
    median: float
    iqr: float


def class_error_table(
    relative_error: np.ndarray,
    fractions: np.ndarray,
    element_names: Sequence[str],
    band_names: Sequence[str] | None = None,
    threshold: float = 0.5,
) -> list[ClassErrorRow]:
    """Mean, median and IQR of relative error per band and element class.

    A pixel belongs to element ``e`` when ``fractions[e] >= threshold`` (the element is
    *dominant*; with fractions summing to 1 and the default 0.5, at most one element per
    pixel except exact ties; use 0.9 for METHOD.md's pure pixels). Only finite errors count;
    an element with no dominant pixel gets n_pixels = 0 and NaN statistics.
    """
    err = np.asarray(relative_error, dtype=float)
    if err.ndim == 2:
        err = err[None]
    frac = np.asarray(fractions, dtype=float)
    if frac.ndim == 2:
        frac = frac[None]
    if err.ndim != 3 or frac.ndim != 3:
        raise ValueError("relative_error and fractions must be (bands|elements, y, x) arrays")
    if frac.shape[1:] != err.shape[1:]:
        raise ValueError(
            f"Fractions grid {frac.shape[1:]} differs from the error maps' {err.shape[1:]}"
        )
    if len(element_names) != frac.shape[0]:
        raise ValueError(f"{len(element_names)} element names for {frac.shape[0]} fraction layers")
    if band_names is None:
        band_names = [f"band {i + 1}" for i in range(err.shape[0])]
    if len(band_names) != err.shape[0]:
        raise ValueError(f"{len(band_names)} band names for {err.shape[0]} error bands")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"Dominance threshold must be in (0, 1], got {threshold}")
    rows = []
    for b, band in enumerate(band_names):
        for e, element in enumerate(element_names):
            values = err[b][(frac[e] >= threshold) & np.isfinite(err[b])]
            if values.size:
                q25, q50, q75 = np.percentile(values, [25, 50, 75])
                rows.append(
                    ClassErrorRow(
                        str(band),
                        str(element),
                        int(values.size),
                        float(values.mean()),
                        float(q50),
                        float(q75 - q25),
                    )
                )
            else:
                rows.append(ClassErrorRow(str(band), str(element), 0, np.nan, np.nan, np.nan))
    return rows
