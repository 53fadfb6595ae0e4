"""Image comparison (AMD, residuals, perceptual hashes), sensor band tables, co-registration.

Heavy dependencies (imagehash, scikit-image, matplotlib) are imported inside the functions
that need them, so importing this package stays cheap.
"""

from .coregister import ShiftEstimate, apply_shift, dense_flow, estimate_shift, mockup_offset
from .metrics import (
    BandMetrics,
    ClassErrorRow,
    band_pair_metrics,
    class_error_table,
    compare_images,
    duplicate_to_finer_grid,
    duplicate_to_shape,
    relative_error_maps,
)
from .report import comparison_report, write_atomic
from .sensors import (
    Band,
    BandPair,
    Sensor,
    generic_bands,
    get_sensor,
    load_sensors,
    map_layer_bands,
    pair_bands,
    parse_pairs,
    sensor_names,
)

__all__ = [
    "Band",
    "BandMetrics",
    "BandPair",
    "ClassErrorRow",
    "Sensor",
    "ShiftEstimate",
    "apply_shift",
    "band_pair_metrics",
    "class_error_table",
    "compare_images",
    "comparison_report",
    "dense_flow",
    "duplicate_to_finer_grid",
    "duplicate_to_shape",
    "estimate_shift",
    "generic_bands",
    "get_sensor",
    "load_sensors",
    "map_layer_bands",
    "mockup_offset",
    "pair_bands",
    "parse_pairs",
    "relative_error_maps",
    "sensor_names",
    "write_atomic",
]
