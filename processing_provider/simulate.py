"""unmix3d:simulate — the forward model: mock-up + element OPs + geometry -> reflectance image,
element fractions, standard error and gradients."""

import functools
import os

import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..core.raster_io import read_grid, write_raster
from .base import Unmix3DAlgorithm
from .common import (
    BOUNDARIES,
    FeedbackProgress,
    add_atmosphere_parameters,
    add_geometry_parameters,
    add_memory_parameter,
    add_sampling_parameters,
    add_scene_parameters,
    add_scheduler_parameter,
    add_terrain_parameter,
    automatic_tile_size,
    check_image_crs,
    check_scene_bands,
    checked_write,
    coupled_atmosphere_for,
    geometry_angles,
    load_scene,
    log_memory,
    log_paths,
    memory_limit,
    parse_bands,
    parse_skyl,
    reserve_outputs,
    run_staged,
    terrain_not_tiled_note,
    terrain_reference,
    tile_mockup,
)
from .i18n import tr


class SimulateAlgorithm(Unmix3DAlgorithm):
    NAME = "simulate"
    LABEL = "Simulate image (3D radiative transfer)"
    GROUP = "Radiative transfer"
    GROUP_ID = "radiativetransfer"
    DESCRIPTION = (
        "Monte Carlo 3D radiative transfer over a classified mock-up: the surface reflectance "
        "image (bidirectional reflectance factor) an orthographic sensor sees for the element "
        "OPs of the element table or of OP maps, with each element's visible fraction per "
        "pixel, the standard error, and the gradients dR/dOP. The scene is traced once; bands "
        "and gradients are evaluated from that one trace."
    )
    REQUIRES = ("numba", "trimesh")

    MOCKUP, ELEMENTS, OP_MAPS = "MOCKUP", "ELEMENTS", "OP_MAPS"
    REFERENCE, EXTENT, PIXEL_SIZE, CRS, BANDS = "REFERENCE", "EXTENT", "PIXEL_SIZE", "CRS", "BANDS"
    OUTPUT, FRACTIONS, STDERR, GRADIENTS = "OUTPUT", "FRACTIONS", "STDERR", "GRADIENTS"
    TILE_SIZE, SCHEDULER = "TILE_SIZE", "SCHEDULER"

    def declare(self):
        add_scene_parameters(
            self,
            "CSV with one row per element: element, match (globs on mock-up part names, "
            "separated by ;), type (opaque, translucent, or turbid: a closed volume of small "
            "leaves), rt_ratio (r/t), rule, for turbid elements leaf_area_density (m2/m3) and "
            "lad (leaf angle distribution, e.g. spherical or erectophile), each one value or "
            "per part group 'glob=value' pairs separated by ; (e.g. plot_a*=1;plot_b*=3), and "
            "one column per band with the element's OP (reflectance, or albedo r + t for "
            "translucent and turbid elements).",
            folders=True,
        )
        self.add(
            QgsProcessingParameterFile(self.OP_MAPS, tr("OP maps folder"),
                                       behavior=QgsProcessingParameterFile.Folder,
                                       optional=True),
            "Optional folder of per-element OP maps <element>.tif on the output grid (as written "
            "by unmix3d:unmix); NoData pixels take the element table's value.",
        )
        self.add(
            QgsProcessingParameterRasterLayer(self.REFERENCE, tr("Reference raster (grid)"),
                                              optional=True),
            "Raster whose grid, CRS and band names the simulated image takes. Without it, give "
            "EXTENT, PIXEL_SIZE, CRS and BANDS.",
        )
        self.add(
            QgsProcessingParameterExtent(self.EXTENT, tr("Extent"), optional=True),
            "Extent of the simulated image when no reference raster is given.",
        )
        self.add(
            QgsProcessingParameterNumber(self.PIXEL_SIZE, tr("Pixel size (m)"),
                                         QgsProcessingParameterNumber.Double, defaultValue=10.0,
                                         minValue=0.001),
            "Pixel size in metres when no reference raster is given.",
        )
        self.add(
            QgsProcessingParameterCrs(self.CRS, tr("CRS"), optional=True),
            "Projected CRS (metres) of the mock-up and the image when no reference raster is "
            "given.",
        )
        self.add(
            QgsProcessingParameterString(self.BANDS, tr("Bands"), optional=True,
                                         defaultValue="B2,B3,B4,B8"),
            "Comma-separated band names (columns of the element table) when no reference "
            "raster is given.",
        )
        add_geometry_parameters(self, defaults=False)
        add_terrain_parameter(self)
        add_atmosphere_parameters(
            self, "surface: OUTPUT is the surface BRF; TOA: top-of-atmosphere reflectance "
            "through the 6S atmosphere below, adjacency included (SKYL is then 6S's), and "
            "the standard error and gradients follow it to TOA.")
        add_sampling_parameters(self)
        add_memory_parameter(self)
        self.add(
            QgsProcessingParameterNumber(self.TILE_SIZE, tr("Tile size (pixels)"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=0,
                                         minValue=0),
            "0 (default): automatic. The whole grid is traced at once unless the trace's "
            "memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY; then, "
            "for runs the tiles can make (below), it runs in tiles sized to fit (a multiple "
            "of 16 pixels, at least 32), said in the log. Otherwise tiles of this many pixels "
            "square, each traced with only the mock-up triangles within a halo of tallest "
            "height x (tan(max(sun, view zenith)) + 1) around it, as Dask tasks, and written "
            "into the outputs as they finish; the same pixels draw the same random numbers "
            "as untiled. Tiled runs write the image, fractions and standard error from the "
            "element table's OPs (not OP maps or gradients).",
            advanced=True,
        )
        add_scheduler_parameter(self)
        self.add(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Simulated image")),
                 "Bidirectional reflectance factor, one band per band, named.")
        self.add(QgsProcessingParameterRasterDestination(self.FRACTIONS, tr("Element fractions"),
                                                         optional=True, createByDefault=True),
                 "Visible fraction of each element in each pixel, one band per element, named.")
        self.add(QgsProcessingParameterRasterDestination(self.STDERR, tr("Standard error"),
                                                         optional=True, createByDefault=False),
                 "Monte Carlo standard error of each pixel and band.")
        self.add(QgsProcessingParameterFolderDestination(self.GRADIENTS, tr("Gradients folder"),
                                                         optional=True, createByDefault=False),
                 "Folder for the gradients: <element>.tif holds dR/dOP per band (OP = reflectance "
                 "or albedo); for translucent elements also <element>_r.tif and <element>_t.tif "
                 "(dR/dr, dR/dt) when OPs come from the table.")

    def grid_and_bands(self, parameters, context):
        from ..core.simulate import PixelGrid

        layer = self.parameterAsRasterLayer(parameters, self.REFERENCE, context)
        if layer is not None:
            try:
                info = read_grid(layer.source())
                grid = PixelGrid.from_geotransform(info.geotransform, info.rows, info.cols)
            except ValueError as error:
                raise QgsProcessingException(f"REFERENCE {layer.name()}: {error}") from None
            check_image_crs(info.crs_wkt, f"REFERENCE {layer.name()}")
            return grid, info.band_names, info.crs_wkt
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        extent = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        if extent.isNull() or not crs.isValid():
            raise QgsProcessingException(
                tr("Give either a REFERENCE raster or EXTENT, PIXEL_SIZE, CRS and BANDS."))
        check_image_crs(crs.toWkt(), "CRS")
        size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        cols = max(1, round(extent.width() / size))
        rows = max(1, round(extent.height() / size))
        grid = PixelGrid(extent.xMinimum(), extent.yMaximum(), size, size, rows, cols)
        bands = parse_bands(self.parameterAsString(parameters, self.BANDS, context))
        return grid, bands, crs.toWkt()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        return run_staged(lambda staged: self.run_staged(parameters, context, feedback, staged),
                          feedback)

    def run_staged(self, parameters, context, feedback, staged):
        """The run, every output written to ``staged`` (moved in by ``run_staged``)."""
        from ..core.forward import read_op_maps, simulate_products
        from ..core.simulate import Canceled, Geometry

        grid, bands, crs_wkt = self.grid_and_bands(parameters, context)
        skyl = parse_skyl(self, parameters, context, bands)
        try:
            geometry = Geometry(**geometry_angles(self, parameters, context, feedback))
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        toa = self.parameterAsEnum(parameters, "INPUT_LEVEL", context) == 1
        folder = os.path.isdir(self.parameterAsFile(parameters, self.MOCKUP, context))
        if folder:
            self.check_folder_run(parameters, context, toa)  # before 6S runs
        atmosphere = None
        if toa or np.isnan(skyl).any():
            atmosphere = coupled_atmosphere_for(self, parameters, context, feedback, bands,
                                                geometry, grid)
            skyl = atmosphere.skyl if toa else np.where(np.isnan(skyl), atmosphere.skyl, skyl)
        if folder:
            return self.run_folder(parameters, context, feedback, grid, bands, skyl, geometry,
                                   crs_wkt, staged)
        scene = load_scene(self.parameterAsFile(parameters, self.MOCKUP, context),
                           self.parameterAsFile(parameters, self.ELEMENTS, context), feedback)
        op_folder = self.parameterAsFile(parameters, self.OP_MAPS, context)
        check_scene_bands(scene, bands, "BANDS", table_ops=not op_folder)
        gradients_folder = self.parameterAsString(parameters, self.GRADIENTS, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        fractions = self.parameterAsOutputLayer(parameters, self.FRACTIONS, context)
        stderr = self.parameterAsOutputLayer(parameters, self.STDERR, context)
        targets = reserve_outputs(staged, {self.OUTPUT: output, self.FRACTIONS: fractions,
                                           self.STDERR: stderr})
        try:
            staged_gradients = (staged.reserve_folder(gradients_folder, self.GRADIENTS)
                                if gradients_folder else "")
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        progress = FeedbackProgress(feedback, 0, 90)
        reference = terrain_reference(self, parameters, context, scene, grid, feedback)
        tile_size = self.parameterAsInt(parameters, self.TILE_SIZE, context)
        if tile_size == 0 and not (toa or op_folder or gradients_folder):
            from ..core.simulate import batches_for

            samples = self.parameterAsInt(parameters, "SAMPLES", context)
            try:
                tile_size = automatic_tile_size(
                    feedback, scene, grid, geometry, samples,
                    self.parameterAsInt(parameters, "SEED", context),
                    BOUNDARIES[self.parameterAsEnum(parameters, "BOUNDARY", context)]
                    == "periodic", batches_for(samples), reference,
                    memory_limit(self, parameters, context), stitched=False,
                    scheduler=self.parameterAsString(parameters, self.SCHEDULER, context))
            except ValueError as error:
                raise QgsProcessingException(str(error)) from None
        if tile_size > 0:
            if toa:
                raise QgsProcessingException(tr(
                    "TILE_SIZE {0}: tiled runs write surface reflectance only; set "
                    "INPUT_LEVEL to surface or TILE_SIZE to 0").format(tile_size))
            return self.run_tiled(parameters, context, feedback, scene, grid, bands, skyl,
                                  geometry, crs_wkt, reference, op_folder or gradients_folder,
                                  tile_size, targets)
        try:
            op_maps = read_op_maps(op_folder, scene, bands, grid) if op_folder else None
            products = simulate_products(
                scene, grid, geometry, bands, skyl,
                samples=self.parameterAsInt(parameters, "SAMPLES", context),
                seed=self.parameterAsInt(parameters, "SEED", context),
                periodic=BOUNDARIES[self.parameterAsEnum(parameters, "BOUNDARY", context)]
                == "periodic",
                op_maps=op_maps, want_gradients=bool(gradients_folder),
                reference_height=reference,
                max_memory=memory_limit(self, parameters, context),
                progress=progress, is_canceled=progress.is_canceled,
            )
        except Canceled:
            raise QgsProcessingException(tr("Canceled: nothing was written.")) from None
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        if toa:
            products.stderr = atmosphere.toa_standard_error(products.reflectance,
                                                            products.stderr)
            if products.variable_gradients is not None:
                _, products.variable_gradients = atmosphere.toa_and_gradients(
                    products.reflectance, products.variable_gradients)
            products.reflectance, products.op_gradients = atmosphere.toa_and_gradients(
                products.reflectance, products.op_gradients)
        feedback.pushInfo(tr("Traced {0} pixels x "
                             "{1} samples in "
                             "{2:.1f} s")
                             .format(grid.rows * grid.cols, products.trace.samples,
                                     products.trace.seconds))
        log_paths(feedback, products.trace)
        log_memory(feedback, products.trace)
        results = {}
        transform = grid.geotransform
        names = scene.elements.names
        check = functools.partial(checked_write, feedback)
        check(self.OUTPUT)
        write_raster(targets[self.OUTPUT], products.reflectance, None, transform, crs_wkt, bands,
                     metadata={"quantity": "top-of-atmosphere reflectance" if toa else
                               "bidirectional reflectance factor",
                               "units": "1 (dimensionless)"}, unit="1")
        results[self.OUTPUT] = output
        if fractions:
            check(self.FRACTIONS)
            write_raster(targets[self.FRACTIONS], products.fractions, None, transform, crs_wkt,
                         names, metadata={"quantity": "visible fraction of each element"})
            results[self.FRACTIONS] = fractions
        if stderr:
            check(self.STDERR)
            write_raster(targets[self.STDERR], products.stderr, None, transform, crs_wkt,
                         bands, metadata={"quantity": "Monte Carlo standard error"})
            results[self.STDERR] = stderr
        if gradients_folder:
            for i, name in enumerate(names):
                check(f"{name}.tif")
                write_raster(os.path.join(staged_gradients, f"{name}.tif"),
                             products.op_gradients[:, i], None, transform, crs_wkt, bands)
                if products.variable_gradients is not None and scene.var_t[i] >= 0:
                    for variable, index in (("r", scene.var_r[i]), ("t", scene.var_t[i])):
                        write_raster(os.path.join(staged_gradients, f"{name}_{variable}.tif"),
                                     products.variable_gradients[:, index], None, transform,
                                     crs_wkt, bands)
            results[self.GRADIENTS] = gradients_folder
        feedback.setProgress(100)
        return results

    def run_folder(self, parameters, context, feedback, grid, bands, skyl, geometry, crs_wkt,
                   staged):
        """MOCKUP a tiled mock-up folder: simulated tile by tile, each tile reading the
        pieces it meets (the pixel grid on a plane at the mock-up's lowest point);
        ``check_folder_run`` has passed."""
        from types import SimpleNamespace

        tile_size = self.parameterAsInt(parameters, self.TILE_SIZE, context)
        mockup, elements = tile_mockup(self, parameters, context, feedback)
        check_scene_bands(SimpleNamespace(elements=elements), bands, "BANDS")
        if (self.parameterAsString(parameters, "TERRAIN", context) or "").strip():
            feedback.pushInfo(terrain_not_tiled_note())
        targets = reserve_outputs(staged, {
            name: self.parameterAsOutputLayer(parameters, name, context)
            for name in (self.OUTPUT, self.FRACTIONS, self.STDERR)})
        unsupported = self.parameterAsFile(parameters, self.OP_MAPS, context) or \
            self.parameterAsString(parameters, self.GRADIENTS, context)
        return self.run_tiled(parameters, context, feedback,
                              SimpleNamespace(mockup=mockup, elements=elements), grid, bands,
                              skyl, geometry, crs_wkt, None, unsupported, tile_size, targets)

    def check_folder_run(self, parameters, context, toa: bool) -> None:
        """A tiled mock-up folder is simulated tile by tile, at surface level only."""
        if self.parameterAsInt(parameters, self.TILE_SIZE, context) <= 0 or toa:
            raise QgsProcessingException(tr(
                "MOCKUP {0} is a tiled mock-up folder, read per tile: set TILE_SIZE in pixels "
                "(for example 50) and INPUT_LEVEL surface").format(
                    self.parameterAsFile(parameters, self.MOCKUP, context)))

    def run_tiled(self, parameters, context, feedback, scene, grid, bands, skyl, geometry,
                  crs_wkt, reference, unsupported, tile_size, targets):
        """TILE_SIZE > 0: core.tiling.simulate_tiled writes the outputs tile by tile, into
        the staged ``targets`` that ``run_staged`` moves in."""
        from ..core.canceled import Canceled
        from ..core.tiling import simulate_tiled

        if unsupported:
            raise QgsProcessingException(tr(
                "TILE_SIZE {0}: tiled runs simulate the element table's OPs only; leave "
                "OP_MAPS and GRADIENTS empty or set TILE_SIZE to 0").format(tile_size))
        outputs = {"reflectance": targets[self.OUTPUT]}
        final = {self.OUTPUT: self.parameterAsOutputLayer(parameters, self.OUTPUT, context)}
        for kind, name in (("fractions", self.FRACTIONS), ("stderr", self.STDERR)):
            path = self.parameterAsOutputLayer(parameters, name, context)
            if path:
                outputs[kind] = targets[name]
                final[name] = path
        progress = FeedbackProgress(feedback, 0, 100)
        try:
            scene.elements.require_bands(bands)
            run = simulate_tiled(
                scene.mockup, scene.elements, grid, geometry, bands, skyl, outputs, crs_wkt,
                tile_size=tile_size,
                samples=self.parameterAsInt(parameters, "SAMPLES", context),
                seed=self.parameterAsInt(parameters, "SEED", context),
                periodic=BOUNDARIES[self.parameterAsEnum(parameters, "BOUNDARY", context)]
                == "periodic",
                reference_height=reference, max_memory=memory_limit(self, parameters, context),
                scheduler=self.parameterAsString(parameters, self.SCHEDULER, context),
                progress=progress, is_canceled=progress.is_canceled)
        except Canceled:
            raise QgsProcessingException(tr("Canceled: nothing was written.")) from None
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        feedback.pushInfo(tr("Traced {0} tiles of up to {1} pixels (halo {2:.1f} m, "
                             "{3:,.0f} triangles per tile on average) in {4:.1f} s")
                          .format(run.tiles, tile_size * tile_size, run.halo,
                                  run.triangles_per_tile, run.seconds))
        feedback.setProgress(100)
        return final
