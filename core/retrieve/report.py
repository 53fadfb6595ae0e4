"""Outputs of a retrieval: the CSV of retrieved values and the HTML report (loss curve,
retrieved versus prior spectra with uncertainties, correlations, residual maps)."""

from __future__ import annotations

import csv
import html
import io

import numpy as np

from .. import html_report as h
from .optimise import RetrievalResult
from .uncertainty import WEAK_WIDTH

COLUMNS = ("element", "zone", "mode", "quantity", "band", "value", "std", "low95", "high95",
           "prior", "status", "trades_with")


def result_csv(result: RetrievalResult) -> str:
    """One row per value: free spectra (r, t per band), leaf albedos r + t, PROSPECT
    parameters and the spectra they give, fixed spectra; ``std`` is the standard error,
    ``low95``/``high95`` the 95 % interval (empty where not estimable), ``status`` ok, at
    bound, weakly identified, constrained, unidentifiable, derived or fixed, and
    ``trades_with`` the quantities a weak one is correlated with."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in result.rows():
        writer.writerow([_text(row[c]) for c in COLUMNS])
    return buffer.getvalue()


def _text(value) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if not np.isfinite(value) else f"{value:.6g}"
    return str(value)


def _loss_figure(result: RetrievalResult) -> str:
    fig = h.figure(6, 3)
    ax = fig.subplots()
    history = np.asarray(result.history)
    ax.plot(np.arange(len(history)), history, marker=".")
    if (history > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title("Loss (mean squared image error, Monte Carlo variance removed)", fontsize=9)
    return h.img(h.png(fig), "loss history")


def _spectra_figures(result: RetrievalResult) -> str:
    parts = []
    x = np.arange(len(result.bands))
    for z, zone in enumerate(result.zone_names):
        names = result.variable_names
        fig = h.figure(11, 3.2 * ((len(names) + 2) // 3))
        axes = np.atleast_1d(fig.subplots((len(names) + 2) // 3, 3)).ravel()
        for v, name in enumerate(names):
            ax = axes[v]
            ax.plot(x, result.prior_variables[z, :, v], "--", color="grey", label="prior")
            ax.errorbar(x, result.variables[z, :, v], yerr=np.nan_to_num(
                2 * result.variables_std[z, :, v]), color="C0", capsize=2, label="retrieved "
                "(+- 2 s.e.)")
            ax.set_xticks(x)
            ax.set_xticklabels(result.bands, fontsize=7)
            ax.set_title(name, fontsize=9)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=7)
        parts.append(f"<h3>Zone {html.escape(zone)}</h3>" + h.img(h.png(fig), f"spectra {zone}"))
    return "".join(parts)


def _residual_maps(result: RetrievalResult, images, names) -> str:
    parts = []
    for image, simulated, name in zip(images, result.simulated, names, strict=True):
        residual = np.sqrt(np.nanmean((simulated - image) ** 2, axis=0))
        fig = h.figure(5, 4)
        ax = fig.subplots()
        shown = ax.imshow(h.stride(residual), cmap="magma")
        fig.colorbar(shown, ax=ax, label="RMS residual over bands")
        ax.set_title(str(name), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        parts.append(h.img(h.png(fig), f"residuals {name}"))
    return "".join(parts)


def result_html(result: RetrievalResult, images, image_names, settings: dict) -> str:
    """The whole report as one self-contained HTML page."""
    rows = [[k, v] for k, v in settings.items()]
    rows += [["iterations / evaluations", f"{result.iterations} / {result.evaluations}"],
             ["optimiser", result.message], ["final image RMSE", result.rmse],
             ["optimisation time (s)", round(result.seconds, 2)]]
    if result.middle_term is not None:
        rows.append(["standard errors", result.middle_term.describe()])
    warnings = "".join(f"<p class='note'><b>Warning:</b> {html.escape(w)}</p>"
                       for w in result.warnings)
    value_rows = [[r[c] for c in COLUMNS] for r in result.rows()]
    labels = [f"{p.element}/{p.zone}:{p.quantity}{':' + p.band if p.band else ''}"
              for p in result.parameters]
    correlation = _correlation_section(result.correlation, labels)
    body = (
        f"<h1>Unmix3D retrieval</h1>{h.table(['setting', 'value'], rows)}{warnings}"
        f"<h2>Loss</h2>{_loss_figure(result)}"
        f"<h2>Retrieved and prior spectra</h2>{_spectra_figures(result)}"
        f"<h2>Retrieved values</h2>"
        f"<p class='note'>std: sandwich standard error at the optimum (per-pixel scores of "
        f"the loss, Monte Carlo debiasing included; it holds the noise of the image and of "
        f"the trace alike). low95 / high95: {_interval_text(result)} An estimate on a "
        f"bound has a one-sided interval. <b>weakly identified</b>: 95 % interval wider "
        f"than {WEAK_WIDTH:g}; trades_with names what it is confused with.</p>"
        f"{h.table(COLUMNS, value_rows)}"
        f"<h2>Identifiability</h2>{_identifiability_section(result)}"
        f"<h2>Correlations between parameters</h2>{correlation}"
        f"<h2>Residual maps</h2>{_residual_maps(result, images, image_names)}"
    )
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Unmix3D retrieval"
            f"</title><style>{h.CSS}</style></head><body>{body}</body></html>")


def _correlation_section(correlation: np.ndarray, labels: list[str]) -> str:
    n = len(labels)
    if n == 0:
        return ""
    strong = []
    for i in range(n):
        for j in range(i + 1, n):
            c = correlation[i, j]
            if np.isfinite(c) and abs(c) >= 0.9:
                strong.append([labels[i], labels[j], c])
    text = ("<p class='note'>Pairs with |correlation| >= 0.9: the images barely separate "
            "them.</p>" + h.table(["parameter", "parameter", "correlation"], strong)
            if strong else "<p>No pair of parameters has |correlation| >= 0.9.</p>")
    side = min(12.0, 3 + 0.12 * n)
    fig = h.figure(side, side * 0.85)
    ax = fig.subplots()
    shown = ax.imshow(np.nan_to_num(correlation), cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(shown, ax=ax)
    if n <= 60:
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.set_xticklabels(labels, rotation=90, fontsize=5)
        ax.set_yticklabels(labels, fontsize=5)
    return text + h.img(h.png(fig), "correlation matrix")


def correlation_csv(result: RetrievalResult) -> str:
    labels = [f"{p.element}/{p.zone}:{p.quantity}{':' + p.band if p.band else ''}"
              for p in result.parameters]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["parameter", *labels])
    for label, row in zip(labels, result.correlation, strict=True):
        writer.writerow([label, *(_text(v) for v in row)])
    return buffer.getvalue()


def _interval_text(result: RetrievalResult) -> str:
    if result.intervals == "profile":
        return ("profile-likelihood 95 % interval (the other unknowns re-optimised at each "
                "value, the loss rise calibrated by the sandwich variance).")
    return "estimate +- 1.96 standard errors, clipped to the bounds."


def _identifiability_section(result: RetrievalResult) -> str:
    """Constraints used on r/t, the starts and the loss landscape of the worst pair."""
    rows = [[name, text or "none: the images alone"]
            for name, text in result.constraints.items()]
    parts = [h.table(["leaf element", "r/t constraint"], rows) if rows else ""]
    if result.starts:
        parts.append(h.table(["start", "final loss", "largest |difference| to the best"],
                             [[k + 1, loss, distance]
                              for k, (loss, distance) in enumerate(result.starts)]))
    weak = [r for r in result.quantities if r["status"] == "weakly identified"]
    if weak:
        parts.append("<p class='note'>Weakly identified: " + "; ".join(
            html.escape(f"{r['element']} {r['quantity']} {r['band']} "
                        f"[{r['low95']:.3g}, {r['high95']:.3g}]") for r in weak)
            + ". Constrain r/t (RT_CONSTRAINT), add a view or a date, or trace more "
            "samples.</p>")
    if result.landscape is not None:
        scape = result.landscape
        parts.append(f"<h3>Loss over the worst-identified pair</h3><p class='note'>"
                     f"{html.escape(scape['x_label'])} against "
                     f"{html.escape(scape['y_label'])} (correlation "
                     f"{scape['correlation']:+.2f}), the other unknowns at the optimum: one "
                     f"long valley is a trade-off the images cannot settle; several "
                     f"hollows are several basins.</p>" + _landscape_figure(scape))
    return "".join(parts)


def _landscape_figure(landscape: dict) -> str:
    fig = h.figure(5, 4)
    ax = fig.subplots()
    loss = np.ma.masked_invalid(landscape["loss"])
    shown = ax.contourf(landscape["x"], landscape["y"], loss, levels=15, cmap="viridis")
    fig.colorbar(shown, ax=ax, label="loss")
    ax.plot(*landscape["optimum"], "r+", markersize=12, label="optimum")
    ax.set_xlabel(landscape["x_label"], fontsize=8)
    ax.set_ylabel(landscape["y_label"], fontsize=8)
    ax.set_title(f"Loss over the worst-identified pair (correlation "
                 f"{landscape['correlation']:+.2f}; others at the optimum)", fontsize=8)
    ax.legend(fontsize=7)
    return h.img(h.png(fig), "loss landscape")
