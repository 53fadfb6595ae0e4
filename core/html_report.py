"""Building blocks of the plugin's self-contained HTML reports: matplotlib figures drawn on an
Agg canvas (no pyplot: the backend of a running QGIS is never touched) embedded as base64
PNG, tables, colour composites, and atomic writing."""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .staging import file_mode

CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
    "td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}"
    "th{background:#eee}img{max-width:100%}p.note{color:#555;font-size:90%}"
)
#: Largest side, in pixels, of a map drawn in a report (larger maps are strided).
MAX_MAP_SIDE = 800


def figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def png(fig) -> str:
    """The figure as base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def stride(array: np.ndarray) -> np.ndarray:
    step = int(np.ceil(max(array.shape[-2:]) / MAX_MAP_SIDE))
    return array[..., ::step, ::step] if step > 1 else array


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return "NaN" if not np.isfinite(value) else f"{value:.4g}"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def stretch(channels: Sequence[np.ndarray], valid: np.ndarray,
            percentiles: tuple[float, float] = (2.0, 98.0)) -> tuple[float, float]:
    """One linear stretch for several channels, so that colours compare between images."""
    values = np.concatenate([c[valid & np.isfinite(c)] for c in channels])
    if values.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(values, percentiles)
    return float(low), float(high if high > low else low + 1.0)


def composite(channels: Sequence[np.ndarray], valid: np.ndarray, low: float,
              high: float) -> np.ndarray:
    """(rows, cols, 3) RGB in [0, 1]; invalid pixels black."""
    rgb = np.stack([np.clip((c - low) / (high - low), 0, 1) for c in channels], axis=-1)
    return np.where((valid & np.all(np.isfinite(rgb), axis=-1))[..., None], rgb, 0.0)


def write_atomic(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` (UTF-8) through a temporary file in the same folder and ``os.replace``,
    so readers never see a half-written report."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, file_mode())  # mkstemp makes 0600; a report is meant to be shared
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return target
