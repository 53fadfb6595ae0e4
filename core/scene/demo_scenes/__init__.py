"""Built-in demo scenes: a classified OBJ mock-up, an element table and the ground truth.

The plugin needs scenes that build in seconds, without downloads, on which the whole chain
(simulate -> unmix -> compare with the truth) can be run and judged. Two are provided:

- ``vegetation_scene``: after the US-DART paper's schematic scene (METHOD.md, scene a):
  three maize plots at three growth stages (LAI, leaf angle distribution, height differ)
  and three bare-soil plots on flat soil. Elements: ``ground`` and ``vegetation``.
- ``urban_scene``: a rotated street grid with buildings (three roof materials, walls),
  streets, lawns, trees with leaf-triangle crowns on octagonal trunks, and a river.

One module per scene (``vegetation.py``, ``urban.py``) beside the shared helper
(``common.py``: the returned ``DemoScene``, the OBJ writer, polygon helpers). Geometry is
written in absolute UTM 31N coordinates (EPSG:32631, metres, z up) with millimetre
precision, as real mock-ups are; every triangle belongs to an OBJ group
(``g name``) matched by exactly one element-table row. Leaves are free equilateral
triangles (two-sided, translucent in the table); all other surfaces are opaque.
The ground covers the image extent plus a margin, so no ray escapes through a hole.
Spectra come from ``spectra.py`` (numbers carried from PROSPECT-D and the Berlin library).
"""

from .common import BANDS, EPSG_UTM31N, DemoScene, PlotInfo
from .urban import ROOF_KINDS, TREE_LAD_M2_M3, URBAN_LEAF_BUDGET, urban_scene
from .vegetation import MAIZE_STAGES, TURBID_BASE_M, vegetation_scene

__all__ = [
    "BANDS", "EPSG_UTM31N", "MAIZE_STAGES", "ROOF_KINDS", "TREE_LAD_M2_M3", "TURBID_BASE_M",
    "URBAN_LEAF_BUDGET", "DemoScene", "PlotInfo", "urban_scene", "vegetation_scene",
]
