"""A reflectance image checked strip by strip and read block by block (core.image_blocks),
against the checks and values of the image read whole (sentinel2.surface_reflectance)."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal

from unmix3d.core import image_blocks
from unmix3d.core.canceled import Canceled
from unmix3d.core.image_blocks import check_reflectance, describe_image, open_reflectance_blocks
from unmix3d.core.raster_io import read_raster, write_raster
from unmix3d.core.sentinel2 import surface_reflectance

TRANSFORM = (500000.0, 10.0, 0.0, 5600000.0, 0.0, -10.0)


def awkward_image(tmp_path, rows=70, cols=45):
    """Three bands with NoData, NaN, negative and saturated pixels in different places."""
    rng = np.random.default_rng(4)
    data = rng.uniform(0.02, 0.6, (3, rows, cols))
    valid = np.ones(data.shape, bool)
    valid[0, 5, :7] = False  # NoData in one band
    data[1, 40, 3] = np.nan
    data[2, 12:14, 30] = -0.02
    data[0, 66, 44] = 1.3
    path = write_raster(tmp_path / "image.tif", data, valid, TRANSFORM, "", ["B4", "B8", "B11"])
    return path


@pytest.mark.parametrize("strip_rows", [256, 16, 1])
def test_blocks_give_the_whole_image_checks_and_values(tmp_path, monkeypatch, strip_rows):
    monkeypatch.setattr(image_blocks, "STRIP_BYTES", strip_rows * 8 * 3 * 45)
    path = awkward_image(tmp_path)
    whole = read_raster(path)
    reflectance, per_pixel, notes = surface_reflectance(
        whole.data, whole.valid, whole.band_names, 0.5, -0.005, "IMAGE x")
    checked = open_reflectance_blocks(path, 0.5, -0.005, "IMAGE x")
    assert checked.notes == notes and len(notes) == 1  # the 1.3 x 0.5 pixel is in range
    assert checked.valid_pixels == int(per_pixel.sum())
    assert checked.geotransform == TRANSFORM and checked.blocks.band_names == ("B4", "B8",
                                                                                 "B11")
    unscaled = open_reflectance_blocks(path, name="IMAGE x")
    _, unscaled_valid, unscaled_notes = surface_reflectance(whole.data, whole.valid,
                                                            whole.band_names, name="IMAGE x")
    assert unscaled.notes == unscaled_notes and len(unscaled_notes) == 2
    for rows, cols in ((slice(0, 70), slice(0, 45)), (slice(3, 20), slice(28, 45)),
                       (slice(60, 70), slice(40, 45))):
        values, valid = checked.blocks.read(rows, cols)
        assert np.array_equal(valid, per_pixel[rows, cols])
        assert np.array_equal(values[:, valid], reflectance[:, rows, cols][:, valid])
        _, valid = unscaled.blocks.read(rows, cols)
        assert np.array_equal(valid, unscaled_valid[rows, cols])


def test_scaled_integers_are_refused_from_a_sample_as_from_the_whole(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    data = rng.uniform(0.02, 0.4, (2, 60, 60)) * 10000 + 1000
    path = write_raster(tmp_path / "scaled.tif", data, None, TRANSFORM, "", ["B4", "B8"])
    monkeypatch.setattr(image_blocks, "SAMPLE_VALUES", 500)  # every 8th value
    with pytest.raises(ValueError, match="IMAGE s band B4 has a median of .*SCALE=0.0001"):
        open_reflectance_blocks(path, name="IMAGE s")
    assert open_reflectance_blocks(path, 0.0001, -0.1).valid_pixels == 3600
    # integers: a dark image stored as integers is scaled even with a low median
    dark = np.ones((1, 20, 20))
    dark[0, 4, 4] = 5
    path = write_raster(tmp_path / "int.tif", dark, None, TRANSFORM, "", ["B4"],
                        dtype=gdal.GDT_UInt16)
    with pytest.raises(ValueError, match="integers"):
        open_reflectance_blocks(path)


def test_a_band_without_valid_pixels_is_named(tmp_path):
    data = np.full((2, 10, 10), 0.2)
    valid = np.ones(data.shape, bool)
    valid[1] = False
    path = write_raster(tmp_path / "empty.tif", data, valid, TRANSFORM, "", ["B4", "B8"])
    with pytest.raises(ValueError, match="IMAGE e band B8 holds no valid pixel"):
        open_reflectance_blocks(path, name="IMAGE e")


def test_the_sample_walks_across_columns_a_periodic_image_cannot_fool(tmp_path, monkeypatch):
    """Every 4th column dark, the others scaled-looking: the whole image's median is 1.6.
    A step of 4 on a 64-pixel width would sample the dark columns only (median 0.2)."""
    data = np.full((1, 64, 64), 1.6)
    data[0, :, ::4] = 0.2
    valid = np.ones(data.shape, bool)
    valid[0, 10:20, 1::4] = False  # NoData among the bright columns
    path = write_raster(tmp_path / "periodic.tif", data, valid, TRANSFORM, "", ["B4"])
    monkeypatch.setattr(image_blocks, "SAMPLE_VALUES", 1024)  # every 4th value would do
    assert image_blocks.sample_step(64, 64) == 5
    whole = read_raster(path)
    with pytest.raises(ValueError, match="median of 1.6") as from_whole:
        surface_reflectance(whole.data, whole.valid, whole.band_names, name="IMAGE p")
    with pytest.raises(ValueError, match="median of 1.6") as from_sample:
        open_reflectance_blocks(path, name="IMAGE p")
    assert str(from_sample.value) == str(from_whole.value)


def test_the_scan_reports_progress_and_stops_when_canceled(tmp_path, monkeypatch):
    monkeypatch.setattr(image_blocks, "STRIP_BYTES", 8 * 3 * 45 * 10)  # 7 strips of 10 rows
    blocks, geotransform, _ = describe_image(awkward_image(tmp_path))
    assert geotransform == TRANSFORM and (blocks.rows, blocks.cols) == (70, 45)
    seen = []
    check_reflectance(blocks, progress=seen.append)
    assert len(seen) == 7 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = []
    with pytest.raises(Canceled):
        check_reflectance(blocks, is_canceled=lambda: calls.append(1) or len(calls) > 2)
    assert len(calls) == 3
