import numpy as np
import pytest
from qgis.core import QgsProcessingException

from unmix3d.core.raster_io import read_raster, write_raster


def utm_wkt():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    return srs.ExportToWkt()


@pytest.fixture
def small_image(tmp_path):
    data = np.arange(2 * 4 * 6, dtype=float).reshape(2, 4, 6) / 100
    valid = np.ones_like(data, dtype=bool)
    valid[0, 0, 0] = False
    path = tmp_path / "in.tif"
    write_raster(path, data, valid, (500000, 10, 0, 4800000, 0, -10), utm_wkt(), ["B4", "B8"])
    return path, data, valid


def test_degrade_writes_block_means_with_nodata_and_georeferencing(run_algorithm, small_image,
                                                                   tmp_path):
    path, data, valid = small_image
    out = tmp_path / "out.tif"
    result = run_algorithm(
        "unmix3d:degrade", {"INPUT": str(path), "FACTOR": 2, "MIN_VALID": 0.75, "OUTPUT": str(out)}
    )
    assert result["OUTPUT"] == str(out)
    raster = read_raster(out)
    assert raster.band_names == ["B4", "B8"]
    assert raster.geotransform == (500000, 20, 0, 4800000, 0, -20)
    assert "32631" in raster.crs_wkt
    assert raster.valid[0, 0, 0]  # 3 of 4 valid >= 0.75
    assert raster.data[0, 0, 0] == pytest.approx(np.mean([data[0, 0, 1], data[0, 1, 0],
                                                          data[0, 1, 1]]), rel=1e-6)
    assert raster.data[1, 1, 2] == pytest.approx(data[1, 2:4, 4:6].mean(), rel=1e-6)


def test_degrade_min_valid_turns_block_to_nodata(run_algorithm, small_image, tmp_path):
    path, _, _ = small_image
    out = tmp_path / "out.tif"
    run_algorithm("unmix3d:degrade", {"INPUT": str(path), "FACTOR": 2, "MIN_VALID": 1.0,
                                      "OUTPUT": str(out)})
    raster = read_raster(out)
    assert not raster.valid[0, 0, 0] and raster.valid[1, 0, 0]


def test_raster_smaller_than_block_is_refused_and_leaves_nothing(run_algorithm, small_image,
                                                                 tmp_path):
    path, _, _ = small_image
    out = tmp_path / "out" / "big.tif"
    with pytest.raises(QgsProcessingException, match="smaller than one 5 x 5 block"):
        run_algorithm("unmix3d:degrade", {"INPUT": str(path), "FACTOR": 5, "OUTPUT": str(out)})
    assert not out.exists()
    assert not list(tmp_path.glob("out/*"))


def test_factor_zero_is_refused(run_algorithm, small_image, tmp_path):
    path, _, _ = small_image
    out = tmp_path / "zero.tif"
    with pytest.raises(QgsProcessingException, match="FACTOR"):
        run_algorithm("unmix3d:degrade", {"INPUT": str(path), "FACTOR": 0, "OUTPUT": str(out)})
    assert not out.exists()


def test_non_raster_input_is_refused(run_algorithm, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a raster")
    out = tmp_path / "x.tif"
    with pytest.raises(QgsProcessingException, match="INPUT"):
        run_algorithm("unmix3d:degrade", {"INPUT": str(text), "FACTOR": 2, "OUTPUT": str(out)})
    assert not out.exists()
