"""unmix3d:unmix with UNMIX_BY_TILES: core.unmix.tiled.unmix_tiled behind the algorithm's
parameters, for cities. Nothing of the whole image is held: the image is checked strip by
strip and read block by block by the tasks, the mock-up may be a tiled folder read per tile,
and the OP maps are written tile by tile into the staged output folder."""

import os
import shutil
from types import SimpleNamespace

from qgis.core import QgsProcessing, QgsProcessingException, QgsProcessingOutputLayerDefinition

from .common import (
    INPUT_LEVELS,
    BelowGroup,
    FeedbackProgress,
    check_image_crs,
    check_scene_bands,
    geometry_angles,
    load_in_group,
    memory_limit,
    parse_skyl,
    reserve_outputs,
    surface_level,
    terrain_not_tiled_note,
    tile_mockup,
)
from .i18n import tr


def run_unmix_by_tiles(algorithm, parameters, context, feedback, staged, methods, boundaries):
    """Check the inputs, unmix tile by tile into the staged OUTPUT_FOLDER, style and load the
    maps; returns the algorithm's outputs."""
    from ..core.canceled import Canceled
    from ..core.image_blocks import check_reflectance, describe_image
    from ..core.simulate import Geometry, PixelGrid
    from ..core.unmix.tiled import unmix_tiled

    tile_size = algorithm.parameterAsInt(parameters, "TILE_SIZE", context)
    if tile_size <= 0:
        raise QgsProcessingException(tr(
            "UNMIX_BY_TILES needs a TILE_SIZE in pixels (for example 50): the automatic rule "
            "of TILE_SIZE 0 sizes tiles of the trace only"))
    wanted = ["TRUTH"] if algorithm.parameterAsFile(parameters, "TRUTH", context) else []
    if is_temporary(parameters, "REPORT"):  # the dialog's default: not asked for
        feedback.pushWarning(tr("UNMIX_BY_TILES writes no REPORT (it needs the whole "
                                "image at once): the temporary report is left out."))
    elif algorithm.parameterAsFileOutput(parameters, "REPORT", context):
        wanted.append("REPORT")
    if algorithm.parameterAsFileOutput(parameters, "ACCURACY", context):
        wanted.append("ACCURACY")
    if wanted:
        raise QgsProcessingException(tr(
            "UNMIX_BY_TILES: {0} need(s) the whole image at once; leave them empty (REPORT "
            "included) or unmix without UNMIX_BY_TILES").format(", ".join(wanted)))
    if INPUT_LEVELS[algorithm.parameterAsEnum(parameters, "INPUT_LEVEL", context)] == "TOA":
        raise QgsProcessingException(tr(
            "UNMIX_BY_TILES unmixes surface reflectance only; set INPUT_LEVEL to surface "
            "(correct the image first) or unmix without UNMIX_BY_TILES"))
    layer = algorithm.parameterAsRasterLayer(parameters, "IMAGE", context)
    if layer is None:
        raise QgsProcessingException(tr("IMAGE is not a raster layer QGIS can open."))
    label = f"IMAGE {layer.name()}"
    try:
        blocks, geotransform, crs_wkt = describe_image(
            layer.source(), algorithm.parameterAsDouble(parameters, "SCALE", context),
            algorithm.parameterAsDouble(parameters, "OFFSET", context))
        grid = PixelGrid.from_geotransform(geotransform, blocks.rows, blocks.cols)
    except ValueError as error:
        raise QgsProcessingException(f"{label}: {error}") from None
    check_image_crs(crs_wkt, label)
    bands = list(blocks.band_names)
    angles = geometry_angles(algorithm, parameters, context, feedback,
                             algorithm.parameterAsFile(parameters, "METADATA", context))
    try:
        geometry = Geometry(**angles)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    skyl = parse_skyl(algorithm, parameters, context, bands)
    _, _, skyl, _ = surface_level(algorithm, parameters, context, feedback, None, None, bands,
                                  geometry, grid, skyl)
    mockup, elements = tile_mockup(algorithm, parameters, context, feedback)
    check_scene_bands(SimpleNamespace(elements=elements), bands, label, table_ops=False)
    scan = FeedbackProgress(feedback, 0, 5)
    try:
        notes, valid_pixels = check_reflectance(blocks, label, scan, scan.is_canceled)
    except Canceled:
        raise QgsProcessingException(tr("Canceled: no OP map was written.")) from None
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    for note in notes:
        feedback.pushWarning(note)
    if valid_pixels == 0:
        raise QgsProcessingException(tr("{0} has no pixel valid in every band").format(label))
    settings = algorithm.unmix_settings(parameters, context, feedback)
    if settings.objects:
        feedback.pushWarning(tr("OBJECTS is not applied to tiled runs (TILE_SIZE > 0) "
                                "yet: every element keeps its window solution."))
        settings.objects = False
    if (algorithm.parameterAsString(parameters, "TERRAIN", context) or "").strip():
        feedback.pushInfo(terrain_not_tiled_note())
    folder = algorithm.parameterAsString(parameters, "OUTPUT_FOLDER", context)
    simulated = algorithm.parameterAsOutputLayer(parameters, "SIMULATED", context)
    targets = reserve_outputs(staged, {"SIMULATED": simulated})
    try:
        staged_folder = staged.reserve_folder(folder, "OUTPUT_FOLDER")
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    progress = FeedbackProgress(feedback, 5, 95)
    try:
        run = unmix_tiled(
            mockup, elements, grid, geometry, blocks, None, bands, skyl, staged_folder,
            settings, crs_wkt, tile_size=tile_size,
            samples=algorithm.parameterAsInt(parameters, "SAMPLES", context),
            seed=algorithm.parameterAsInt(parameters, "SEED", context),
            periodic=boundaries[algorithm.parameterAsEnum(parameters, "BOUNDARY", context)]
            == "periodic",
            max_memory=memory_limit(algorithm, parameters, context),
            scheduler=algorithm.parameterAsString(parameters, "SCHEDULER", context),
            progress=progress, is_canceled=progress.is_canceled, image_name=label)
    except Canceled:
        raise QgsProcessingException(tr("Canceled: no OP map was written.")) from None
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    feedback.pushInfo(tr("Unmixed {0} tiles of up to {1} pixels tile by tile (pixel halo {2}, "
                         "geometric halo {3:.1f} m) in {4:.1f} s").format(
                             run.tiles, tile_size * tile_size, run.pixel_halo, run.halo,
                             run.seconds))
    describe_maps(run.outputs, elements, bands)
    if simulated:
        shutil.move(run.outputs.pop("simulated"), targets["SIMULATED"])
    else:
        os.remove(run.outputs.pop("simulated"))
    method = methods[algorithm.parameterAsEnum(parameters, "METHOD", context)]
    group = tr("OP maps: {0} ({1})").format(layer.name(), method)
    outputs = {"OUTPUT_FOLDER": folder}
    if simulated:
        outputs["SIMULATED"] = simulated
        if context.willLoadLayerOnCompletion(simulated):
            context.layerToLoadOnCompletionDetails(simulated).setPostProcessor(
                BelowGroup(group))
    if algorithm.parameterAsBool(parameters, "LOAD_MAPS", context):
        for name in elements.names:
            load_in_group(context, os.path.join(folder, f"{name}.tif"), name, group)
    feedback.setProgress(100)
    return outputs


def is_temporary(parameters: dict, name: str) -> bool:
    """Whether output ``name`` was left at a temporary file (the dialog's default for an
    output created by default), not chosen by the user."""
    value = parameters.get(name)
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink.staticValue()
    return value == QgsProcessing.TEMPORARY_OUTPUT


def describe_maps(outputs: dict[str, str], elements, bands: list[str]) -> None:
    """Each map's metadata (what it holds) and a .qml style beside it, as untiled runs
    write them; the style's stretch comes from a reduced read (at most 512 x 512)."""
    import numpy as np
    from osgeo import gdal

    from ..core.html_report import write_atomic
    from ..core.layer_style import raster_qml
    from ..core.raster_io import NODATA

    for i, name in enumerate(elements.names):
        quantity = "albedo r + t" if elements.elements[i].translucent else "reflectance"
        for key, what in ((name, quantity), (f"{name}_std", f"standard error of the {quantity}")):
            dataset = gdal.Open(outputs[key], gdal.GA_Update)
            dataset.SetMetadata({"element": name, "quantity": what,
                                 "units": "1 (dimensionless)"})
            for b in range(dataset.RasterCount):
                dataset.GetRasterBand(b + 1).SetUnitType("1")
            step = max(1, -(-max(dataset.RasterXSize, dataset.RasterYSize) // 512))
            data = dataset.ReadAsArray(buf_xsize=max(1, dataset.RasterXSize // step),
                                       buf_ysize=max(1, dataset.RasterYSize // step))
            dataset = None
            data = np.asarray(data, np.float64).reshape(len(bands), *np.shape(data)[-2:])
            valid = np.isfinite(data) & (data != NODATA)
            write_atomic(raster_qml(bands, data, valid),
                         os.path.splitext(outputs[key])[0] + ".qml")
