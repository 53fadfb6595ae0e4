"""The build summary (counts, budget, per-element triangles and areas, notes) as JSON or as
a small HTML page."""

from __future__ import annotations

import json

import numpy as np


def json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def summary_html(summary: dict) -> str:
    """A small HTML page of the summary (tables of elements, counts and notes)."""
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(e)}</td><td>{escape(v['type'])}</td><td><code>{escape(v['match'])}"
        f"</code></td><td>{v['triangles']:,}</td><td>{v['area_m2']:,.1f}</td></tr>"
        for e, v in summary.get("elements", {}).items())
    notes = "".join(f"<li>{escape(n)}</li>" for n in summary.get("notes", []))
    leaf = summary.get("trees", {}).get("leaf_area_m2", {})
    leaf_rows = "".join(f"<tr><td>{escape(k)}</td><td>{v:,.1f}</td></tr>"
                        for k, v in leaf.items())
    body = json.dumps({k: v for k, v in summary.items() if k not in ("elements", "notes")},
                      indent=1, default=json_default)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Unmix3D mock-up</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
        "</style></head><body><h1>Mock-up summary</h1>"
        f"<p>{summary.get('triangles', 0):,} triangles in {summary.get('groups', 0):,} groups "
        f"(budget {summary.get('triangle_budget', 0):,}).</p>"
        "<h2>Elements</h2><table><tr><th>element</th><th>type</th><th>match</th>"
        f"<th>triangles</th><th>area (m²)</th></tr>{rows}</table>"
        + (f"<h2>Leaf area per tree class</h2><table><tr><th>element</th><th>leaf area (m²)"
           f"</th></tr>{leaf_rows}</table>" if leaf_rows else "")
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Details</h2><pre>{escape(body)}</pre></body></html>"
    )


def summary_text(summary: dict, path: str) -> str:
    """HTML for a ``.html``/``.htm`` path, indented JSON otherwise."""
    if str(path).lower().endswith((".html", ".htm")):
        return summary_html(summary)
    return json.dumps(summary, indent=1, default=json_default)
