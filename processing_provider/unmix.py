"""unmix3d:unmix — US-DART (or the DART-calibration baseline): one OP map per element from a
surface-reflectance image and a classified 3D mock-up."""

import functools
import os

import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..core.raster_io import write_raster
from ..core.unmix import DEFAULT_SAMPLES, DEFAULT_TIME_BUDGET, DEFAULT_TRACE_NOISE
from .base import Unmix3DAlgorithm
from .common import (
    BOUNDARIES,
    UNMIX_SEED,
    BelowGroup,
    FeedbackProgress,
    add_atmosphere_parameters,
    add_geometry_parameters,
    add_memory_parameter,
    add_metadata_parameter,
    add_reflectance_parameters,
    add_sampling_parameters,
    add_scene_parameters,
    add_scheduler_parameter,
    add_terrain_parameter,
    atmosphere_report,
    automatic_tile_size,
    check_scene_bands,
    checked_write,
    geometry_angles,
    load_in_group,
    load_scene,
    log_memory,
    log_paths,
    memory_limit,
    parse_skyl,
    read_reflectance_image,
    reserve_outputs,
    run_staged,
    surface_level,
    terrain_reference,
)
from .i18n import tr

METHODS = ["us-dart", "dart-calibration"]
SHAPES = ["rectangle", "ellipse"]


def parse_window(text: str) -> tuple[int, int]:
    parts = str(text).lower().replace(" ", "").split("x")
    try:
        size = tuple(int(p) for p in parts)
    except ValueError:
        raise QgsProcessingException(tr("WINDOW '{0}' must look like 5x5 (rows x columns)")
                                        .format(text)) \
            from None
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or min(size) < 1:
        raise QgsProcessingException(tr("WINDOW '{0}' must look like 5x5 (rows x columns)")
                                        .format(text))
    return size


class UnmixAlgorithm(Unmix3DAlgorithm):
    NAME = "unmix"
    LABEL = "Unmix optical properties (US-DART)"
    GROUP = "Optical properties"
    GROUP_ID = "opticalproperties"
    DESCRIPTION = (
        "Retrieves one optical-property (OP) map per scene element — Lambertian reflectance for "
        "opaque elements, albedo (r + t, split with the element table's r/t ratio) for "
        "translucent ones — from a surface-reflectance image and a classified 3D mock-up, with "
        "the US-DART method: pure pixel selection, windowed linear spectral mixture analysis, "
        "gradient iterations on a Monte Carlo 3D radiative-transfer model, and spectral-rule "
        "correction. The scene is traced once; every iteration re-uses that trace. METHOD "
        "dart-calibration runs the DART-calibration baseline (LSMA then per-pixel scaling) for "
        "comparison. Departures from the paper, each switchable back: model-based starts, "
        "damped window solves, one scene-wide OP for elements never half of a pixel, and "
        "one OP per mock-up part for elements made of several parts; CLOSURE optionally "
        "matches the image exactly at the end."
    )
    REQUIRES = ("numba", "trimesh")

    IMAGE, MOCKUP, ELEMENTS = "IMAGE", "MOCKUP", "ELEMENTS"

    def declare(self):
        add_reflectance_parameters(
            self, "Multispectral surface reflectance (e.g. Sentinel-2 L2A) in a projected CRS; "
            "band names (B2, B3, ...) must match the element table's columns.")
        add_scene_parameters(
            self,
            "CSV with one row per element: element, match (globs on mock-up part names, "
            "separated by ;), type (opaque, translucent, or turbid: a closed volume of small "
            "leaves), rt_ratio (r/t of translucent and turbid elements, optionally per band in "
            "rt_ratio_<band> columns), rule (spectral rule such as B8 > B4), for turbid "
            "elements leaf_area_density (m2/m3) and lad (leaf angle distribution, e.g. "
            "spherical or erectophile), each one value or per part group 'glob=value' pairs "
            "separated by ; (e.g. plot_a*=1;plot_b*=3), and one column per image band with the "
            "element's initial OP, used where an element has no pure pixel.",
            folders=True,
        )
        add_metadata_parameter(self)
        add_geometry_parameters(self, defaults=False)
        add_atmosphere_parameters(
            self, "surface: IMAGE is surface reflectance (L2A); TOA: top-of-atmosphere "
            "reflectance (L1C), turned into the surface-equivalent BRF with the 6S "
            "atmosphere below (adjacency included) before unmixing; SKYL is then 6S's.")
        for name, label in (("MOCKUP_OFFSET_X", "Mock-up offset east (m)"),
                            ("MOCKUP_OFFSET_Y", "Mock-up offset north (m)")):
            self.add(QgsProcessingParameterNumber(name, tr(label),
                                                  QgsProcessingParameterNumber.Double,
                                                  defaultValue=0.0),
                     "Shift applied to the mock-up to co-register it with the image (see "
                     "unmix3d:coregister).", advanced=True)
        self.add(QgsProcessingParameterEnum("METHOD", tr("Method"), options=METHODS,
                                            defaultValue=0),
                 "us-dart (PPS, LSMA, gradient iterations, SC) or dart-calibration (the "
                 "baseline: LSMA then per-pixel Newton scaling of all OPs).")
        self.add(QgsProcessingParameterString("WINDOW", tr("Window (rows x columns)"),
                                              defaultValue="5x5"),
                 "Moving window whose pixels share each element's OP; it must hold at least as "
                 "many pixels as there are elements.")
        self.add(QgsProcessingParameterEnum("WINDOW_SHAPE", tr("Window shape"), options=SHAPES,
                                            defaultValue=0),
                 "Rectangle or inscribed ellipse.", advanced=True)
        self.add(QgsProcessingParameterNumber("ITERATIONS", tr("Iterations"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=8, minValue=0),
                 "Gradient iterations after LSMA (they stop earlier once the simulated image "
                 "matches the image).")
        for name, label, default, help_text in (
            ("PURE_THRESHOLD", "Pure pixel fraction threshold", 0.9,
             "Visible fraction from which a pixel is pure; lowered by 0.1 down to 0.1 when an "
             "element has no pure pixel."),
            ("MAX_CONDITION", "Maximum condition number", 50000.0,
             "Windows whose system has a larger condition number are skipped and filled by "
             "the median of their neighbours."),
            ("MAX_SPECTRAL_RADIUS", "Maximum spectral radius", 1.1,
             "Windows whose normalised Gram matrix has a larger spectral radius are skipped."),
            ("EPSILON", "Bound around the pure-pixel OP", 0.5,
             "OPs are searched within (1 - EPSILON) and (1 + EPSILON) times their PPS value."),
            ("MIN_FRACTION", "Minimum element fraction", 0.05,
             "Pixels where an element's visible fraction is below this are NoData in its map."),
        ):
            self.add(QgsProcessingParameterNumber(name, tr(label),
                                                  QgsProcessingParameterNumber.Double,
                                                  defaultValue=default, minValue=0.0),
                     help_text, advanced=name != "MIN_FRACTION")
        self.add(QgsProcessingParameterNumber("EROSION", tr("Erosion of pure zones (pixels)"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=0, minValue=0),
                 "Erode pure-pixel zones by this many pixels, dropping boundary pixels hit by "
                 "co-registration error.", advanced=True)
        self.add(QgsProcessingParameterBoolean("PAPER_PPS", tr("Pure pixel start as published"),
                                               defaultValue=False),
                 "Start every element at the reflectance of its pure pixels (sqrt of it for "
                 "translucent elements), as in the US-DART paper. By default Unmix3D solves "
                 "the traced model for each element's OP at its pure pixels, purest elements "
                 "first, the others at their starts: a pure pixel at the 0.9 threshold still "
                 "holds 10 % of other elements, walls seen from above are never more than a "
                 "fifth of a pixel, and sqrt(R) is about 3 times a dense canopy's albedo at "
                 "red, all outside the EPSILON bounds.",
                 advanced=True)
        self.add(QgsProcessingParameterNumber("DAMPING", tr("Damping of window solves"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=0.3, minValue=0.0),
                 "Levenberg-Marquardt damping: each OP is held to its current value by this "
                 "times its diagonal normal-equation term. The converged solution is the same, "
                 "but what a window cannot tell apart (every pixel the same mix, as inside a "
                 "uniform plot) stays put instead of following the Monte Carlo noise. 0 is the "
                 "paper's undamped solve.",
                 advanced=True)
        self.add(QgsProcessingParameterNumber("START_WEIGHT", tr("Hold to the nearest pure "
                                                                 "pixels"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=30.0, minValue=0.0),
                 "Each pixel's OPs are held to the solution of the nearest pure pixels of "
                 "each element (re-solved at every iteration) with this weight, relative to "
                 "the window's normal equations, fading over about 1.5 pixels from them. A "
                 "class is rarely one material (several asphalts under one pavement, a "
                 "material per roof): the window alone returns their local mean, while the "
                 "nearest pure pixel is most often the same surface. 0 is the paper's "
                 "window-only solve.",
                 advanced=True)
        self.add(QgsProcessingParameterBoolean("MINOR_PER_WINDOW",
                                               tr("Solve minor elements per window"),
                                               defaultValue=False),
                 "By default an element that is never at least half of any pixel (walls seen "
                 "from above) gets one OP per band for the whole scene, solved jointly with the "
                 "other elements' window OPs: a window sees it in a few pixels at a fifth of "
                 "their area, and its solution there is mostly Monte Carlo noise. Check this "
                 "to solve it per window, as in the US-DART paper.",
                 advanced=True)
        self.add(QgsProcessingParameterBoolean("CLOSURE", tr("Close the image exactly"),
                                               defaultValue=False),
                 "After the iterations, scale every element's OP in a pixel and band by one "
                 "factor until the simulated image equals the image (DART calibration's step, "
                 "US-DART only; the spectral rules then keep the last word). The image error "
                 "then vanishes, and what it held (Monte Carlo noise, mock-up error) goes into "
                 "the OP maps: on the vegetation demo the median image error falls from 1.2 % "
                 "to 0 and the vegetation OP error rises from 0.4 % to 1.1 %.",
                 advanced=True)
        self.add(QgsProcessingParameterBoolean("OBJECTS", tr("One OP per mock-up part"),
                                               defaultValue=True),
                 "After the iterations, an element made of several parts of the mock-up (OBJ "
                 "groups, glTF meshes: a lawn, a roof, a tree each its own group) gets one OP "
                 "per part, solved from every pixel that sees the part, and its OP map holds "
                 "the mean of its parts' OPs over its visible area in each pixel. Real element "
                 "classes hold many materials (an asphalt per street, a material per roof), "
                 "which a window cannot tell apart: on images rendered by Mitsuba 3 of Berlin "
                 "and synthetic towns, the median pavement error fell from 0.6-2.1 % to "
                 "0.1-0.3 %. A part the sensor hardly sees (the ground under a crown, seen "
                 "through its gaps) and whose pixels do not fix its OP is solved as one OP with "
                 "the part of its element it touches most (the lawn it continues). An element "
                 "of one part (a ground, a river) is solved as blocks "
                 "of 10 x 10 pixels: if they look alike it takes their common OP, else it keeps "
                 "its window solution. Uncheck it when a part mixes materials.",
                 advanced=True)
        add_terrain_parameter(self)
        add_sampling_parameters(self, samples=DEFAULT_SAMPLES, seed=UNMIX_SEED)
        self.add(QgsProcessingParameterNumber("TRACE_NOISE", tr("Trace noise aimed at (%)"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=DEFAULT_TRACE_NOISE, minValue=0.0),
                 "Adaptive sampling: the Monte Carlo noise aimed at for the trace, as the "
                 "median relative standard error of the image simulated at the element "
                 "table's OPs in its noisiest band, in %. SAMPLES are traced first; while the "
                 "noise is above this, more samples are traced (new seeds, pooled with the "
                 "first) up to the total of SAMPLES x 2, 4, 8... that its fall as "
                 "1 / sqrt(samples) says is needed, within TIME_BUDGET and 16,384 samples per "
                 "pixel. 0: trace SAMPLES once (reproducible whatever the machine's speed). "
                 "Not applied with UNMIX_BY_TILES. The log and report say which noise was "
                 "reached.")
        self.add(QgsProcessingParameterNumber("TIME_BUDGET", tr("Time budget for tracing (s)"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=DEFAULT_TIME_BUDGET, minValue=0.0),
                 "Seconds of tracing adaptive sampling (TRACE_NOISE) may spend in all: no "
                 "block of more samples is started that would end after it at the speed of "
                 "the blocks before. Where the next doubling of the samples does not fit, "
                 "blocks of half, a quarter... of it (down to SAMPLES) use what is left.",
                 advanced=True)
        add_memory_parameter(self)
        self.add(QgsProcessingParameterNumber("TILE_SIZE", tr("Tile size (pixels)"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=0, minValue=0),
                 "0 (default): automatic. The whole grid is traced at once unless the trace's "
                 "memory estimate (a few pilot pixels, before tracing) is above MAX_MEMORY and "
                 "tiles leave room for the joined trace; then it runs in tiles sized to fit (a "
                 "multiple of 16 pixels, at least 32), said in the log. Otherwise the trace "
                 "runs in tiles of this many pixels square, each with only the mock-up "
                 "triangles within a halo of tallest height x (tan(max(sun, view zenith)) + 1) "
                 "around it, as Dask tasks; the tiles' traces are then joined and unmixed as "
                 "one image, so windows across tile edges and pure pixel selection see the "
                 "whole image (no seams).",
                 advanced=True)
        add_scheduler_parameter(self)
        self.add(QgsProcessingParameterBoolean("UNMIX_BY_TILES", tr("Unmix tile by tile"),
                                               defaultValue=False),
                 "For cities (needs TILE_SIZE > 0): each tile, grown by a pixel halo of half "
                 "the window, is traced and unmixed on its own as a Dask task, and its OP maps "
                 "are written as it finishes, so memory does not grow with the image: the "
                 "image is checked strip by strip and read block by block, and MOCKUP may be "
                 "a tiled mock-up folder (one OBJ per piece) read per tile. Pure pixels and "
                 "the scene-wide OP of minor elements are then decided per tile and halo. "
                 "Surface reflectance only; TRUTH, REPORT, ACCURACY, OBJECTS and TERRAIN need "
                 "the whole image and are not available.",
                 advanced=True)
        self.add(QgsProcessingParameterFile("TRUTH", tr("True OP maps (validation)"),
                                            behavior=QgsProcessingParameterFile.Folder,
                                            optional=True),
                 "Optional folder of known OP maps <element>.tif (pseudo images): the report "
                 "then gives OP errors and the accuracy table.", advanced=True)
        self.add(QgsProcessingParameterBoolean("LOAD_MAPS", tr("Load OP maps in the project"),
                                               defaultValue=True),
                 "Add the OP maps to the project in a layer group, styled as true-colour "
                 "composites.", advanced=True)
        self.add(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", tr("OP maps folder")),
                 "One GeoTIFF <element>.tif per element, one band per image band, NoData where "
                 "the element's fraction is below MIN_FRACTION.")
        self.add(QgsProcessingParameterRasterDestination("SIMULATED", tr("Final simulated image"),
                                                         optional=True, createByDefault=True),
                 "The image simulated with the retrieved OP maps.")
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"),
                                                       fileFilter="HTML (*.html)",
                                                       optional=True, createByDefault=True),
                 "HTML report: convergence per iteration, final errors, true-colour composites.")
        self.add(QgsProcessingParameterFileDestination("ACCURACY", tr("Accuracy table"),
                                                       fileFilter="CSV (*.csv)", optional=True,
                                                       createByDefault=False),
                 "CSV of image and OP errors per element (OP errors need TRUTH).")

    # ----------------------------------------------------------------------------------
    def read_inputs(self, parameters, context, feedback):
        from ..core.simulate import Geometry

        layer = self.parameterAsRasterLayer(parameters, self.IMAGE, context)
        if layer is None:
            raise QgsProcessingException(tr("IMAGE is not a raster layer QGIS can open."))
        raster, grid, image, valid = read_reflectance_image(
            self, parameters, context, feedback, layer, f"IMAGE {layer.name()}")
        angles = geometry_angles(self, parameters, context, feedback,
                                 self.parameterAsFile(parameters, "METADATA", context))
        try:
            geometry = Geometry(**angles)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        return layer, raster, grid, image, valid, geometry

    def unmix_settings(self, parameters, context, feedback):
        """The unmixing's parameters (core.unmix.pipeline.UnmixParameters)."""
        from ..core.unmix.pipeline import UnmixParameters

        method = METHODS[self.parameterAsEnum(parameters, "METHOD", context)]
        settings = UnmixParameters(
            method=method,
            window=parse_window(self.parameterAsString(parameters, "WINDOW", context)),
            window_shape=SHAPES[self.parameterAsEnum(parameters, "WINDOW_SHAPE", context)],
            iterations=self.parameterAsInt(parameters, "ITERATIONS", context),
            pure_threshold=self.parameterAsDouble(parameters, "PURE_THRESHOLD", context),
            max_condition=self.parameterAsDouble(parameters, "MAX_CONDITION", context),
            max_spectral_radius=self.parameterAsDouble(parameters, "MAX_SPECTRAL_RADIUS",
                                                       context),
            epsilon=self.parameterAsDouble(parameters, "EPSILON", context),
            min_fraction=self.parameterAsDouble(parameters, "MIN_FRACTION", context),
            erosion=self.parameterAsInt(parameters, "EROSION", context),
            damping=self.parameterAsDouble(parameters, "DAMPING", context),
            start_weight=self.parameterAsDouble(parameters, "START_WEIGHT", context),
            minor_elements="window" if self.parameterAsBool(parameters, "MINOR_PER_WINDOW",
                                                           context) else "scene",
            closure=self.parameterAsBool(parameters, "CLOSURE", context),
            objects=self.parameterAsBool(parameters, "OBJECTS", context),
        )
        if self.parameterAsBool(parameters, "PAPER_PPS", context):
            settings.start = "paper"
        if settings.closure and method != "us-dart":
            feedback.pushWarning(tr("CLOSURE applies to US-DART only: DART calibration "
                                    "already fits every pixel."))
            settings.closure = False
        return settings

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        return run_staged(lambda staged: self.run_staged(parameters, context, feedback, staged),
                          feedback)

    def run_staged(self, parameters, context, feedback, staged):
        """The run, every output written to ``staged`` (moved in by ``run_staged``)."""
        if self.parameterAsBool(parameters, "UNMIX_BY_TILES", context):
            from .unmix_tiles import run_unmix_by_tiles

            return run_unmix_by_tiles(self, parameters, context, feedback, staged, METHODS,
                                      BOUNDARIES)
        from ..core.forward import read_op_maps
        from ..core.simulate import Canceled, batches_for, check_overlap
        from ..core.unmix.accuracy import (
            accuracy_csv,
            accuracy_markdown,
            accuracy_rows,
            demo_plot_zones,
            published_for_demo,
        )
        from ..core.unmix.report import unmix_report
        from ..core.unmix.run import run_unmix

        layer, raster, grid, image, valid, geometry = self.read_inputs(parameters, context,
                                                                       feedback)
        bands = raster.band_names
        skyl = parse_skyl(self, parameters, context, bands)
        image, valid, skyl, atmosphere = surface_level(self, parameters, context, feedback,
                                                       image, valid, bands, geometry, grid,
                                                       skyl)
        scene = load_scene(self.parameterAsFile(parameters, self.MOCKUP, context),
                           self.parameterAsFile(parameters, self.ELEMENTS, context), feedback)
        check_scene_bands(scene, bands, f"IMAGE {layer.name()}", table_ops=False)
        scene.mockup.origin[:2] += [self.parameterAsDouble(parameters, "MOCKUP_OFFSET_X",
                                                           context),
                                    self.parameterAsDouble(parameters, "MOCKUP_OFFSET_Y",
                                                           context)]
        method = METHODS[self.parameterAsEnum(parameters, "METHOD", context)]
        settings = self.unmix_settings(parameters, context, feedback)
        samples = self.parameterAsInt(parameters, "SAMPLES", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        tile_size = self.parameterAsInt(parameters, "TILE_SIZE", context)
        scheduler = self.parameterAsString(parameters, "SCHEDULER", context)
        periodic = BOUNDARIES[self.parameterAsEnum(parameters, "BOUNDARY", context)] \
            == "periodic"
        progress = FeedbackProgress(feedback, 0, 95)
        truth_folder = self.parameterAsFile(parameters, "TRUTH", context)
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        targets = reserve_outputs(staged, {
            "SIMULATED": self.parameterAsOutputLayer(parameters, "SIMULATED", context),
            "REPORT": self.parameterAsFileOutput(parameters, "REPORT", context),
            "ACCURACY": self.parameterAsFileOutput(parameters, "ACCURACY", context)})
        try:
            staged_folder = staged.reserve_folder(folder, "OUTPUT_FOLDER")
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        try:
            check_overlap(scene, grid, f"IMAGE {layer.name()}")
            reference = terrain_reference(self, parameters, context, scene, grid, feedback)
            truth = read_op_maps(truth_folder, scene, bands, grid) if truth_folder else None
            max_memory = memory_limit(self, parameters, context)
            chosen = tile_size == 0
            if chosen:
                tile_size = automatic_tile_size(feedback, scene, grid, geometry, samples, seed,
                                                periodic, batches_for(samples), reference,
                                                max_memory, stitched=True, scheduler=scheduler)
            if settings.objects and tile_size > 0 and chosen:
                feedback.pushWarning(tr("OBJECTS is not applied to tiled runs yet, and TILE_SIZE "
                                        "0 chose tiles of {0} pixels for this grid under "
                                        "MAX_MEMORY: every element keeps its window solution; "
                                        "raise MAX_MEMORY to keep OBJECTS.").format(tile_size))
                settings.objects = False
            elif settings.objects and tile_size > 0:
                feedback.pushWarning(tr("OBJECTS is not applied to tiled runs (TILE_SIZE > 0) "
                                        "yet: every element keeps its window solution."))
                settings.objects = False
            result, traced = run_unmix(
                scene, grid, geometry, image, valid, bands, skyl, settings, samples=samples,
                seed=seed, periodic=periodic, reference_height=reference,
                max_memory=max_memory, truth=truth, progress=progress,
                is_canceled=progress.is_canceled, tile_size=tile_size, scheduler=scheduler,
                trace_noise=self.parameterAsDouble(parameters, "TRACE_NOISE", context),
                time_budget=self.parameterAsDouble(parameters, "TIME_BUDGET", context),
                log=feedback.pushInfo)
        except Canceled:
            raise QgsProcessingException(tr("Canceled: no OP map was written.")) from None
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        log_paths(feedback, traced)
        log_memory(feedback, traced)
        for stage, seconds in result.seconds.items():
            feedback.pushInfo(tr("{0}: {1:.2f} s").format(stage, seconds))

        names = scene.elements.names
        case = f"{layer.name()}, {method}" + (" + closure" if settings.closure else "")
        rows = accuracy_rows(case, names, image, result.simulated,
                             result.op, result.op_valid, truth, result.truth_simulated)
        feedback.pushInfo(accuracy_markdown(rows))
        log_noise_reached(feedback, result, image, valid, bands, traced.samples)
        warn_unseen_elements(feedback, names, result.op_valid, traced.fractions,
                             settings.min_fraction)
        check = functools.partial(checked_write, feedback)
        write_op_maps(staged_folder, names, result.op, result.op_valid, grid.geotransform,
                      raster.crs_wkt, bands, result.op_std, scene.translucent, check)
        if result.objects is not None:
            from ..core.html_report import write_atomic
            from ..core.unmix.objects import parts_table

            check("parts.csv")
            write_atomic(parts_table(result.objects, result.shares, names, bands),
                         os.path.join(staged_folder, "parts.csv"))
            solved = [name for name, on in zip(names, result.objects.solved, strict=True) if on]
            feedback.pushInfo(tr(
                "One OP per mock-up part for {0}: {1} parts, in parts.csv; the other elements "
                "keep their window solution.").format(
                    ", ".join(solved), int(np.isfinite(result.objects.part_op[0]).sum())))
        written = {name: os.path.join(folder, f"{name}.tif") for name in names}
        outputs = {"OUTPUT_FOLDER": folder}
        simulated = self.parameterAsOutputLayer(parameters, "SIMULATED", context)
        if simulated:
            check("SIMULATED")
            level = self.parameterAsEnum(parameters, "INPUT_LEVEL", context)
            final = result.simulated if level == 0 else atmosphere.toa(result.simulated, valid)
            write_raster(targets["SIMULATED"], final,
                         np.broadcast_to(valid, image.shape), grid.geotransform,
                         raster.crs_wkt, bands)
            outputs["SIMULATED"] = simulated
            if context.willLoadLayerOnCompletion(simulated):
                context.layerToLoadOnCompletionDetails(simulated).setPostProcessor(
                    BelowGroup(tr("OP maps: {0} ({1})").format(layer.name(), method)))
        report = self.parameterAsFileOutput(parameters, "REPORT", context)
        if report:
            check("REPORT")
            lost, dropped, clamped = (traced.path_counts[k] for k in ("lost", "dropped",
                                                                      "clamped"))
            estimated = traced.memory.polynomial_bytes / 2**20
            actual = traced.polynomials.nbytes / 2**20
            unmix_report(result, image, valid, names, bands, {
                "image": layer.source(), "method": method, "window": settings.window,
                "iterations": settings.iterations, "damping": settings.damping,
                "hold to nearest pure pixels": settings.start_weight,
                "start": settings.start, "minor elements": settings.minor_elements,
                "closure": settings.closure, "one OP per mock-up part": settings.objects,
                "samples per pixel": traced.samples,
                **({} if result.sampling is None else {
                    "trace noise aimed at (%)": result.sampling.aim,
                    "adaptive sampling": result.sampling.stop}),
                "seed": seed, "sun zenith / azimuth": (geometry.sun_zenith,
                                                       geometry.sun_azimuth),
                "view zenith / azimuth": (geometry.view_zenith, geometry.view_azimuth),
                "SKYL": ", ".join(f"{v:g}" for v in skyl), **atmosphere_report(atmosphere),
                "paths lost / dropped / clamped": f"{lost:,} / {dropped:,} / {clamped:,} of "
                                                  f"{traced.traced_paths:,}",
                "polynomials MB (estimated / actual)": f"{estimated:,.2f} / {actual:,.2f}"},
                rows, path=targets["REPORT"], truth=truth,
                published=published_for_demo(truth_folder, case, method, settings.closure),
                zones=demo_plot_zones(truth_folder, grid.geotransform, (grid.rows, grid.cols)))
            outputs["REPORT"] = report
        accuracy = self.parameterAsFileOutput(parameters, "ACCURACY", context)
        if accuracy:
            from ..core.html_report import write_atomic

            check("ACCURACY")
            write_atomic(accuracy_csv(rows), targets["ACCURACY"])
            outputs["ACCURACY"] = accuracy
        if self.parameterAsBool(parameters, "LOAD_MAPS", context):
            group = tr("OP maps: {0} ({1})").format(layer.name(), method)
            for name, path in written.items():
                load_in_group(context, path, name, group)
        feedback.setProgress(100)
        return outputs


def log_noise_reached(feedback, result, image, valid, bands, samples: int) -> None:
    """The Monte Carlo noise the trace reached, per band, and the image residual beside it."""
    from ..core.unmix.uncertainty import noise_reached

    if result.simulated_error is None:
        return
    reached = noise_reached(result.simulated, result.simulated_error, image, valid)
    feedback.pushInfo(tr(
        "Monte Carlo noise reached at SAMPLES {0} (median relative standard error of the "
        "simulated image; four times the samples halve it): {1}. Median image residual: "
        "{2}.").format(samples,
                       ", ".join(f"{band} {noise:.3g} %" for band, (noise, _)
                                 in zip(bands, reached, strict=True)),
                       ", ".join(f"{band} {residual:.3g} %" for band, (_, residual)
                                 in zip(bands, reached, strict=True))))


def write_op_maps(folder, names, op, op_valid, geotransform, crs_wkt, bands,
                  op_std=None, translucent=None, check=None) -> dict:
    """Write every ``<element>.tif`` (and its standard error ``<element>_std.tif``), each
    with its band names, what it holds in its metadata and a ``.qml`` style beside it, into
    ``folder`` (the run's staging folder). ``check(label)`` runs before each file (cancel)."""
    from ..core.html_report import write_atomic
    from ..core.layer_style import raster_qml

    written = {}
    for i, name in enumerate(names):
        quantity = ("albedo r + t" if translucent is not None and translucent[i]
                    else "reflectance")
        valid = np.broadcast_to(op_valid[i], op[:, i].shape)
        maps = [(name, op[:, i], valid, quantity)]
        if op_std is not None:
            std_valid = valid & np.isfinite(op_std[:, i])
            maps.append((f"{name}_std", np.nan_to_num(op_std[:, i]), std_valid,
                         f"standard error of the {quantity}"))
        for file, data, mask, what in maps:
            if check is not None:
                check(f"{file}.tif")
            path = write_raster(os.path.join(folder, f"{file}.tif"), data, mask, geotransform,
                                crs_wkt, bands, metadata={"element": name, "quantity": what,
                                                          "units": "1 (dimensionless)"},
                                unit="1")
            write_atomic(raster_qml(bands, data, mask), os.path.join(folder, f"{file}.qml"))
            if file == name:
                written[name] = path
    return written


def warn_unseen_elements(feedback, names, op_valid, fractions, min_fraction) -> None:
    """An element with no pixel in its map gets a warning saying why (walls at nadir)."""
    for i, name in enumerate(names):
        if not op_valid[i].any():
            feedback.pushWarning(tr(
                "Element {0} is never seen enough to be retrieved: its visible fraction "
                "reaches at most {1:.3f} in a pixel, below MIN_FRACTION {2:g} (walls seen "
                "from nadir, parts hidden under others), so its OP map is all NoData.")
                .format(name, float(np.max(fractions[i])), min_fraction))
