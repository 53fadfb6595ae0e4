"""unmix3d:retrieve — 3D-Diff-style retrieval: scene-wide (or zone-wide) leaf reflectance and
transmittance, soil and understory spectra, or PROSPECT leaf biochemistry, from one or more
images of a scene whose 3D structure is known."""

import functools
import os

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ..core.raster_io import read_raster, write_raster
from .base import Unmix3DAlgorithm
from .common import (
    BOUNDARIES,
    RETRIEVE_SEED,
    FeedbackProgress,
    add_atmosphere_parameters,
    add_geometry_parameters,
    add_memory_parameter,
    add_metadata_parameter,
    add_reflectance_parameters,
    add_sampling_parameters,
    add_scene_parameters,
    add_scheduler_parameter,
    check_scene_bands,
    checked_write,
    geometry_angles,
    load_scene,
    memory_limit,
    parse_skyl,
    parse_values,
    read_reflectance_image,
    reserve_outputs,
    run_staged,
    surface_acquisition,
)
from .i18n import tr

WEIGHTINGS = ["none", "stderr"]
RT_CONSTRAINTS = ["none", "table", "range", "prospect"]
INTERVAL_METHODS = ["profile", "sandwich"]


def parse_names(text: str) -> list[str]:
    return [n.strip() for n in str(text or "").replace(";", ",").split(",") if n.strip()]


def parse_geometries(text: str, count: int) -> list[tuple[float, float, float, float]]:
    """"sz,sa,vz,va;sz,sa,vz,va" -> one (sun zenith, sun azimuth, view zenith, view
    azimuth) per extra image."""
    items = [g for g in str(text or "").split(";") if g.strip()]
    if len(items) != count:
        raise QgsProcessingException(tr(
            "GEOMETRIES_EXTRA gives {0} geometries but IMAGES_EXTRA has {1} "
            "images: write one 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra "
            "image, separated by ';'").format(len(items), count))
    out = []
    for item in items:
        try:
            values = tuple(float(v) for v in item.split(","))
        except ValueError:
            values = ()
        if len(values) != 4:
            raise QgsProcessingException(tr(
                "GEOMETRIES_EXTRA entry '{0}' must be four numbers: sun zenith, "
                "sun azimuth, view zenith, view azimuth (degrees)").format(item.strip()))
        out.append(values)
    return out


def parse_extra_skyl(text: str, count: int, bands: int, shared) -> list:
    """"v;v1,...,vn;..." -> one skylight ratio array per extra image; empty: ``shared``."""
    items = [item for item in str(text or "").split(";") if item.strip()]
    if not items:
        return [shared] * count
    if len(items) != count:
        raise QgsProcessingException(tr(
            "SKYL_EXTRA gives {0} entries but IMAGES_EXTRA has {1} images: "
            "write one value, or one per band, per extra image, separated by ';'")
            .format(len(items), count))
    return [parse_values(item, bands, f"SKYL_EXTRA entry {k + 1}")
            for k, item in enumerate(items)]


def _parse_range(text: str) -> tuple[float, float]:
    """"low,high" -> (low, high) for RT_RANGE."""
    try:
        low, high = (float(v) for v in str(text or "").split(","))
    except ValueError:
        raise QgsProcessingException(tr("RT_RANGE '{0}' must be two numbers 'low,high', e.g. "
                                        "0.5,2").format(text)) from None
    return low, high


def _sampling_text(sampling, samples: int) -> str:
    """The report's line on adaptive sampling (core's English, as its warnings)."""
    if not sampling.rounds:
        return f"off: {samples} samples per pixel traced once"
    steps = ", ".join(f"{r.samples}: {r.largest_std:.4f}" for r in sampling.rounds)
    return (f"aim: standard error <= {sampling.precision / 1.96:.4f} (95 % +- "
            f"{sampling.precision:g}); largest standard error per samples per pixel "
            f"{steps} ({sampling.rounds[-1].worst}); {sampling.stop}")


class RetrieveAlgorithm(Unmix3DAlgorithm):
    NAME = "retrieve"
    LABEL = "Retrieve element spectra or leaf biochemistry (3D-Diff)"
    GROUP = "Optical properties"
    GROUP_ID = "opticalproperties"
    DESCRIPTION = (
        "3D-Diff-style retrieval: with the scene's 3D structure known, finds the spectra "
        "shared by the whole image (or by zones) of every free element — reflectance of "
        "opaque elements, reflectance AND transmittance of translucent ones (leaves), "
        "including elements the sensor never sees directly — or the PROSPECT-D parameters "
        "of leaf elements, by bounded quasi-Newton (L-BFGS-B) minimisation of the squared "
        "image error with exact gradients. Each image geometry is traced once; every "
        "optimisation step is an algebraic evaluation of that trace. Extra images of the "
        "same scene from other angles or dates separate r from t where one view cannot. "
        "Reports retrieved values with standard errors, 95 % intervals and a status per "
        "quantity (ok, weakly identified with what it trades off with, at bound, "
        "unidentifiable), the correlation between parameters (what the images cannot "
        "separate) and the loss history; leaf r/t can be constrained where the images "
        "cannot split it."
    )
    REQUIRES = ("numba", "trimesh", "scipy")

    IMAGE, MOCKUP, ELEMENTS = "IMAGE", "MOCKUP", "ELEMENTS"

    def declare(self):
        add_reflectance_parameters(
            self, "Surface reflectance of the scene in a projected CRS; band names (B2, B3, ...) "
            "must match the element table's band columns where those give start values.")
        add_scene_parameters(
            self,
            "CSV with one row per element: element, match (globs on mock-up part names), type "
            "(opaque or translucent), rt_ratio, and optional per-band OPs (reflectance, or "
            "albedo r + t split by rt_ratio): start values of free elements (default 0.2, "
            "leaves r = t = 0.25) and the spectra of FIXED_ELEMENTS.",
        )
        self.add(QgsProcessingParameterString("FIXED_ELEMENTS", tr("Fixed elements"),
                                              optional=True, defaultValue=""),
                 "Comma-separated elements whose spectra are known (taken from the element "
                 "table, which must give every band); every element not named here or in "
                 "PROSPECT_ELEMENTS is free.")
        self.add(QgsProcessingParameterString("PROSPECT_ELEMENTS", tr("PROSPECT leaf elements"),
                                              optional=True, defaultValue=""),
                 "Comma-separated translucent elements retrieved as PROSPECT-D leaves "
                 "(biochemical parameters instead of free r and t spectra); needs Sentinel-2 "
                 "band names.")
        self.add(QgsProcessingParameterString("PROSPECT_PARAMETERS",
                                              tr("PROSPECT parameters retrieved"),
                                              defaultValue="N,Cab,Car,Ant,Cw,Cm"),
                 "Which of N, Cab, Car, Ant, Cbrown, Cw, Cm are retrieved; the others keep "
                 "their PROSPECT_START value.")
        self.add(QgsProcessingParameterString("PROSPECT_START", tr("PROSPECT start values"),
                                              optional=True, defaultValue=""),
                 "Start (and fixed) values, e.g. 'N=1.5,Cab=40,Car=8,Ant=1,Cbrown=0,Cw=0.01,"
                 "Cm=0.005' (these are the defaults); values outside PROSPECT's ranges are "
                 "refused.")
        add_metadata_parameter(self)
        add_geometry_parameters(self, defaults=False)
        add_atmosphere_parameters(self, "surface: the images are surface reflectance; TOA: "
                                  "top-of-atmosphere, each turned into the surface BRF with "
                                  "the 6S atmosphere for its own geometry (SKYL then 6S's).")
        self.add(QgsProcessingParameterMultipleLayers("IMAGES_EXTRA", tr("Extra images"),
                                                      QgsProcessing.TypeRaster, optional=True),
                 "Other images of the same scene (other view angles or dates), same bands as "
                 "IMAGE, any grid; each is traced with its own geometry from GEOMETRIES_EXTRA.")
        self.add(QgsProcessingParameterString("GEOMETRIES_EXTRA", tr("Geometries of extra images"),
                                              optional=True, defaultValue=""),
                 "One 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra image, in "
                 "their order, separated by ';' (degrees).")
        self.add(QgsProcessingParameterString("SKYL_EXTRA", tr("Skylight ratios of extra images"),
                                              optional=True, defaultValue=""),
                 "Optional: the skylight ratio of each extra image, in their order, separated "
                 "by ';' (one value or one per band, comma-separated). Empty: every image uses "
                 "SKYL, which is right for views of one date; another date has another sun "
                 "and another sky.")
        self.add(QgsProcessingParameterMapLayer(
            "ZONES", tr("Zones (raster or polygons)"), optional=True,
            types=[QgsProcessing.TypeRaster, QgsProcessing.TypeVectorPolygon]),
            "Optional: each zone gets its own spectra. A raster of zone values (NoData: "
            "pixel not used) or polygons with a zone field (ZONE_FIELD). A pixel uses its "
            "zone's values for every element its light met. A zone without pixels is an "
            "error.")
        self.add(QgsProcessingParameterField("ZONE_FIELD", tr("Zone field"),
                                             parentLayerParameterName="ZONES", optional=True),
                 "Field of the zone polygons holding the zone label.")
        self.add(QgsProcessingParameterEnum("RT_CONSTRAINT", tr("Leaf r/t constraint"),
                                            options=RT_CONSTRAINTS, defaultValue=0),
                 "How to split leaf albedo into r and t where the images cannot (one view "
                 "sees mostly reflected light): none (the images alone); table (r/t fixed "
                 "per band at the element table's rt_ratio, only the albedo is retrieved); "
                 "range (r/t bounded to RT_RANGE in every band); prospect (r/t bounded per "
                 "band to the range PROSPECT-D leaves of plausible biochemistry span). Extra "
                 "images from other angles or dates constrain it through the data. The "
                 "report says which was used.")
        self.add(QgsProcessingParameterString("RT_ELEMENTS", tr("Leaves the r/t constraint "
                                                                "applies to"),
                                              optional=True, defaultValue=""),
                 "Comma-separated free translucent elements RT_CONSTRAINT applies to; empty: "
                 "every free translucent element.")
        self.add(QgsProcessingParameterString("RT_RANGE", tr("r/t range"), optional=True,
                                              defaultValue="0.5,2"),
                 "For RT_CONSTRAINT = range: 'low,high' bounds of r/t (reflectance over "
                 "transmittance) in every band, e.g. 0.5,2.")
        self.add(QgsProcessingParameterNumber("STARTS", tr("Starts"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=3, minValue=1),
                 "Optimisations run: from the start values, then from random points of the "
                 "bounds (seeded). When they end in different optima the loss has several "
                 "basins: the lowest is kept and the report lists them.", advanced=True)
        self.add(QgsProcessingParameterEnum("INTERVALS", tr("95 % intervals"),
                                            options=INTERVAL_METHODS, defaultValue=0),
                 "profile: profile likelihood (every other unknown re-optimised along each "
                 "quantity; follows a loss that bends and stops at bounds); sandwich: "
                 "estimate +- 1.96 standard errors (faster, for many unknowns).",
                 advanced=True)
        self.add(QgsProcessingParameterEnum("WEIGHTING", tr("Pixel weighting"),
                                            options=WEIGHTINGS, defaultValue=0),
                 "none: every pixel and band counts alike; stderr: weights 1 / (s.e.^2 + "
                 "0.001^2), with s.e. the trace's Monte Carlo standard error at the start "
                 "values (noisy pixels count less).", advanced=True)
        self.add(QgsProcessingParameterNumber("SMOOTHNESS", tr("Spectral smoothness"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=0.0, minValue=0.0),
                 "Weight of the penalty on differences between neighbouring bands of free "
                 "spectra (0: none), in the loss's units (mean squared reflectance).",
                 advanced=True)
        self.add(QgsProcessingParameterNumber("MAX_ITERATIONS", tr("Maximum iterations"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=300, minValue=1),
                 "Largest number of L-BFGS-B iterations.", advanced=True)
        add_sampling_parameters(self, samples=128, seed=RETRIEVE_SEED)
        self.add(QgsProcessingParameterNumber("PRECISION", tr("Precision aimed at"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=0.01, minValue=0.0),
                 "Adaptive sampling: the 95 % half-width (reflectance units) aimed at for "
                 "the reflectance of every free opaque element and the albedo r + t of "
                 "every free leaf. SAMPLES are traced first; while a standard error is "
                 "above PRECISION / 1.96, more samples are traced (new seeds, pooled with "
                 "the first) and the retrieval repeated, as many as the fall of the "
                 "standard error says are needed, within TIME_BUDGET. It stops early where "
                 "the image's own noise, not the trace, limits the precision. 0: trace "
                 "SAMPLES once. The log and report say which standard error was reached.")
        self.add(QgsProcessingParameterNumber("TIME_BUDGET", tr("Time budget (s)"),
                                              QgsProcessingParameterNumber.Double,
                                              defaultValue=120.0, minValue=0.0),
                 "Seconds of tracing and retrieval adaptive sampling may spend in all: no "
                 "round of more samples is started that would end after it.", advanced=True)
        add_memory_parameter(self)
        self.add(QgsProcessingParameterNumber("TILE_SIZE", tr("Tile size (pixels)"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=0, minValue=0),
                 "0 (default): automatic, trace by trace. Each image and each round of "
                 "adaptive sampling is traced whole unless its memory estimate (a few pilot "
                 "pixels, before tracing), with the traces already held, is above MAX_MEMORY; "
                 "then in tiles sized to fit (a multiple of 16 pixels, at least 32), said in "
                 "the log. Otherwise every trace runs in tiles of this many pixels square, "
                 "each with only the mock-up triangles within a halo of tallest height x "
                 "(tan(max(sun, view zenith)) + 1) around it, as Dask tasks; the tiles' traces "
                 "are joined into one per image and pooled round by round as untiled ones, so "
                 "the retrieval sees every image whole.",
                 advanced=True)
        add_scheduler_parameter(self)
        self.add(QgsProcessingParameterFileDestination("OUTPUT", tr("Retrieved values"),
                                                       fileFilter="CSV (*.csv)"),
                 "CSV, one row per value: element, zone, mode (free, fixed, prospect), "
                 "quantity (r, t, albedo r + t or a PROSPECT parameter), band, value, std "
                 "(standard error; empty where not estimable), low95 and high95 (95 % "
                 "interval; one-sided at a bound), prior, status (ok, at bound, weakly "
                 "identified, constrained, unidentifiable, derived, fixed), trades_with (the "
                 "quantities a weak one is correlated with).")
        self.add(QgsProcessingParameterRasterDestination("SIMULATED", tr("Simulated image"),
                                                         optional=True, createByDefault=True),
                 "IMAGE simulated with the retrieved values (NoData where unused).")
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"),
                                                       fileFilter="HTML (*.html)",
                                                       optional=True, createByDefault=True),
                 "HTML report: loss history, retrieved versus prior spectra with uncertainty, "
                 "95 % intervals and status per quantity, the r/t constraint used, the "
                 "starts, the loss over the worst-identified pair, correlation matrix, "
                 "residual maps.")
        self.add(QgsProcessingParameterFileDestination("CORRELATION", tr("Correlation matrix"),
                                                       fileFilter="CSV (*.csv)", optional=True,
                                                       createByDefault=False),
                 "CSV of the correlation between every pair of retrieved parameters.")
        self.add_output(QgsProcessingOutputNumber("RMSE", tr("Final image RMSE")),
                        "Root mean squared difference between simulated and observed images.")
        self.add_output(QgsProcessingOutputNumber("ITERATIONS", tr("Iterations")),
                        "L-BFGS-B iterations run.")

    # ----------------------------------------------------------------------------------
    def _zones(self, parameters, context, layer_crs, grids):
        from ..core.retrieve.zones import zones_from_polygons, zones_from_raster

        zones_layer = self.parameterAsLayer(parameters, "ZONES", context)
        if zones_layer is None:
            return None, [None] * len(grids)
        if isinstance(zones_layer, QgsRasterLayer):
            raster = read_raster(zones_layer.source())
            return zones_from_raster(raster.data[0], raster.valid[0], raster.geotransform,
                                     grids)
        if not isinstance(zones_layer, QgsVectorLayer):
            raise QgsProcessingException(tr("ZONES must be a raster or a polygon layer"))
        field = self.parameterAsString(parameters, "ZONE_FIELD", context)
        if not field or zones_layer.fields().indexFromName(field) < 0:
            raise QgsProcessingException(tr(
                "ZONES is a polygon layer: ZONE_FIELD must name one of its fields (got "
                "'{0}')").format(field))
        transform = QgsCoordinateTransform(zones_layer.crs(), layer_crs,
                                           context.transformContext())
        shapes = []
        for feature in zones_layer.getFeatures():
            geometry = feature.geometry()
            if geometry.isEmpty() or feature[field] is None:
                continue
            geometry.transform(transform)
            shapes.append((str(feature[field]), bytes(geometry.asWkb())))
        if not shapes:
            raise QgsProcessingException(tr("ZONES has no polygon with a zone label"))
        return zones_from_polygons(shapes, grids, layer_crs.toWkt())

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        return run_staged(lambda staged: self.run_staged(parameters, context, feedback, staged),
                          feedback)

    def run_staged(self, parameters, context, feedback, staged):
        """The run, every output written to ``staged`` (moved in by ``run_staged``)."""
        from ..core.html_report import write_atomic
        from ..core.retrieve import prospect
        from ..core.retrieve.constraints import rt_bounds
        from ..core.retrieve.model import FIXED, PROSPECT, RetrievalError
        from ..core.retrieve.report import correlation_csv, result_csv, result_html
        from ..core.retrieve.run import Acquisition, run_retrieve
        from ..core.simulate import Geometry, check_overlap

        layer = self.parameterAsRasterLayer(parameters, self.IMAGE, context)
        if layer is None:
            raise QgsProcessingException(tr("IMAGE is not a raster layer QGIS can open."))
        label = f"IMAGE {layer.name()}"
        raster, grid, image, valid = read_reflectance_image(self, parameters, context,
                                                            feedback, layer, label)
        bands = raster.band_names
        skyl = parse_skyl(self, parameters, context, bands)
        angles = geometry_angles(self, parameters, context, feedback,
                                 self.parameterAsFile(parameters, "METADATA", context))
        try:
            geometries = [Geometry(**angles)]
            extra_layers = self.parameterAsLayerList(parameters, "IMAGES_EXTRA", context)
            extra_geometries = parse_geometries(
                self.parameterAsString(parameters, "GEOMETRIES_EXTRA", context),
                len(extra_layers))
            geometries += [Geometry(*g) for g in extra_geometries]
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        images, labels = [(layer.name(), grid, image, valid)], [label]
        for extra, extra_angles in zip(extra_layers, extra_geometries, strict=True):
            extra_label = f"IMAGES_EXTRA {extra.name()}"
            other, other_grid, other_image, other_valid = read_reflectance_image(
                self, parameters, context, feedback, extra, extra_label)
            if other.band_names != bands:
                raise QgsProcessingException(tr(
                    "IMAGES_EXTRA {0} has bands {1}; "
                    "IMAGE has {2}: they must be the same")
                    .format(extra.name(), ', '.join(other.band_names), ', '.join(bands)))
            feedback.pushInfo(tr("Angles used for {0}: sun zenith {1:g}, sun azimuth {2:g}, "
                                 "view zenith {3:g}, view azimuth {4:g} (GEOMETRIES_EXTRA)")
                              .format(extra_label, *extra_angles))
            images.append((extra.name(), other_grid, other_image, other_valid))
            labels.append(extra_label)
        zone_names, zone_maps = self._zones(parameters, context, layer.crs(),
                                            [g for _, g, _, _ in images])

        scene = load_scene(self.parameterAsFile(parameters, self.MOCKUP, context),
                           self.parameterAsFile(parameters, self.ELEMENTS, context), feedback)
        check_scene_bands(scene, bands, label, table_ops=False, columns_optional=True)
        try:
            for image_label, (_, image_grid, *_) in zip(labels, images, strict=True):
                check_overlap(scene, image_grid, image_label)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        modes = {}
        fixed = parse_names(self.parameterAsString(parameters, "FIXED_ELEMENTS", context))
        leaves = parse_names(self.parameterAsString(parameters, "PROSPECT_ELEMENTS", context))
        for name in fixed:
            modes[name] = FIXED
        for name in leaves:
            if name in modes:
                raise QgsProcessingException(tr("element '{0}' is both fixed and a "
                                                "PROSPECT leaf").format(name))
            modes[name] = PROSPECT
        try:
            for name in fixed:
                if name in scene.elements.names:
                    element = scene.elements.elements[scene.elements.index(name)]
                    missing = [b for b in bands if b not in element.op]
                    if missing:
                        raise RetrievalError(
                            f"fixed element '{name}' has no value for band(s) "
                            f"{', '.join(missing)} in the element table")
            prospect_free = prospect.parse_names(
                self.parameterAsString(parameters, "PROSPECT_PARAMETERS", context))
            prospect_start = prospect.parse_values(
                self.parameterAsString(parameters, "PROSPECT_START", context))
            rt_kind = RT_CONSTRAINTS[self.parameterAsEnum(parameters, "RT_CONSTRAINT",
                                                          context)]
            ratio_range = None
            if rt_kind == "range":
                ratio_range = _parse_range(self.parameterAsString(parameters, "RT_RANGE",
                                                                  context))
            bounds, constraint_notes = rt_bounds(
                rt_kind, scene, bands, modes,
                parse_names(self.parameterAsString(parameters, "RT_ELEMENTS", context))
                or None, ratio_range)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None

        skyls = [skyl] + parse_extra_skyl(
            self.parameterAsString(parameters, "SKYL_EXTRA", context), len(extra_layers),
            len(bands), skyl)
        targets = reserve_outputs(staged, {
            key: self.parameterAsFileOutput(parameters, key, context)
            for key in ("OUTPUT", "REPORT", "CORRELATION")} | {
            "SIMULATED": self.parameterAsOutputLayer(parameters, "SIMULATED", context)})
        acquisitions = [Acquisition(g, geometry, im, ok, image_skyl, zones, name)
                        for (name, g, im, ok), geometry, zones, image_skyl
                        in zip(images, geometries, zone_maps, skyls, strict=True)]
        acquisitions = [surface_acquisition(self, parameters, context, feedback, a, bands)
                        for a in acquisitions]
        samples = self.parameterAsInt(parameters, "SAMPLES", context)
        seed = self.parameterAsInt(parameters, "SEED", context)
        progress = FeedbackProgress(feedback, 0, 95)
        weighting = WEIGHTINGS[self.parameterAsEnum(parameters, "WEIGHTING", context)]
        try:
            result, _ = run_retrieve(
                scene, acquisitions, bands, samples=samples, seed=seed,
                periodic=BOUNDARIES[self.parameterAsEnum(parameters, "BOUNDARY", context)]
                == "periodic",
                progress=progress, is_canceled=progress.is_canceled, modes=modes,
                zone_names=zone_names, prospect_free=prospect_free,
                prospect_start=prospect_start, weighting=weighting,
                smoothness=self.parameterAsDouble(parameters, "SMOOTHNESS", context),
                max_iterations=self.parameterAsInt(parameters, "MAX_ITERATIONS", context),
                rt_bounds=bounds, constraints=constraint_notes,
                starts=self.parameterAsInt(parameters, "STARTS", context),
                intervals=INTERVAL_METHODS[self.parameterAsEnum(parameters, "INTERVALS",
                                                                context)],
                landscape=bool(self.parameterAsFileOutput(parameters, "REPORT", context)),
                precision=self.parameterAsDouble(parameters, "PRECISION", context),
                time_budget=self.parameterAsDouble(parameters, "TIME_BUDGET", context),
                log=feedback.pushInfo,
                tile_size=self.parameterAsInt(parameters, "TILE_SIZE", context) or None,
                scheduler=self.parameterAsString(parameters, "SCHEDULER", context),
                max_memory=memory_limit(self, parameters, context))
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        for warning in result.warnings:
            feedback.pushWarning(warning)
        feedback.pushInfo(tr(
            "Traced {0} geometries in {1:.1f} s; "
            "{2} iterations ({3} evaluations) in "
            "{4:.1f} s: {5}; image RMSE {6:.4g}")
            .format(len(acquisitions), result.trace_seconds, result.iterations, result.evaluations,
                    result.seconds, result.message, result.rmse))

        outputs = {"RMSE": result.rmse, "ITERATIONS": result.iterations}
        check = functools.partial(checked_write, feedback)
        check("OUTPUT")
        write_atomic(result_csv(result), targets["OUTPUT"])
        outputs["OUTPUT"] = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        simulated = self.parameterAsOutputLayer(parameters, "SIMULATED", context)
        if simulated:
            check("SIMULATED")
            write_raster(targets["SIMULATED"], result.simulated[0],
                         np.isfinite(result.simulated[0]), grid.geotransform, raster.crs_wkt,
                         bands)
            outputs["SIMULATED"] = simulated
        correlation = self.parameterAsFileOutput(parameters, "CORRELATION", context)
        if correlation:
            check("CORRELATION")
            write_atomic(correlation_csv(result), targets["CORRELATION"])
            outputs["CORRELATION"] = correlation
        report = self.parameterAsFileOutput(parameters, "REPORT", context)
        if report:
            settings = {
                "images": ", ".join(os.path.basename(n) for n, *_ in images),
                "geometries (sun zenith, azimuth, view zenith, azimuth)": "; ".join(
                    f"{g.sun_zenith:g}, {g.sun_azimuth:g}, {g.view_zenith:g}, "
                    f"{g.view_azimuth:g}" for g in geometries),
                "modes": ", ".join(f"{n}: {m}" for n, m in zip(result.element_names,
                                                                result.modes, strict=True)),
                "zones": ", ".join(result.zone_names), "samples per pixel": result.samples,
                "adaptive sampling": _sampling_text(result.sampling, samples),
                "seed": seed, "weighting": weighting, "leaf r/t constraint": rt_kind,
                "SKYL": ", ".join(f"{v:g}" for v in skyl),
                "SKYL of extra images": "; ".join(
                    ", ".join(f"{v:g}" for v in extra_skyl)
                    for extra_skyl in skyls[1:]) or "-",
                "tracing time (s)": round(result.trace_seconds, 2),
            }
            check("REPORT")
            write_atomic(result_html(result, [im for _, _, im, _ in images],
                                     [n for n, *_ in images], settings), targets["REPORT"])
            outputs["REPORT"] = report
        feedback.setProgress(100)
        return outputs
