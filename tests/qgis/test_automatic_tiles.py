"""TILE_SIZE 0 on unmix3d:simulate (issue 14): the whole grid at once while the trace's
estimated peak fits MAX_MEMORY, tiles sized to fit when it does not, both said in the log."""

import numpy as np
from log_feedback import LogFeedback
from qgis.core import QgsProcessingContext
from test_simulate_unmix import BANDS, EXTENT, GEOMETRY, scene_files  # noqa: F401 - fixture

from unmix3d.core.raster_io import read_raster

SAMPLES = 16


def simulate(unmix3d_provider, scene_files, out, **extra):  # noqa: F811 - the fixture
    feedback = LogFeedback()
    outputs, ok = unmix3d_provider.algorithm("simulate").run({
        "MOCKUP": str(scene_files / "scene.obj"), "ELEMENTS": str(scene_files / "elements.csv"),
        "EXTENT": EXTENT, "PIXEL_SIZE": 2.0, "CRS": "EPSG:32631", "BANDS": ",".join(BANDS),
        **GEOMETRY, "SAMPLES": SAMPLES, "SEED": 5, "OUTPUT": str(out / "image.tif"),
        "FRACTIONS": str(out / "fractions.tif"), **extra}, QgsProcessingContext(), feedback)
    assert ok, feedback.lines
    return outputs, feedback.lines


def test_tiles_are_chosen_only_above_the_memory_limit(unmix3d_provider, scene_files,  # noqa: F811
                                                      tmp_path):
    """100 x 100 pixels need about 15 MB untiled: untiled at the default limit (half the
    machine's memory); at MAX_MEMORY 12 MB in tiles (one at a time with the synchronous
    scheduler), whose element fractions agree with the untiled ones within their binomial
    noise."""
    whole, log = simulate(unmix3d_provider, scene_files, tmp_path)
    assert any(line.startswith("TILE_SIZE 0 (automatic): the trace runs untiled")
               for line in log), log
    assert not any("tiles of" in line for line in log)
    tiled, log = simulate(unmix3d_provider, scene_files, tmp_path / "tiled", MAX_MEMORY=12.0,
                          SCHEDULER="synchronous")
    chosen = [line for line in log if line.startswith("TILE_SIZE 0 (automatic)")]
    assert len(chosen) == 1 and "traced in tiles of" in chosen[0], log
    side = int(chosen[0].split("tiles of ")[1].split()[0])
    assert side >= 32 and side % 16 == 0
    assert any(line.startswith("Traced") and "tiles of up to" in line for line in log), log
    fractions = [read_raster(o["FRACTIONS"]).data.mean(axis=(1, 2)) for o in (whole, tiled)]
    pixels = 100 * 100
    noise = np.sqrt(fractions[0] * (1 - fractions[0]) / (SAMPLES * pixels))
    assert (np.abs(fractions[1] - fractions[0]) <= 3 * noise + 1e-12).all()
