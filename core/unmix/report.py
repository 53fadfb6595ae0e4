"""HTML report of an unmixing run: convergence per iteration (mean +- std and median +- IQR of
the relative image error per element and band, as in the US-DART paper's figures), the
final errors, and true-colour composites of the image, the simulation and every OP map."""

from __future__ import annotations

import html
import warnings

import numpy as np

from .. import html_report as report_html
from .accuracy import (
    PUBLISHED,
    ZONE_MIN_PIXELS,
    AccuracyRow,
    accuracy_table,
    zone_error_rows,
)
from .objects import BLOCK_PIXELS
from .pipeline import UnmixResult
from .uncertainty import noise_reached

RGB = ("B4", "B3", "B2")
FLOOR_PERCENT = 1e-4  # bottom of the convergence plots' log axis (errors are clipped there)


def _convergence(result: UnmixResult, element_names, bands) -> str:
    """Per element, one line per band of the median (left) and mean (right) relative image
    error at each stage; exact zeros are drawn as open markers on the log axis' floor."""
    from matplotlib import colormaps

    stages = [entry["stage"] for entry in result.history]
    colours = [colormaps["viridis"](k / max(1, len(bands) - 1)) for k in range(len(bands))]
    parts = []
    for i, name in enumerate(element_names):
        if not any(np.isfinite(e["image_error"]["median"][i]).any() for e in result.history):
            continue  # never mapped (no pixel at MIN_FRACTION): nothing to draw
        fig = report_html.figure(11, 3.6)
        axes = fig.subplots(1, 2)
        for ax, key, title in ((axes[0], "median", "median"), (axes[1], "mean", "mean")):
            x = np.arange(len(stages))
            for b, band in enumerate(bands):
                values = np.array([100 * e["image_error"][key][i, b] for e in result.history])
                zero = np.isfinite(values) & (values <= FLOOR_PERCENT)
                ax.plot(x, np.where(zero, FLOOR_PERCENT, values), "-o", ms=3, lw=1,
                        color=colours[b], label=band)
                if zero.any():
                    ax.plot(x[zero], np.full(zero.sum(), FLOOR_PERCENT), "o", ms=7,
                            mfc="none", color=colours[b])
            ax.set_xticks(range(len(stages)))
            ax.set_xticklabels(stages, rotation=45, ha="right", fontsize=7)
            ax.set_yscale("log")
            ax.set_ylim(bottom=FLOOR_PERCENT / 2)
            ax.set_ylabel("relative image error (%)")
            ax.set_title(f"{name}: {title} over its pixels", fontsize=10)
        axes[1].legend(fontsize=6, ncol=2 if len(bands) <= 6 else 3)
        parts.append(report_html.img(report_html.png(fig), f"convergence of {name}"))
    return "".join(parts)


def _stop_reason(result: UnmixResult, iterations) -> str:
    done = sum(1 for e in result.history if str(e["stage"]).startswith("iteration "))
    if not isinstance(iterations, int) or iterations <= 0:
        return "No gradient iteration was asked for (ITERATIONS 0)."
    if done < iterations:
        return (f"Stopped early, converged: after iteration {done} of {iterations} the median "
                "relative image error of every element and band was below the tolerance.")
    return (f"Iterations exhausted: all {iterations} ran without the median relative image "
            "error falling below the tolerance everywhere (more ITERATIONS may still help).")


def _op_errors(result: UnmixResult, truth, element_names, bands, zones=None) -> str:
    """With the true OPs: a map per element of the relative OP error (mean over the bands),
    per element and band its median, 95th percentile and maximum, and the same per zone
    (``zones``: the demo's plots, else each element's connected patches), the errors a
    median hides (a pinwheel over one plot, the window tiling)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        errors = 100 * np.abs(result.op - truth) / np.abs(truth)
    rows = []
    for i, name in enumerate(element_names):
        for b, band in enumerate(bands):
            values = errors[b, i][result.op_valid[i]]
            values = values[np.isfinite(values)]
            rows.append([name, band, int(values.size)] + (
                [float(np.median(values)), float(np.percentile(values, 95)),
                 float(values.max())] if values.size else ["-", "-", "-"]))
    table = report_html.table(["element", "band", "pixels", "OP error median %",
                               "OP error 95th percentile %", "OP error max %"], rows)
    fig = report_html.figure(3.4 * len(element_names), 3.4)
    axes = np.atleast_1d(fig.subplots(1, len(element_names)))
    for ax, (i, name) in zip(axes, enumerate(element_names), strict=True):
        with np.errstate(invalid="ignore"):
            shown_values = np.where(result.op_valid[i], np.nanmean(errors[:, i], axis=0), np.nan)
        finite = shown_values[np.isfinite(shown_values)]
        if finite.size == 0:
            ax.set_title(f"{name}: no value", fontsize=9)
        else:
            cmap = _nodata_grey("inferno")
            shown = ax.imshow(report_html.stride(shown_values), cmap=cmap, vmin=0,
                              vmax=max(float(np.percentile(finite, 98)), 1e-6))
            fig.colorbar(shown, ax=ax, fraction=0.046, label="relative OP error (%)")
            ax.set_title(f"{name}: |OP - true| / true", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    note = ("<p class='note'>Relative error of the retrieved OPs against TRUTH, averaged over "
            "the bands, per pixel; colour scale 0 to the 98th percentile, grey: NoData.</p>")
    return (note + table + report_html.img(report_html.png(fig), "OP error maps")
            + _zone_errors(result, truth, element_names, bands, zones))


def _zone_errors(result: UnmixResult, truth, element_names, bands, zones) -> str:
    """The OP errors per zone of each element: one wrong plot shows here even when the
    element's median over all its pixels hides it."""
    rows = zone_error_rows(result.op, result.op_valid, truth, element_names, bands, zones)
    table = report_html.table(
        ["element", "zone", "pixels", "OP error median %", "OP error 95th percentile %",
         "OP error max %", "worst band", "its 95th percentile %"],
        [[r.element, r.zone, r.pixels, r.median, r.p95, r.max, r.worst_band,
          r.worst_band_p95] for r in rows])
    where = ("the scene's plots (from the demo's scene file; 'outside': every other pixel)"
             if zones is not None else
             "the connected patches of each element's map (8-connected, split where the "
             "true OP changes; rows and columns give where each lies)")
    return (f"<h3>OP errors per zone</h3><p class='note'>Zones: {html.escape(where)}; "
            f"absolute relative errors pooled over the zone's pixels and every band, patches "
            f"under {ZONE_MIN_PIXELS} pixels pooled into one row.</p>" + table)


def _residual_map(image, simulated, valid) -> str:
    """The relative image residual |simulated - image| / image per pixel, mean over the
    bands: where the model misses the image (mock-up error, unsolved windows), no TRUTH
    needed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        residual = 100 * np.nanmean(np.abs(simulated - image) / np.abs(image), axis=0)
    residual = np.where(valid & np.isfinite(residual), residual, np.nan)
    finite = residual[np.isfinite(residual)]
    if finite.size == 0:
        return "<p class='note'>No valid pixel to map the image residual.</p>"
    fig = report_html.figure(5, 4)
    ax = fig.subplots()
    shown = ax.imshow(report_html.stride(residual), cmap=_nodata_grey("inferno"), vmin=0,
                      vmax=max(float(np.percentile(finite, 98)), 1e-6))
    fig.colorbar(shown, ax=ax, fraction=0.046, label="relative image residual (%)")
    ax.set_title("|simulated - image| / image, mean over the bands", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return ("<p class='note'>Image residual of the final simulation; colour scale 0 to the "
            "98th percentile, grey: NoData.</p>"
            + report_html.img(report_html.png(fig), "image residual map"))


def _nodata_grey(name: str):
    """A colour map drawing NaN (NoData) in light grey, distinct from every value."""
    from matplotlib import colormaps

    cmap = colormaps[name].copy()
    cmap.set_bad("#cccccc")
    return cmap


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
        shown_values = np.where(result.op_valid[i], relative[:, i], np.nan)
        band_mean = None
        if np.isfinite(shown_values).any():  # an element never mapped has no map
            with warnings.catch_warnings():  # pixels NaN in every band stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                band_mean = 100 * np.nanmean(shown_values, axis=0)
        if band_mean is None or not np.isfinite(band_mean).any():
            ax.set_title(f"{name}: no value", fontsize=9)
        else:
            shown = ax.imshow(report_html.stride(band_mean), cmap=_nodata_grey("magma"),
                              vmin=0, vmax=float(np.nanpercentile(band_mean, 98)))
            fig.colorbar(shown, ax=ax, fraction=0.046, label="relative std (%)")
            ax.set_title(f"{name}: standard error / OP", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    note = ("<p class='note'>Standard error of every OP map value (written beside each map as "
            "<code>&lt;element&gt;_std.tif</code>): the window's least-squares covariance "
            "(its residual holds the Monte Carlo noise of trace and image) plus the spread "
            "of the element's pure-pixel OPs for the share of the pixel it does not fill. "
            "An element solved per mock-up part takes its parts' variances; one solved once "
            "for the whole scene (never half of a pixel, such as walls seen from above) has "
            "one standard error, that of the scene-wide solve (the spread of its pixels' "
            "contributions over blocks a window wide). Grey: NoData.</p>")
    return note + table + report_html.img(report_html.png(fig), "OP standard errors")


def _noise_reached(result: UnmixResult, image, valid, bands, samples) -> str:
    """Per band, the Monte Carlo noise the trace reached and the image residual beside it."""
    if result.simulated_error is None:
        return ""
    rows = [[band, trace_share, residual] for band, (trace_share, residual)
            in zip(bands, noise_reached(result.simulated, result.simulated_error, image,
                                        valid), strict=True)]
    note = ("<p class='note'>Monte Carlo noise reached by the trace"
            + (f" at SAMPLES {html.escape(str(samples))}" if samples is not None else "")
            + ": the median relative standard error of the simulated image (from the "
            "trace's batches; four times the samples halve it), beside the median relative "
            "residual against the image, which also holds the image's own noise and what "
            "the model misses.</p>")
    return note + report_html.table(["band", "trace noise, median relative std %",
                                     "image residual, median %"], rows)


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
        ax.imshow(report_html.stride(_grey_nodata(channels, mask, low, high)))
        ax.set_title(f"{title}\nstretch {low:.3f} to {high:.3f}", fontsize=9)
    for ax, (i, name) in zip(axes[2:], enumerate(element_names), strict=True):
        channels = [op[k, i] for k in index]
        lo, hi = report_html.stretch(channels, op_valid[i])
        ax.imshow(report_html.stride(_grey_nodata(channels, op_valid[i], lo, hi)))
        ax.set_title(f"OP map: {name}\nstretch {lo:.3f} to {hi:.3f}", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    note = ("<p class='note'>True colour (B4, B3, B2), each panel stretched linearly between "
            "the values under its title (2nd and 98th percentiles of its pixels, the same "
            "for the image and the simulation so they compare); light grey: NoData.</p>")
    return note + report_html.img(report_html.png(fig), "true-colour composites")


def _grey_nodata(channels, valid, low, high) -> np.ndarray:
    """``report_html.composite`` with NoData light grey instead of black (dark pixels are
    data)."""
    rgb = report_html.composite(channels, valid, low, high)
    shown = valid & np.all([np.isfinite(c) for c in channels], axis=0)
    return np.where(shown[..., None], rgb, 0.8)


def unmix_report(result: UnmixResult, image: np.ndarray, valid: np.ndarray,
                 element_names: list[str], bands: list[str], settings: dict[str, object],
                 accuracy: list[AccuracyRow] | None = None, path: str | None = None,
                 truth: np.ndarray | None = None, published: dict | None = None,
                 zones: tuple[np.ndarray, list[str]] | None = None) -> str:
    """The report as HTML (written to ``path`` when given). ``accuracy``: rows of the
    accuracy table; ``truth`` (bands, elements, rows, cols): the true OPs, for error maps;
    ``published``: the paper's figures beside ours (default: ``accuracy.PUBLISHED``);
    ``zones``: the scene's plots for the per-zone OP errors (``accuracy.demo_plot_zones``),
    else each element's connected patches."""
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
        "<h2>Convergence</h2>",
        f"<p>{html.escape(_stop_reason(result, settings.get('iterations')))}</p>",
        _convergence(result, element_names, bands),
        "<h2>Final errors (absolute relative error)</h2>", report_html.table(header, rows),
        _residual_map(image, result.simulated, valid),
    ]
    if accuracy:
        header, cells = accuracy_table(accuracy, PUBLISHED if published is None else published)
        parts += ["<h2>Accuracy table</h2>", report_html.table(header, cells),
                  "<p class='note'>Absolute relative errors over every band and every pixel "
                  "of the element's map; the published columns are the US-DART paper's "
                  "figures for the same scene and method, when there are any.</p>"]
    if truth is not None:
        parts += ["<h2>OP errors against the truth</h2>",
                  _op_errors(result, truth, element_names, bands, zones)]
    parts += [
        "<h2>Uncertainty of the OP maps</h2>", _uncertainty(result, element_names, bands),
        _noise_reached(result, image, valid, bands, settings.get("samples per pixel")),
        *_objects_section(result, element_names),
        "<h2>Images and OP maps</h2>",
        _composites(image, result.simulated, result.op, result.op_valid, valid, element_names,
                    bands),
        "<h2>Pure pixels, unsolved windows, time</h2>", pure,
        "<p class='note'>Unsolved windows: window solves (one per pixel's window and band) "
        "refused at that stage as singular or ill-conditioned (determinant too small, "
        "condition number above MAX_CONDITION or spectral radius above "
        "MAX_SPECTRAL_RADIUS); those pixels take the median OP of the solved windows "
        "around them. PPS and the baseline's steps solve no window (0).</p>", stages,
        "<p class='note'>Time per stage; <b>sc</b> is the spectral-rule correction (the "
        "element table's rules, e.g. B8 &gt; B4, enforced window by window); <b>objects</b> "
        "the per-part solve (one OP per mock-up part, OBJECTS) and <b>part shares</b> the "
        "sensor rays that find which parts each pixel sees.</p>", timing,
        "</body></html>",
    ]
    text = "\n".join(parts)
    if path is not None:
        report_html.write_atomic(text, path)
    return text


def _objects_section(result, element_names) -> list[str]:
    """Which elements took one OP per mock-up part, over how many parts (parts.csv)."""
    if result.objects is None:
        return []
    solution, shares = result.objects, result.shares
    solved = np.isfinite(solution.part_op[0])
    rows = []
    for i, name in enumerate(element_names):
        if solution.solved[i]:
            mine = solved & (shares.part_element == i)
            share = np.nanmedian(solution.part_data_share[:, mine], axis=0)
            rows.append([name, int(mine.sum()), int((share >= 0.5).sum()),
                         "yes" if solution.pooled[i] else "no"])
    return ["<h2>One OP per mock-up part</h2>",
            "<p class='note'>Elements made of several parts of the mock-up (OBJ groups) took "
            "one OP per part, solved from every pixel that sees it; each map value is the "
            "mean of the parts' OPs over the element's visible area in the pixel. Parts "
            "fixed by their own data: those whose value is at least half their data's (the "
            "others stayed near the window solution). Parts alike: the spread of those parts "
            "is within their noise (chi-square per degree of freedom below 2), so they share "
            "one OP, their weighted mean. An element of one part (a ground, a river) was "
            f"split into blocks of {BLOCK_PIXELS} x {BLOCK_PIXELS} pixels, counted here as "
            "its parts: blocks alike give it one OP from all its pixels; blocks that differ "
            "leave it its window solution, and it is not listed. Every part is listed in "
            "parts.csv beside the maps.</p>",
            report_html.table(["element", "parts", "parts fixed by their own data",
                               "parts alike (one OP shared)"], rows)]
