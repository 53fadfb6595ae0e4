"""Co-registration of a simulated image and a satellite image.

Sign convention (used by every function here):

    shift = (dy, dx) in pixels (rows down, columns right) to apply to the MOVING image B so
    that it matches the REFERENCE image A, in ``scipy.ndimage.shift``'s sense:
    ``B_registered[r, c] = B[r - dy, c - dx]`` (B's content moves by +dy rows, +dx columns).

US-DART keeps the satellite image untouched and moves the mock-up instead (resampling the
image would mix pixels). So call ``estimate_shift(reference=satellite, moving=simulated)``
and move the mock-up by ``mockup_offset(shift, geotransform)`` map units: the simulated image
rendered from the moved mock-up then matches the satellite image.

Method: phase correlation (skimage ``phase_cross_correlation``, upsampled DFT, default
1/50 px) on mean-removed images weighted by a Tukey window and a smooth taper around NoData
(so non-periodic edges and holes do not produce a false peak at zero shift), keeping only
frequencies where both spectra carry signal (``|FA||FB| >= 1e-3 max``; whitening empty
frequencies would let noise vote). Because weights that do not move bias the estimate
towards zero, it is refined iteratively: B is shifted by the current estimate (NoData
following it) and the residual shift added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: Smallest standard deviation (image units; reflectance: 5e-4 = 5 Sentinel-2 L2A digital
#: numbers) an image needs to be registered.
MIN_STD = 5e-4
#: Smallest peak-to-sidelobe ratio of the phase-correlation surface for a reliable estimate.
#: Unrelated images give about 3-5 (the maximum of the surface's noise); textured, matching
#: images give tens to hundreds.
MIN_PSR = 10.0
#: Smallest fraction of pixels valid in both images.
MIN_VALID_FRACTION = 0.25


@dataclass(frozen=True)
class ShiftEstimate:
    """A global shift estimate and how far to trust it.

    ``shift_px``: (dy, dx) to apply to the moving image (module docstring); NaN when the
    images are too uniform to try. ``psr``: peak-to-sidelobe ratio of the phase-correlation
    surface ((peak - mean) / std of the surface away from the peak). ``peak_ratio``: peak over
    the highest sidelobe. ``texture``: the smaller standard deviation of the two images
    (image units). ``reliable`` is False with a human-readable ``reason`` otherwise.
    """

    shift_px: tuple[float, float]
    psr: float
    peak_ratio: float
    texture: float
    valid_fraction: float
    reliable: bool
    reason: str = ""

    def raise_if_unreliable(self) -> ShiftEstimate:
        """Raise ValueError with the reason when the estimate is not reliable."""
        if not self.reliable:
            raise ValueError(f"Cannot co-register the images: {self.reason}")
        return self


def _prepare(
    reference: np.ndarray,
    moving: np.ndarray,
    nodata_mask: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked float copies with NaN at NoData, and the map of pixels valid in both."""
    ref = np.array(reference, dtype=float)
    mov = np.array(moving, dtype=float)
    for name, arr in (("reference", ref), ("moving", mov)):
        if arr.ndim != 2:
            raise ValueError(
                f"The {name} image must be one band (y, x); got shape {arr.shape} "
                "(pick one band, e.g. the red or NIR band)"
            )
    if ref.shape != mov.shape:
        raise ValueError(f"Reference {ref.shape} and moving {mov.shape} images must share one grid")
    if min(ref.shape) < 8:
        raise ValueError(f"Images of {ref.shape} pixels are too small to register")
    valid = np.isfinite(ref) & np.isfinite(mov)
    if nodata_mask is not None:
        mask = np.asarray(nodata_mask, dtype=bool)
        if mask.shape != ref.shape:
            raise ValueError(f"NoData mask {mask.shape} does not match images {ref.shape}")
        valid &= ~mask
    if not valid.any():
        raise ValueError("No pixel is valid in both images (all NoData)")
    ref[~valid] = np.nan
    mov[~valid] = np.nan
    return ref, mov, valid


def _spectra(ref: np.ndarray, mov: np.ndarray, rel_floor: float = 1e-3):
    """Weighted, mean-removed spectra of two images with NaN at NoData.

    Weight = Tukey window x a smooth taper of the pixels valid in both, so image edges and
    NoData holes neither create false structure nor vote. Frequencies where the product
    of the amplitude spectra is below ``rel_floor`` times its maximum are dropped.
    """
    from skimage.filters import window

    valid = np.isfinite(ref) & np.isfinite(mov)
    taper = ndimage.gaussian_filter(valid.astype(float), 2.0, mode="constant") * valid
    weight = window(("tukey", 0.5), ref.shape) * taper
    total = weight.sum()
    out = []
    for image in (ref, mov):
        filled = np.where(valid, image, 0.0)
        mean = (filled * weight).sum() / total
        out.append(np.fft.fft2((filled - mean) * weight))
    fa, fb = out
    power = np.abs(fa) * np.abs(fb)
    keep = power >= rel_floor * power.max()
    return fa * keep, fb * keep, power, keep


def _surface_quality(fa, fb, power, keep) -> tuple[float, float]:
    """Peak-to-sidelobe ratio and peak/second-peak of the whitened correlation surface."""
    product = np.where(keep, fa * np.conj(fb) / np.maximum(power, np.finfo(float).tiny), 0)
    surface = np.fft.ifft2(product).real
    # 3x3 box sum: a sub-pixel peak spreads over neighbouring pixels.
    box = ndimage.uniform_filter(surface, 3, mode="wrap") * 9.0
    peak_at = np.unravel_index(np.argmax(box), box.shape)
    rows, cols = np.indices(box.shape)
    dy = np.abs(rows - peak_at[0])
    dx = np.abs(cols - peak_at[1])
    dy = np.minimum(dy, box.shape[0] - dy)
    dx = np.minimum(dx, box.shape[1] - dx)
    side = box[(dy > 5) | (dx > 5)]
    peak = box[peak_at]
    spread = side.std()
    psr = float((peak - side.mean()) / spread) if spread > 0 else 0.0
    top = side.max()
    ratio = float(peak / top) if top > 0 else float("inf")
    return psr, ratio


def estimate_shift(
    reference: np.ndarray,
    moving: np.ndarray,
    nodata_mask: np.ndarray | None = None,
    upsample_factor: int = 50,
    iterations: int = 10,
    min_std: float = MIN_STD,
    min_psr: float = MIN_PSR,
) -> ShiftEstimate:
    """Global sub-pixel shift (dy, dx) px to apply to ``moving`` to match ``reference``.

    Both are (y, x) arrays on one grid (one band each: the band with most texture, often
    NIR or red). NoData (mask True, or NaN) gets zero weight. Never raises for uniform
    images: it returns ``reliable=False`` and a reason (call ``raise_if_unreliable()`` to
    turn that into a ValueError). Raises ValueError for bad input (shapes, all NoData).
    """
    from skimage.registration import phase_cross_correlation

    if upsample_factor < 20:
        raise ValueError(f"upsample_factor must be >= 20 (1/20 px), got {upsample_factor}")
    ref, mov, valid = _prepare(reference, moving, nodata_mask)
    valid_fraction = float(valid.mean())
    std_ref, std_mov = float(ref[valid].std()), float(mov[valid].std())
    texture = min(std_ref, std_mov)
    if texture < min_std:
        which = "reference" if std_ref <= std_mov else "moving"
        return ShiftEstimate(
            (float("nan"), float("nan")),
            0.0,
            0.0,
            texture,
            valid_fraction,
            False,
            f"the {which} image is too uniform to register (standard deviation "
            f"{texture:.3g} < {min_std:g})",
        )
    fa, fb, power, keep = _spectra(ref, mov)
    psr, ratio = _surface_quality(fa, fb, power, keep)
    shift = np.zeros(2)
    current = mov
    for _ in range(max(1, iterations)):
        # The weights do not move with the image, which biases each estimate towards zero
        # in proportion to the shift left; re-estimating after shifting removes that bias.
        fa_i, fb_i, _, _ = _spectra(ref, current)
        step = phase_cross_correlation(
            fa_i, fb_i, space="fourier", upsample_factor=upsample_factor
        )[0]
        shift = shift + step
        if np.all(np.abs(step) < 0.5 / upsample_factor):
            break
        current = apply_shift(mov, shift)
        if not (np.isfinite(current) & valid).any():
            break
    reasons = []
    if psr < min_psr:
        reasons.append(
            f"no clear correlation peak (peak-to-sidelobe ratio {psr:.1f} < {min_psr:g}): "
            "the images are too uniform or do not show the same scene"
        )
    if valid_fraction < MIN_VALID_FRACTION:
        reasons.append(f"only {valid_fraction:.0%} of the pixels are valid in both images")
    return ShiftEstimate(
        (float(shift[0]), float(shift[1])),
        psr,
        ratio,
        texture,
        valid_fraction,
        not reasons,
        "; ".join(reasons),
    )


def mockup_offset(
    shift_px: tuple[float, float], geotransform: tuple[float, ...]
) -> tuple[float, float]:
    """Map offset (dx, dy) in map units (east, north for a north-up raster) to add to the
    mock-up's coordinates, from the shift (dy, dx) px of the simulated image.

    ``geotransform`` is GDAL's (x0, pixel_width, row_rotation, y0, col_rotation,
    pixel_height), pixel_height negative for north-up rasters. Valid when the shift was
    estimated with ``reference=satellite, moving=simulated``.
    """
    if len(geotransform) != 6:
        raise ValueError(f"A GDAL geotransform has 6 numbers, got {len(geotransform)}")
    dy_px, dx_px = (float(v) for v in shift_px)
    _, gx1, gx2, _, gy1, gy2 = (float(v) for v in geotransform)
    return (dx_px * gx1 + dy_px * gx2, dx_px * gy1 + dy_px * gy2)


def apply_shift(
    image: np.ndarray,
    shift_px: tuple[float, float],
    nodata_mask: np.ndarray | None = None,
    order: int = 3,
) -> np.ndarray:
    """Shift an image by (dy, dx) px (module convention), NoData-aware.

    ``image``: (y, x) or (bands, y, x); NoData = ``nodata_mask`` (y, x) True or NaN. NoData
    is filled with the band median before the spline interpolation (so it does not ring),
    and every output pixel whose linear-interpolation footprint touches NoData or comes from
    outside the image is NaN.
    """
    arr = np.asarray(image, dtype=float)
    single = arr.ndim == 2
    if single:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"Need a (y, x) or (bands, y, x) image, got shape {arr.shape}")
    shift = tuple(float(v) for v in shift_px)
    if len(shift) != 2 or not np.all(np.isfinite(shift)):
        raise ValueError(f"Shift must be two finite numbers (dy, dx), got {shift_px!r}")
    mask = np.zeros(arr.shape[1:], dtype=bool)
    if nodata_mask is not None:
        mask = np.asarray(nodata_mask, dtype=bool)
        if mask.shape != arr.shape[1:]:
            raise ValueError(f"NoData mask {mask.shape} does not match image {arr.shape}")
    out = np.empty_like(arr)
    for i, band in enumerate(arr):
        invalid = mask | ~np.isfinite(band)
        if invalid.all():
            raise ValueError(f"Band {i + 1} is all NoData; nothing to shift")
        filled = np.where(invalid, np.median(band[~invalid]), band)
        moved = ndimage.shift(filled, shift, order=order, mode="nearest")
        moved_invalid = ndimage.shift(
            invalid.astype(float), shift, order=1, mode="constant", cval=1.0
        )
        out[i] = np.where(moved_invalid > 1e-6, np.nan, moved)
    return out[0] if single else out


def dense_flow(
    reference: np.ndarray,
    moving: np.ndarray,
    nodata_mask: np.ndarray | None = None,
    method: str = "tvl1",
) -> np.ndarray:
    """Per-pixel shift field (2, y, x) px to apply to ``moving`` (module convention).

    For local misregistration (relief displacement, mock-up errors) after the global shift.
    Both images are standardised (zero mean, unit std on valid pixels) first, since a
    simulated and a satellite image differ in radiometry. ``method``: "tvl1" (TV-L1,
    robust) or "ilk" (iterative Lucas-Kanade, faster).
    """
    from skimage.registration import optical_flow_ilk, optical_flow_tvl1

    ref, mov, valid = _prepare(reference, moving, nodata_mask)
    std_r, std_m = ref[valid].std(), mov[valid].std()
    if min(std_r, std_m) <= 0:
        raise ValueError("An image is uniform: there is no local shift to measure")
    # NoData filled with the mean: standardised value 0, no artificial edges.
    ref = np.where(valid, (ref - ref[valid].mean()) / std_r, 0.0)
    mov = np.where(valid, (mov - mov[valid].mean()) / std_m, 0.0)
    if method == "tvl1":
        flow = optical_flow_tvl1(ref, mov)
    elif method == "ilk":
        flow = optical_flow_ilk(ref, mov)
    else:
        raise ValueError(f"Unknown optical-flow method {method!r}; use 'tvl1' or 'ilk'")
    # skimage's flow v satisfies reference(r) ~ moving(r + v): the shift to apply is -v.
    return -np.asarray(flow, dtype=float)
