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
