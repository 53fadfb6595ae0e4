"""Water: flat polygons a few centimetres (``water_offset``) above the highest ground point
under them; groups ``water_<i>`` or ``water_all``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import clean_polygons, triangulate_polygons, within_extent
from .ground import Ground
from .inputs import BuildOptions, PolygonInput
from .table import group_pattern


@dataclass
class PreparedWater:
    parts: np.ndarray  # shapely polygons within the extent
    owner: np.ndarray  # input feature index per part
    counts: dict


def prepare_water(water: PolygonInput, options: BuildOptions, notes: list[str]) -> PreparedWater:
    parts, owner, counts = clean_polygons(water.geometries, water.name)
    parts, owner = within_extent(parts, owner, options.extent, f"WATER {water.name}", counts,
                                 notes)
    for key, text in (("repaired", "invalid polygons repaired with make_valid"),
                      ("skipped_empty_or_invalid", "empty or unusable polygons skipped")):
        if counts.get(key):
            notes.append(f"WATER {water.name}: {counts[key]} {text}")
    return PreparedWater(parts, owner, counts)


def write_water(stream, parts, owner, ground: Ground, options, elements, per_object) -> dict:
    import shapely

    tris2, part_index = triangulate_polygons(parts)
    feature = owner[part_index]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    level = np.full(int(owner.max()) + 1, -np.inf)
    np.maximum.at(level, owner[index], ground.height_at(coords[:, 0], coords[:, 1]))
    z = level[feature] + options.water_offset
    tris = np.concatenate([tris2, np.repeat(z[:, None, None], 3, 1)], axis=2)
    name = options.water_element
    unique, inverse = np.unique(feature if per_object else np.zeros_like(feature),
                                return_inverse=True)
    groups = [f"{name}_{int(k) + 1}" if per_object else f"{name}_all" for k in unique]
    elements.add(name, "opaque", group_pattern(name, "", per_object))
    stream.add_soup(tris, groups, inverse, [name] * len(groups))
    return {"polygons": int(len(np.unique(owner))),
            "area_m2": round(float(shapely.area(parts).sum()), 4)}
