"""HTML report of an unmixing run: convergence per iteration (mean +- std and median +- IQR of
the relative image error per element and band, as in the US-DART paper's figures), the
final errors, and true-colour composites of the image, the simulation and every OP map."""

from __future__ import annotations

import html

import numpy as np

from .. import html_report as report_html
from .pipeline import UnmixResult

RGB = ("B4", "B3", "B2")
FLOOR_PERCENT = 1e-4  # bottom of the convergence plots' log axis (errors are clipped there)


def _bars(centre, low, high):
    """Error-bar lengths below and above ``centre``, clipped to the log axis' floor."""
    low = np.maximum(np.nan_to_num(low, nan=FLOOR_PERCENT), FLOOR_PERCENT)
    high = np.nan_to_num(high, nan=FLOOR_PERCENT)
    return [np.clip(centre - low, 0, None), np.clip(high - centre, 0, None)]


def _convergence(result: UnmixResult, element_names, bands) -> str:
    stages = [entry["stage"] for entry in result.history]
    parts = []
    for i, name in enumerate(element_names):
        fig = report_html.figure(11, 3.6)
        left, right = fig.subplots(1, 2)
        from matplotlib import colormaps

        colours = [colormaps["viridis"](k / max(1, len(bands) - 1)) for k in range(len(bands))]
        for b, band in enumerate(bands):
            stats = [entry["image_error"] for entry in result.history]
            mean = np.array([100 * s["mean"][i, b] for s in stats])
            std = np.array([100 * s["std"][i, b] for s in stats])
            median = np.array([100 * s["median"][i, b] for s in stats])
            q1 = np.array([100 * s["q1"][i, b] for s in stats])
            q3 = np.array([100 * s["q3"][i, b] for s in stats])
            x = np.arange(len(stages)) + (b - len(bands) / 2) * 0.02
            colour = colours[b]
            # log axis: errors of exactly zero sit on the floor, and so do the bars below it
            mean, median = np.maximum(mean, FLOOR_PERCENT), np.maximum(median, FLOOR_PERCENT)
            left.errorbar(x, mean, yerr=_bars(mean, mean - std, mean + std), label=band,
                          color=colour, capsize=2, lw=1)
            right.errorbar(x, median, yerr=_bars(median, q1, q3), label=band, color=colour,
                           capsize=2, lw=1)
        for ax, title in ((left, "mean +- std"), (right, "median +- IQR")):
            ax.set_xticks(range(len(stages)))
            ax.set_xticklabels(stages, rotation=45, ha="right", fontsize=7)
            ax.set_yscale("log")
            ax.set_ylim(bottom=FLOOR_PERCENT)
            ax.set_ylabel("relative image error (%)")
            ax.set_title(f"{name}: {title}", fontsize=10)
        right.legend(fontsize=6, ncol=2)
        parts.append(report_html.img(report_html.png(fig), f"convergence of {name}"))
    return "".join(parts)


def _uncertainty(result: UnmixResult, element_names, bands) -> str:
    """Median standard error per element and band (absolute and relative to the OP), and a
    map per element of the relative standard error averaged over the bands."""
    if result.op_std is None:
        return "<p class='note'>No standard errors were computed.</p>"
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = result.op_std / result.op
    rows = []
    for i, name in enumerate(element_names):
        mask = result.op_valid[i]
        for b, band in enumerate(bands):
            values = result.op_std[b, i][mask]
            values = values[np.isfinite(values)]
            shares = relative[b, i][mask]
            shares = shares[np.isfinite(shares)]
            rows.append([name, band, float(np.median(values)) if values.size else "-",
                         100 * float(np.median(shares)) if shares.size else "-"])
    table = report_html.table(["element", "band", "standard error, median",
                               "relative standard error, median %"], rows)
    fig = report_html.figure(3.2 * len(element_names), 3.4)
    axes = np.atleast_1d(fig.subplots(1, len(element_names)))
    for ax, (i, name) in zip(axes, enumerate(element_names), strict=True):
        with np.errstate(invalid="ignore"):
            band_mean = 100 * np.nanmean(np.where(result.op_valid[i], relative[:, i], np.nan),
                                         axis=0) if np.isfinite(relative[:, i]).any() else None
        if band_mean is None or not np.isfinite(band_mean).any():
            ax.set_title(f"{name}: no value", fontsize=9)
        else:
            shown = ax.imshow(report_html.stride(band_mean), cmap="magma",
                              vmin=0, vmax=float(np.nanpercentile(band_mean, 98)))
            fig.colorbar(shown, ax=ax, fraction=0.046, label="relative std (%)")
            ax.set_title(f"{name}: standard error / OP", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    note = ("<p class='note'>Standard error of every OP map value (written beside each map as "
            "<code>&lt;element&gt;_std.tif</code>): the window's least-squares covariance "
            "(its residual holds the Monte Carlo noise of trace and image) plus the spread "
            "of the element's pure-pixel OPs for the share of the pixel it does not fill. "
            "Grey: NoData.</p>")
    return note + table + report_html.img(report_html.png(fig), "OP standard errors")


def _composites(image, simulated, op, op_valid, valid, element_names, bands) -> str:
    if not all(band in bands for band in RGB):
        return "<p class='note'>No true-colour composites: the bands lack B4, B3 and B2.</p>"
    index = [bands.index(band) for band in RGB]
    panels = [("satellite image", [image[k] for k in index], valid),
              ("final simulation", [simulated[k] for k in index], valid)]
    low, high = report_html.stretch(panels[0][1], valid)
    fig = report_html.figure(4 * (2 + len(element_names)), 4)
    axes = fig.subplots(1, 2 + len(element_names))
    for ax, (title, channels, mask) in zip(axes[:2], panels, strict=True):
        ax.imshow(report_html.stride(report_html.composite(channels, mask, low, high)))
        ax.set_title(title, fontsize=9)
    for ax, (i, name) in zip(axes[2:], enumerate(element_names), strict=True):
        channels = [op[k, i] for k in index]
        lo, hi = report_html.stretch(channels, op_valid[i])
        ax.imshow(report_html.stride(report_html.composite(channels, op_valid[i], lo, hi)))
        ax.set_title(f"OP map: {name}", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return report_html.img(report_html.png(fig), "true-colour composites")


def unmix_report(result: UnmixResult, image: np.ndarray, valid: np.ndarray,
                 element_names: list[str], bands: list[str], settings: dict[str, object],
                 accuracy_markdown: str | None = None, path: str | None = None) -> str:
    final = result.history[-1]["image_error"]
    rows = []
    for i, name in enumerate(element_names):
        for b, band in enumerate(bands):
            row = [name, band, 100 * final["median"][i, b], 100 * final["mean"][i, b]]
            if "op_error" in result.history[-1]:
                op_stats = result.history[-1]["op_error"]
                row += [100 * op_stats["median"][i, b], 100 * op_stats["mean"][i, b]]
            rows.append(row)
    header = ["element", "band", "image error median %", "image error mean %"]
    if "op_error" in result.history[-1]:
        header += ["OP error median %", "OP error mean %"]
    pure = report_html.table(["element", "pure threshold used", "pure pixels"],
                   [[n, result.pure.threshold[i], int(result.pure.pure_count[i])]
                    for i, n in enumerate(element_names)])
    stages = report_html.table(["stage", "unsolved windows"],
                     [[e["stage"], e["unsolved"]] for e in result.history])
    timing = report_html.table(["stage", "seconds"], [[k, v] for k, v in result.seconds.items()])
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Unmix3D report</title>",
        f"<style>{report_html.CSS}</style></head><body>",
        "<h1>Unmix3D: optical-property retrieval</h1>",
        report_html.table(["setting", "value"], [[k, str(v)] for k, v in settings.items()]),
        "<h2>Convergence</h2>", _convergence(result, element_names, bands),
        "<h2>Final errors (absolute relative error)</h2>", report_html.table(header, rows),
    ]
    if accuracy_markdown:
        parts += ["<h2>Accuracy table</h2>", f"<pre>{html.escape(accuracy_markdown)}</pre>"]
    parts += [
        "<h2>Uncertainty of the OP maps</h2>", _uncertainty(result, element_names, bands),
        "<h2>Images and OP maps</h2>",
        _composites(image, result.simulated, result.op, result.op_valid, valid, element_names,
                    bands),
        "<h2>Pure pixels, unsolved windows, time</h2>", pure, stages, timing,
        "</body></html>",
    ]
    text = "\n".join(parts)
    if path is not None:
        report_html.write_atomic(text, path)
    return text
