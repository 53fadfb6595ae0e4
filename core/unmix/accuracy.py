"""Accuracy in the layout of the US-DART paper: absolute relative errors of the image and of
the OPs, median and mean, per element, over every band and every pixel where the element's
OP map holds a value.

When the true OPs are known (demo scenes), the *image error floor* is the image error of the
true OPs evaluated on the same trace: the Monte Carlo noise of the trace and of the
pseudo-image, below which a retrieval goes only by fitting that noise (as DART calibration's
per-pixel fit does)."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass

import numpy as np

from .pipeline import relative_error


@dataclass
class AccuracyRow:
    case: str  # e.g. "vegetation scene, US-DART"
    element: str
    image_median: float  # per cent
    image_mean: float
    op_median: float
    op_mean: float
    pixels: int
    image_floor_median: float = float("nan")  # per cent: true OPs on the same trace


def accuracy_rows(case: str, element_names: list[str], image: np.ndarray,
                  simulated: np.ndarray, op: np.ndarray, op_valid: np.ndarray,
                  truth: np.ndarray | None,
                  truth_simulated: np.ndarray | None = None) -> list[AccuracyRow]:
    """``image``/``simulated`` (bands, rows, cols); ``op``/``truth`` (bands, elements, rows,
    cols); ``op_valid`` (elements, rows, cols); ``truth_simulated``: the image of the true
    OPs on the same trace (for the floor). Errors in per cent."""
    image_error = relative_error(simulated, image)
    floor_error = (None if truth_simulated is None
                   else relative_error(truth_simulated, image))
    rows = []
    for i, name in enumerate(element_names):
        mask = op_valid[i]
        values = image_error[:, mask]
        values = values[np.isfinite(values)]
        op_median = op_mean = float("nan")
        if truth is not None:
            errors = relative_error(op[:, i][:, mask], truth[:, i][:, mask])
            errors = errors[np.isfinite(errors)]
            if errors.size:
                op_median, op_mean = 100 * np.median(errors), 100 * np.mean(errors)
        floor = float("nan")
        if floor_error is not None:
            floor_values = floor_error[:, mask]
            floor_values = floor_values[np.isfinite(floor_values)]
            if floor_values.size:
                floor = 100 * float(np.median(floor_values))
        rows.append(AccuracyRow(
            case, name,
            100 * float(np.median(values)) if values.size else float("nan"),
            100 * float(np.mean(values)) if values.size else float("nan"),
            float(op_median), float(op_mean), int(mask.sum()), floor,
        ))
    return rows


def accuracy_table(rows: list[AccuracyRow],
                   published: dict | None = None) -> tuple[list[str], list[list[str]]]:
    """(header, rows of text) of the accuracy table. Columns no row has a value for (OP
    errors and the floor without TRUTH, the paper's figures for other scenes) are left out
    rather than printed as ``nan``; ``published`` maps (case, element) to the paper's
    (image median, OP median, OP mean) in per cent, shown beside ours."""
    columns = [("case", lambda r: r.case), ("element", lambda r: r.element),
               ("pixels", lambda r: str(r.pixels)),
               ("image error median %", lambda r: r.image_median),
               ("image error mean %", lambda r: r.image_mean),
               ("OP error median %", lambda r: r.op_median),
               ("OP error mean %", lambda r: r.op_mean),
               ("image error floor median %", lambda r: r.image_floor_median)]
    paper = {(r.case, r.element): (published or {}).get((r.case, r.element)) for r in rows}
    if any(paper.values()):
        for k, label in enumerate(("published image error median %",
                                   "published OP error median %", "published OP error mean %")):
            columns.append((label, lambda r, k=k: paper[(r.case, r.element)][k]
                            if paper[(r.case, r.element)] else float("nan")))

    def text(value) -> str:
        if isinstance(value, str):
            return value
        return f"{value:.3f}" if np.isfinite(value) else "-"

    kept = [(label, get) for label, get in columns
            if any(isinstance(get(r), str) or np.isfinite(get(r)) for r in rows)]
    return [label for label, _ in kept], [[text(get(r)) for _, get in kept] for r in rows]


def accuracy_markdown(rows: list[AccuracyRow], published: dict | None = None) -> str:
    """The accuracy table in Markdown (logs, the demo summary)."""
    header, cells = accuracy_table(rows, published)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ["case", "element", "pixels", "image_error_median_pct", "image_error_mean_pct",
               "op_error_median_pct", "op_error_mean_pct", "image_error_floor_median_pct"]


def accuracy_csv(rows: list[AccuracyRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.case, row.element, row.pixels, f"{row.image_median:.6g}",
                         f"{row.image_mean:.6g}", f"{row.op_median:.6g}", f"{row.op_mean:.6g}",
                         f"{row.image_floor_median:.6g}"])
    return buffer.getvalue()


def read_accuracy_csv(path, case: str | None = None) -> list[AccuracyRow]:
    """Rows of an accuracy CSV, optionally renamed to ``case``."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [AccuracyRow(case or r["case"], r["element"], float(r["image_error_median_pct"]),
                            float(r["image_error_mean_pct"]), float(r["op_error_median_pct"]),
                            float(r["op_error_mean_pct"]), int(r["pixels"]),
                            float(r.get("image_error_floor_median_pct") or "nan"))
                for r in csv.DictReader(handle)]


#: The US-DART paper's vegetation-scene figures (METHOD.md): (image error median, OP error
#: median, OP error mean), per cent.
PUBLISHED = {
    ("vegetation scene, US-DART", "ground"): (0.08, 0.60, 58.19),
    ("vegetation scene, US-DART", "vegetation"): (0.20, 3.28, 10.95),
    ("vegetation scene, US-DART + closure", "ground"): (0.08, 0.60, 58.19),
    ("vegetation scene, US-DART + closure", "vegetation"): (0.20, 3.28, 10.95),
    ("vegetation scene, DART calibration", "ground"): (0.37, 7.40, 126.32),
    ("vegetation scene, DART calibration", "vegetation"): (1.37, 41.24, 50.56),
}


def published_for_demo(truth_folder: str, case: str, method: str, closure: bool) -> dict:
    """The paper's figures keyed by our ``case``, when TRUTH is the vegetation demo's (its
    scene folder, written by demo_scene, holds ``vegetation.json``): the one scene the
    published figures are for. Empty otherwise."""
    if not truth_folder:
        return {}
    scene_folder = os.path.dirname(os.path.abspath(truth_folder))
    if not os.path.isfile(os.path.join(scene_folder, "vegetation.json")):
        return {}
    label = {"us-dart": "US-DART", "dart-calibration": "DART calibration"}.get(method, method)
    label = f"vegetation scene, {label}" + (" + closure" if closure else "")
    return {(case, element): figures for (paper_case, element), figures in PUBLISHED.items()
            if paper_case == label}


# ------------------------------------------------------------------------- errors per zone
#: patches smaller than this (pixels) are pooled into one row: a sliver element (walls)
#: would otherwise give hundreds of one-pixel zones
ZONE_MIN_PIXELS = 4


@dataclass
class ZoneErrorRow:
    """Absolute relative OP error (per cent) over one zone of one element's map, pooled over
    its pixels and bands, and the band whose 95th percentile is worst."""

    element: str
    zone: str
    pixels: int
    median: float
    p95: float
    max: float
    worst_band: str
    worst_band_p95: float


def truth_patches(op_valid: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Zones of one element without a plot layout: the 8-connected patches of the pixels where
    its map and its true OP (bands, rows, cols) have a value, split where the true OP
    changes. -> (labels (rows, cols), 0 outside every patch; one name per label, naming
    where the patch lies), largest patch first."""
    from scipy import ndimage

    known = op_valid & np.all(np.isfinite(truth), axis=0)
    labels = np.zeros(known.shape, dtype=np.int64)
    if not known.any():
        return labels, []
    _, value_id = np.unique(np.round(truth[:, known], 6).T, axis=0, return_inverse=True)
    values = np.full(known.shape, -1)
    values[known] = value_id.ravel()
    count = 0
    for value in range(int(value_id.max()) + 1):
        patches, n = ndimage.label(values == value, structure=np.ones((3, 3)))
        labels[patches > 0] = patches[patches > 0] + count
        count += n
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    order = np.argsort(-sizes, kind="stable")  # new label k + 1 for the k-th largest
    renumber = np.zeros(count + 1, dtype=np.int64)
    renumber[order + 1] = np.arange(1, count + 1)
    labels = renumber[labels]
    names = []
    for k, box in enumerate(ndimage.find_objects(labels), 1):
        rows, cols = box
        names.append(f"patch {k} (rows {rows.start}-{rows.stop - 1}, "
                     f"cols {cols.start}-{cols.stop - 1})")
    return labels, names


def zone_error_rows(op: np.ndarray, op_valid: np.ndarray, truth: np.ndarray,
                    element_names: list[str], bands: list[str],
                    zones: tuple[np.ndarray, list[str]] | None = None,
                    min_pixels: int = ZONE_MIN_PIXELS) -> list[ZoneErrorRow]:
    """Per element and zone the median, 95th percentile and maximum relative OP error, the
    errors a per-element median hides when one plot is wrong. ``op``/``truth`` (bands,
    elements, rows, cols); ``zones``: a plot layout shared by every element (labels (rows,
    cols), 0 outside every plot, and a name per label), else each element's
    ``truth_patches``. Zones under ``min_pixels`` pixels of the element are pooled."""
    errors = 100 * relative_error(op, truth)
    rows = []
    for i, name in enumerate(element_names):
        labels, names = zones if zones is not None else truth_patches(op_valid[i], truth[:, i])
        if zones is not None and (labels == 0).any():
            labels, names = np.where(labels > 0, labels, len(names) + 1), [*names, "outside"]
        labels = np.where(op_valid[i], labels, 0)
        small = np.zeros(labels.shape, bool)
        small_count = 0
        for k, zone in enumerate(names, 1):
            mask = labels == k
            if not mask.any():
                continue
            if mask.sum() < min_pixels:
                small |= mask
                small_count += 1
                continue
            rows.append(_zone_row(errors[:, i], mask, name, zone, bands))
        if small_count:
            rows.append(_zone_row(errors[:, i], small, name,
                                  f"{small_count} zone(s) under {min_pixels} pixels", bands))
    return [row for row in rows if row is not None]


def _zone_row(errors: np.ndarray, mask: np.ndarray, element: str, zone: str,
              bands: list[str]) -> ZoneErrorRow | None:
    values = errors[:, mask]  # (bands, pixels)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    with np.errstate(invalid="ignore"):
        p95 = [float(np.percentile(v[np.isfinite(v)], 95)) if np.isfinite(v).any()
               else -np.inf for v in values]
    worst = int(np.argmax(p95))
    return ZoneErrorRow(element, zone, int(mask.sum()), float(np.median(finite)),
                        float(np.percentile(finite, 95)), float(finite.max()), bands[worst],
                        p95[worst])


def demo_plot_zones(truth_folder: str, geotransform, shape) -> tuple[np.ndarray, list[str]] | None:
    """The plots of a demo scene as zones, when TRUTH is a demo's (its scene folder holds the
    scene's JSON with ``plots``): labels (rows, cols) of the plot under each pixel centre, 0
    outside every plot, and a name per plot such as ``maize_plot_1 (maize early,
    erectophile)``. None for any other TRUTH."""
    import json

    from matplotlib.path import Path

    if not truth_folder:
        return None
    scene_folder = os.path.dirname(os.path.abspath(truth_folder))
    for name in ("vegetation.json", "urban.json"):
        path = os.path.join(scene_folder, name)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                plots = json.load(handle).get("plots") or []
            break
    else:
        return None
    if not plots:
        return None
    x0, dx, _, y0, _, dy = geotransform
    rows, cols = shape
    xs = x0 + (np.arange(cols) + 0.5) * dx
    ys = y0 + (np.arange(rows) + 0.5) * dy
    centres = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    labels = np.zeros(rows * cols, dtype=np.int64)
    names = []
    for k, plot in enumerate(plots, 1):
        inside = Path(np.asarray(plot["polygon"], dtype=float)).contains_points(centres)
        labels[inside & (labels == 0)] = k
        kind = " ".join(p for p in (plot.get("kind", ""), plot.get("stage", "")) if p)
        lad = plot.get("lad") if plot.get("kind") != "bare" else ""
        detail = ", ".join(p for p in (kind, lad) if p)
        names.append(f"{plot['group']} ({detail})" if detail else str(plot["group"]))
    return labels.reshape(rows, cols), names
