"""unmix3d:degrade inside a graphical model (.model3), as modeler users chain it."""

import numpy as np
import pytest
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterRasterLayer,
)

from unmix3d.core.raster_io import read_raster, write_raster


def build_model() -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm("degrade twice", "unmix3d tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("image", "Image"),
                            QgsProcessingModelParameter("image"))
    first = QgsProcessingModelChildAlgorithm("unmix3d:degrade")
    first.setChildId("first")
    first.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter(
        "image")])
    first.addParameterSources("FACTOR", [QgsProcessingModelChildParameterSource.fromStaticValue(2)])
    model.addChildAlgorithm(first)
    second = QgsProcessingModelChildAlgorithm("unmix3d:degrade")
    second.setChildId("second")
    second.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromChildOutput(
        "first", "OUTPUT")])
    second.addParameterSources("FACTOR", [QgsProcessingModelChildParameterSource.fromStaticValue(
        3)])
    output = QgsProcessingModelOutput("coarse", "Coarse image")
    output.setChildOutputName("OUTPUT")
    second.setModelOutputs({"coarse": output})
    model.addChildAlgorithm(second)
    return model


def test_model_chaining_degrade_twice_saves_loads_and_runs(unmix3d_provider, tmp_path):
    data = np.random.default_rng(3).random((1, 12, 12))
    image = tmp_path / "image.tif"
    write_raster(image, data, None, (0, 1, 0, 12, 0, -1), "", ["B1"])

    model_file = tmp_path / "degrade_twice.model3"
    assert build_model().toFile(str(model_file))
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(model_file))
    out = tmp_path / "coarse.tif"
    ok, message = model.checkParameterValues({"image": str(image), "second:coarse": str(out)},
                                             QgsProcessingContext())
    assert ok, message
    context = QgsProcessingContext()
    results, ok = model.run({"image": str(image), "second:coarse": str(out)}, context,
                            QgsProcessingFeedback())
    assert ok
    raster = read_raster(out)
    assert raster.data.shape == (1, 2, 2)
    assert raster.data[0, 1, 0] == pytest.approx(data[0, 6:12, 0:6].mean(), rel=1e-6)
