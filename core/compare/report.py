"""Self-contained HTML report of a band-by-band image comparison.

Figures are drawn with matplotlib's Agg canvas on ``Figure`` objects (no pyplot, so the
backend of a running QGIS is never touched) and embedded as base64 PNG, so the report is a
single file that can be mailed or attached to an issue.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence

import numpy as np

from ..html_report import CSS as _CSS  # noqa: N811 - module-private alias
from ..html_report import figure as _figure
from ..html_report import img as _img
from ..html_report import png as _png
from ..html_report import stride as _stride
from ..html_report import table as _table
from ..html_report import write_atomic
from .metrics import HASH_NAMES, BandMetrics, ClassErrorRow, compare_images, pair_arrays

HASH_TITLES = {
    "average": "average",
    "perceptual": "perceptual",
    "difference": "difference",
    "wavelet_haar": "Haar wavelet",
    "wavelet_db4": "Daubechies-4 wavelet",
}
#: Reflectance above which values are left out of the distribution plots (specular
#: reflection, METHOD.md); they are counted and the counts stated in the report.
PLOT_MAX_REFLECTANCE = 1.0
#: Largest number of values per distribution drawn (a regular sample of larger sets).
MAX_PLOT_VALUES = 200_000
#: Percentiles of the true-colour stretch, shared by both images so colours compare.
RGB_PERCENTILES = (2.0, 98.0)


def _sample(values: np.ndarray) -> np.ndarray:
    step = int(np.ceil(values.size / MAX_PLOT_VALUES)) if values.size > MAX_PLOT_VALUES else 1
    return values[::step]


def _bar_chart(metrics: Sequence[BandMetrics]) -> str:
    labels = [m.label for m in metrics]
    x = np.arange(len(labels))
    fig = _figure(max(6.0, 1.2 * len(labels) + 2), 6.5)
    ax_hash, ax_amd = fig.subplots(2, 1, sharex=True)
    width = 0.8 / len(HASH_NAMES)
    for k, name in enumerate(HASH_NAMES):
        values = [m.hash_similarity[name] for m in metrics]
        ax_hash.bar(x + (k - 2) * width, values, width, label=HASH_TITLES[name])
    ax_hash.set_ylim(0, 1.05)
    ax_hash.set_ylabel("hash similarity (1 = same)")
    ax_hash.legend(fontsize=8, ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax_amd.bar(x, [m.amd for m in metrics], 0.5, color="0.4")
    ax_amd.set_ylabel("absolute mean difference")
    ax_amd.set_xticks(x)
    ax_amd.set_xticklabels(labels, rotation=30, ha="right")
    return _png(fig)


def _distributions(
    bands: Sequence[tuple[str, np.ndarray, np.ndarray]],
    name_a: str,
    name_b: str,
    kind: str,
) -> tuple[str, list[tuple[str, int, int]]]:
    data, positions, excluded = [], [], []
    for k, (label, va, vb) in enumerate(bands):
        excluded.append(
            (label, int((va > PLOT_MAX_REFLECTANCE).sum()), int((vb > PLOT_MAX_REFLECTANCE).sum()))
        )
        data += [_sample(va[va <= PLOT_MAX_REFLECTANCE]), _sample(vb[vb <= PLOT_MAX_REFLECTANCE])]
        positions += [3 * k + 0.6, 3 * k + 1.4]
    fig = _figure(max(6.0, 1.3 * len(bands) + 2), 4.0)
    ax = fig.subplots()
    # Empty sets (every value above 1) cannot be drawn; keep their place empty.
    drawable = [(d, p) for d, p in zip(data, positions, strict=True) if d.size]
    values = [d for d, _ in drawable]
    where = [p for _, p in drawable]
    use_violin = kind == "violin" and all(np.ptp(d) > 0 for d in values)
    if values and use_violin:
        parts = ax.violinplot(values, where, widths=0.7, showmedians=True)
        for i, body in enumerate(parts["bodies"]):
            body.set_facecolor("tab:blue" if (where[i] % 3) < 1 else "tab:orange")
    elif values:
        box = ax.boxplot(values, positions=where, widths=0.6, patch_artist=True, sym=".")
        for i, patch in enumerate(box["boxes"]):
            patch.set_facecolor("tab:blue" if (where[i] % 3) < 1 else "tab:orange")
    ax.set_xticks([3 * k + 1 for k in range(len(bands))])
    ax.set_xticklabels([b[0] for b in bands], rotation=30, ha="right")
    ax.set_xlim(-0.5, 3 * len(bands) - 0.5)
    ax.set_ylabel("reflectance")
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(color="tab:blue", label=name_a), Patch(color="tab:orange", label=name_b)],
        fontsize=8,
    )
    return _png(fig), excluded


def _residual_maps(residuals: Sequence[tuple[str, np.ndarray]]) -> str:
    ncol = min(3, len(residuals))
    nrow = int(np.ceil(len(residuals) / ncol))
    fig = _figure(4.2 * ncol, 3.6 * nrow)
    axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
    for ax, (label, res) in zip(axes, residuals, strict=False):
        shown = _stride(res)
        finite = np.abs(shown[np.isfinite(shown)])
        limit = float(np.percentile(finite, 98)) if finite.size else 1.0
        limit = limit if limit > 0 else 1e-6
        im = ax.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, shrink=0.8)
    for ax in axes[len(residuals) :]:
        ax.set_axis_off()
    return _png(fig)


def _rgb_indices(pairs: Sequence) -> list | None:
    """The pairs holding red, green and blue (by either band's name), or None."""
    found = {}
    for pair in pairs:
        for band in (pair.band_a, pair.band_b):
            colour = band.name.strip().lower()
            if colour in ("red", "green", "blue") and colour not in found:
                found[colour] = pair
                break
    if len(found) < 3:
        return None
    return [found["red"], found["green"], found["blue"]]


def _true_colour(
    image_a: np.ndarray,
    image_b: np.ndarray,
    rgb_pairs: Sequence,
    valid: np.ndarray,
    name_a: str,
    name_b: str,
) -> str:
    channels_a, channels_b = [], []
    for pair in rgb_pairs:
        a, b = pair_arrays(image_a, image_b, pair)
        ok = valid & np.isfinite(a) & np.isfinite(b)
        lo, hi = np.percentile(np.concatenate([a[ok], b[ok]]), RGB_PERCENTILES)
        scale = hi - lo if hi > lo else 1.0
        for band, out in ((a, channels_a), (b, channels_b)):
            out.append(np.where(ok, np.clip((band - lo) / scale, 0, 1), 0.0))
    fig = _figure(10, 5)
    axes = fig.subplots(1, 2)
    for ax, channels, name in ((axes[0], channels_a, name_a), (axes[1], channels_b, name_b)):
        ax.imshow(_stride(np.stack(channels)).transpose(1, 2, 0))
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return _png(fig)


def comparison_report(
    image_a: np.ndarray,
    image_b: np.ndarray,
    pairs: Sequence,
    metrics: Sequence[BandMetrics] | None = None,
    nodata_mask: np.ndarray | None = None,
    name_a: str = "Image A",
    name_b: str = "Image B",
    title: str = "Unmix3D image comparison",
    class_errors: Sequence[ClassErrorRow] | None = None,
    distribution: str = "box",
    notes: Sequence[str] = (),
    path: str | os.PathLike | None = None,
) -> str:
    """HTML report of two co-gridded (bands, y, x) images compared over ``pairs``.

    Contains: metrics table, hash-similarity/AMD bar chart, per-band distributions
    (``distribution`` "box" or "violin"; reflectance above 1 left out and counted),
    residual maps (B - A) and, when red, green and blue pairs exist, true-colour composites
    of both images with one shared percentile stretch. ``metrics`` are computed when not
    given; ``class_errors`` (from ``class_error_table``) adds the simulated-vs-satellite
    table. Returns the HTML; also writes it atomically to ``path`` when given.
    """
    if distribution not in ("box", "violin"):
        raise ValueError(f"distribution must be 'box' or 'violin', got {distribution!r}")
    if metrics is None:
        metrics = compare_images(image_a, image_b, pairs, nodata_mask)
    if len(metrics) != len(pairs):
        raise ValueError(f"{len(metrics)} metrics for {len(pairs)} band pairs")
    first_a, _ = pair_arrays(image_a, image_b, pairs[0])
    valid = np.ones(first_a.shape, dtype=bool)
    if nodata_mask is not None:
        valid = ~np.asarray(nodata_mask, dtype=bool)
        if valid.shape != first_a.shape:
            raise ValueError(f"NoData mask {valid.shape} does not match images {first_a.shape}")
    bands, residuals = [], []
    for pair in pairs:
        a, b = pair_arrays(image_a, image_b, pair)
        ok = valid & np.isfinite(a) & np.isfinite(b)
        bands.append((pair.label, a[ok], b[ok]))
        residuals.append((f"{pair.label}: {name_b} - {name_a}", np.where(ok, b - a, np.nan)))

    esc_a, esc_b = html.escape(name_a), html.escape(name_b)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>A = <b>{esc_a}</b>, B = <b>{esc_b}</b>. Residual = B - A. "
        "AMD = mean of |A - B| over pixels valid in both images. Hash similarity = "
        "1 - Hamming distance / hash bits of imagehash hashes of 8-bit versions of both bands "
        "scaled identically (0.5-99.5 percentiles of both bands' values).</p>",
    ]
    parts += [f"<p class='note'>{html.escape(n)}</p>" for n in notes]
    header = [
        "band pair",
        "valid px",
        "AMD",
        "mean residual",
        "median residual",
        f"median {name_a}",
        f"median {name_b}",
    ]
    header += [HASH_TITLES[h] for h in HASH_NAMES] + ["hash sum"]
    rows = [
        [m.label, m.n_valid, m.amd, m.mean_residual, m.median_residual, m.median_a, m.median_b]
        + [m.hash_similarity[h] for h in HASH_NAMES]
        + [m.hash_sum]
        for m in metrics
    ]
    parts += ["<h2>Metrics per band pair</h2>", _table(header, rows)]
    parts += [
        "<h2>Similarity and absolute mean difference</h2>",
        _img(_bar_chart(metrics), "hash similarities and AMD per band"),
    ]

    dist_png, excluded = _distributions(bands, name_a, name_b, distribution)
    parts += ["<h2>Reflectance distributions</h2>", _img(dist_png, "distributions per band")]
    total_out = sum(e[1] + e[2] for e in excluded)
    parts.append(
        f"<p class='note'>Values above {PLOT_MAX_REFLECTANCE:g} (specular reflection) are left "
        f"out of the plot: {total_out} in all. Sets larger than {MAX_PLOT_VALUES} values are "
        "drawn from a regular sample; the statistics in the table use every value.</p>"
    )
    parts.append(_table(["band pair", f"{name_a}: values > 1", f"{name_b}: values > 1"], excluded))

    parts += [
        "<h2>Residual maps (B - A)</h2>",
        _img(_residual_maps(residuals), "residual maps"),
        "<p class='note'>Colour scale symmetric, clipped at the 98th percentile of "
        "|residual|; NoData blank.</p>",
    ]

    rgb = _rgb_indices(pairs)
    parts.append("<h2>True-colour composites</h2>")
    if rgb is None:
        parts.append("<p>No red, green and blue band pairs: no true-colour composite.</p>")
    else:
        parts.append(
            _img(
                _true_colour(image_a, image_b, rgb, valid, name_a, name_b), "true-colour composites"
            )
        )
        parts.append(
            f"<p class='note'>Bands {', '.join(p.label for p in rgb)} as red, green, blue; "
            f"each channel stretched between the {RGB_PERCENTILES[0]:g}th and "
            f"{RGB_PERCENTILES[1]:g}th percentiles of both images' values together.</p>"
        )
    if class_errors:
        parts.append("<h2>Relative error per element (simulated vs satellite)</h2>")
        parts.append(
            _table(
                ["band", "element", "pixels", "mean %", "median %", "IQR %"],
                [
                    [r.band, r.element, r.n_pixels, 100 * r.mean, 100 * r.median, 100 * r.iqr]
                    for r in class_errors
                ],
            )
        )
    parts.append("</body></html>")
    text = "\n".join(parts)
    if path is not None:
        write_atomic(text, path)
    return text
