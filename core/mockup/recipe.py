"""``build_mockup``: the recipe. Ground first (every other part stands on it), then
buildings, trees and water are prepared, the triangle count is checked against
``max_triangles`` before anything is written, and the parts are streamed into one OBJ (or
GLB) with the element table and the summary; all files are renamed into place together at
the end, so a failure or a cancel leaves nothing behind."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..scene.elements import write_element_table
from . import buildings as b
from . import trees as t
from .geometry import polygon_triangle_count
from .ground import Ground, build_ground, write_ground
from .inputs import (
    BuildError,
    BuildOptions,
    BuildResult,
    PolygonInput,
    ProgressFn,
    RasterInput,
    TreeInput,
    check_canceled,
    report_progress,
    validate_options,
)
from .summary import summary_text
from .table import Elements
from .water import PreparedWater, prepare_water, write_water
from .writers import GlbCollector, ObjStream, atomic_text


def build_mockup(
    output: str,
    elements_path: str,
    summary_path: str | None,
    options: BuildOptions,
    *,
    dem: RasterInput | None = None,
    dsm: RasterInput | None = None,
    landcover_raster: RasterInput | None = None,
    landcover_polygons: PolygonInput | None = None,
    buildings: PolygonInput | None = None,
    trees: TreeInput | None = None,
    water: PolygonInput | None = None,
    progress: ProgressFn | None = None,
    is_canceled: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the mock-up, write OBJ + element table (+ summary JSON or HTML) atomically."""
    started = time.perf_counter()
    say = log or (lambda text: None)
    validate_options(options)
    notes: list[str] = []
    report_progress(progress, 0.0, "ground")
    ground = build_ground(options, dem, landcover_raster, landcover_polygons, notes)
    check_canceled(is_canceled)
    report_progress(progress, 0.1, "buildings")
    houses = b.prepare_buildings(buildings, ground, options, dsm, notes) if buildings else None
    check_canceled(is_canceled)
    report_progress(progress, 0.2, "trees")
    crowns = t.prepare_trees(trees, ground, options, notes) if trees else None
    lakes = prepare_water(water, options, notes) if water is not None else None
    for note in notes:
        say(note)
    budget = _triangle_budget(ground, houses, crowns, lakes, options, say)

    n_objects = ((len(houses.top) if houses is not None else 0)
                 + (len(crowns.x) if crowns is not None else 0)
                 + (len(np.unique(lakes.owner)) if lakes is not None else 0))
    per_object = options.grouping == "object" or (
        options.grouping == "automatic" and n_objects <= options.group_limit)
    summary: dict = {"extent": list(options.extent), "ground_resolution_m": ground.res,
                     "ground_grid": list(ground.shape), "budget": budget,
                     "triangle_budget": int(sum(budget.values())), "grouping":
                         "object" if per_object else "element", "notes": notes}
    elements = Elements()
    glb = Path(output).suffix.lower() in (".glb", ".gltf")
    stream = GlbCollector(output) if glb else ObjStream(output, _header(options, per_object))
    temporaries: list[str] = []
    try:
        write_ground(stream, ground, elements)
        report_progress(progress, 0.3, "buildings")
        if houses is not None:
            b.write_buildings(stream, houses, options, elements, per_object, progress,
                              is_canceled)
            summary["buildings"] = b.building_summary(houses)
        report_progress(progress, 0.6, "trees")
        if crowns is not None:
            summary["trees"] = t.write_trees(stream, crowns, options, elements, per_object,
                                             progress, is_canceled)
        check_canceled(is_canceled)
        report_progress(progress, 0.9, "water")
        if lakes is not None:
            summary["water"] = write_water(stream, lakes.parts, lakes.owner, ground, options,
                                           elements, per_object)
            summary["water"]["counts"] = lakes.counts
        check_canceled(is_canceled)
        elements.check(sorted(stream.groups))
        stream.close()
        table_tmp = Path(atomic_text(elements_path, ""))
        temporaries.append(str(table_tmp))
        write_element_table(table_tmp, elements.rows(options), tuple(options.bands))
        summary.update({
            "triangles": stream.triangles, "groups": len(stream.groups),
            "elements": {e: {"type": elements.kind[e], "match": ";".join(elements.patterns[e]),
                             "triangles": stream.element_triangles.get(e, 0),
                             "area_m2": round(stream.element_area.get(e, 0.0), 4)}
                         for e in elements.kind},
            "seconds": round(time.perf_counter() - started, 3),
        })
        if summary_path:
            temporaries.append(atomic_text(summary_path, summary_text(summary, summary_path)))
        check_canceled(is_canceled)
        stream.commit()
        os.replace(temporaries[0], elements_path)
        if summary_path:
            os.replace(temporaries[1], summary_path)
    except BaseException:
        stream.discard()
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.remove(temporary)
        raise
    report_progress(progress, 1.0, None)
    return BuildResult(str(output), str(elements_path), str(summary_path or ""), summary)


def _triangle_budget(ground: Ground, houses: b.PreparedBuildings | None,
                     crowns: t.PreparedTrees | None, lakes: PreparedWater | None,
                     options: BuildOptions, say: Callable[[str], None]) -> dict[str, int]:
    """Triangles per part, refused above ``max_triangles`` before anything is written."""
    budget = {"ground": ground.triangle_count()}
    if houses is not None:
        budget["buildings"] = b.triangle_count(houses)
    if crowns is not None:
        budget["trees"] = t.triangle_count(crowns, options.tree_mode)
    if lakes is not None:
        budget["water"] = int(polygon_triangle_count(lakes.parts).sum())
    total = int(sum(budget.values()))
    parts = ", ".join(f"{k} {v:,}" for k, v in budget.items())
    say(f"Triangle budget: {total:,} ({parts})")
    if total > options.max_triangles:
        raise BuildError(
            f"the mock-up would have {total:,} triangles ({parts}), more than MAX_TRIANGLES = "
            f"{options.max_triangles:,}: raise MAX_TRIANGLES, use larger leaves (LEAF_SIZE), "
            f"TREE_MODE turbid, a coarser GROUND_RESOLUTION or a smaller extent. Nothing was "
            f"written.")
    return budget


def _header(options: BuildOptions, per_object: bool) -> list[str]:
    xmin, ymin, xmax, ymax = options.extent
    return [
        "Unmix3D mock-up built from GIS layers (unmix3d:build_mockup)",
        "target CRS (projected, metres, z up); absolute coordinates",
        f"extent {xmin:.3f} {ymin:.3f} {xmax:.3f} {ymax:.3f}",
        "one group per object" if per_object else "one group per element",
    ]
