"""Build a classified 3D mock-up from GIS ingredients: a DEM (or flat ground), land cover,
building footprints, tree points and water polygons, all already in one projected CRS
(metres, z up). No QGIS here: geometry arrives as shapely geometries / WKB and numpy arrays.

One module per part of the mock-up (OBJ groups are the mock-up's parts):

- ``ground.py``: a triangulated height field (DEM or flat) classified by the land cover;
- ``buildings.py``: footprints extruded to flat roofs (height field, floors, DSM median);
- ``trees.py``: ellipsoidal crowns of leaf triangles or turbid media, octagonal trunks;
- ``water.py``: flat polygons just above the ground;
- ``geometry.py``: polygon cleaning and triangulation (fans and ``mapbox_earcut``);
- ``writers.py``: the streamed OBJ and the GLB; ``table.py``: the element table template;
  ``summary.py``: the JSON / HTML summary; ``inputs.py``: inputs, options and errors;
- ``recipe.py``: ``build_mockup``, which puts them together.

Layering: this package builds mock-ups and element tables that ``scene`` (``mockup.py``
loads them, ``elements.py`` reads the table) and the simulation then use; it imports
``scene`` and ``raytrace`` (leaf angle distributions) and nothing above them, and nothing in
``scene`` imports it. A top-level package rather than ``core/scene/build/``: ``build/`` is
what ``.gitignore`` and packaging tools take for build output (the plugin zip is made from
``git ls-files``), and the builder is a stage of its own (GIS layers in, OBJ out).
"""

from ..canceled import Canceled
from .geometry import (
    clean_polygons,
    ear_clip,
    polygon_triangle_count,
    triangle_areas,
    triangulate_polygons,
)
from .inputs import (
    GROUPING,
    TREE_MODES,
    BuildError,
    BuildOptions,
    BuildResult,
    PolygonInput,
    RasterInput,
    TreeInput,
    element_name,
    parse_mapping,
)
from .recipe import build_mockup
from .summary import summary_html

__all__ = [
    "GROUPING", "TREE_MODES", "BuildError", "BuildOptions", "BuildResult", "Canceled",
    "PolygonInput", "RasterInput", "TreeInput", "build_mockup", "clean_polygons", "ear_clip",
    "element_name", "parse_mapping", "polygon_triangle_count", "summary_html",
    "triangle_areas", "triangulate_polygons",
]
