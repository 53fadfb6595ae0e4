"""unmix3d:retrieve — 3D-Diff-style retrieval: scene-wide (or zone-wide) leaf reflectance and
transmittance, soil and understory spectra, or PROSPECT leaf biochemistry, from one or more
images of a scene whose 3D structure is known."""

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
    FeedbackProgress,
    add_atmosphere_parameters,
    add_geometry_parameters,
    add_reflectance_parameters,
    add_sampling_parameters,
    add_scene_parameters,
    load_scene,
    parse_skyl,
    parse_values,
    surface_acquisition,
)
from .i18n import tr

WEIGHTINGS = ["none", "stderr"]


def parse_names(text: str) -> list[str]:
    return [n.strip() for n in str(text or "").replace(";", ",").split(",") if n.strip()]


def parse_geometries(text: str, count: int) -> list[tuple[float, float, float, float]]:
    """"sz,sa,vz,va;sz,sa,vz,va" -> one (sun zenith, sun azimuth, view zenith, view
    azimuth) per extra image."""
    items = [g for g in str(text or "").split(";") if g.strip()]
    if len(items) != count:
        raise QgsProcessingException(tr(
            f"GEOMETRIES_EXTRA gives {len(items)} geometries but IMAGES_EXTRA has {count} "
            f"images: write one 'sun_zenith,sun_azimuth,view_zenith,view_azimuth' per extra "
            f"image, separated by ';'"))
    out = []
    for item in items:
        try:
            values = tuple(float(v) for v in item.split(","))
        except ValueError:
            values = ()
        if len(values) != 4:
            raise QgsProcessingException(tr(
                f"GEOMETRIES_EXTRA entry '{item.strip()}' must be four numbers: sun zenith, "
                f"sun azimuth, view zenith, view azimuth (degrees)"))
        out.append(values)
    return out


def parse_extra_skyl(text: str, count: int, bands: int, shared) -> list:
    """"v;v1,...,vn;..." -> one skylight ratio array per extra image; empty: ``shared``."""
    items = [item for item in str(text or "").split(";") if item.strip()]
    if not items:
        return [shared] * count
    if len(items) != count:
        raise QgsProcessingException(tr(
            f"SKYL_EXTRA gives {len(items)} entries but IMAGES_EXTRA has {count} images: "
            f"write one value, or one per band, per extra image, separated by ';'"))
    return [parse_values(item, bands, f"SKYL_EXTRA entry {k + 1}")
            for k, item in enumerate(items)]


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
        "Reports retrieved values with standard errors, the correlation between parameters "
        "(what the images cannot separate) and the loss history."
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
        add_geometry_parameters(self)
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
        add_sampling_parameters(self, samples=128)
        self.add(QgsProcessingParameterFileDestination("OUTPUT", tr("Retrieved values"),
                                                       fileFilter="CSV (*.csv)"),
                 "CSV, one row per value: element, zone, mode (free, fixed, prospect), "
                 "quantity (r, t or a PROSPECT parameter), band, value, std (standard error; "
                 "empty where not estimable), prior, status (ok, at bound, unidentifiable, "
                 "derived, fixed).")
        self.add(QgsProcessingParameterRasterDestination("SIMULATED", tr("Simulated image"),
                                                         optional=True, createByDefault=True),
                 "IMAGE simulated with the retrieved values (NoData where unused).")
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"),
                                                       fileFilter="HTML (*.html)",
                                                       optional=True, createByDefault=True),
                 "HTML report: loss history, retrieved versus prior spectra with uncertainty, "
                 "correlation matrix, residual maps.")
        self.add(QgsProcessingParameterFileDestination("CORRELATION", tr("Correlation matrix"),
                                                       fileFilter="CSV (*.csv)", optional=True,
                                                       createByDefault=False),
                 "CSV of the correlation between every pair of retrieved parameters.")
        self.add_output(QgsProcessingOutputNumber("RMSE", tr("Final image RMSE")),
                        "Root mean squared difference between simulated and observed images.")
        self.add_output(QgsProcessingOutputNumber("ITERATIONS", tr("Iterations")),
                        "L-BFGS-B iterations run.")

    # ----------------------------------------------------------------------------------
    def _image(self, source: str, name: str, scale, offset, feedback):
        from ..core.sentinel2 import surface_reflectance
        from ..core.simulate import PixelGrid

        try:
            raster = read_raster(source)
            grid = PixelGrid.from_geotransform(raster.geotransform, *raster.shape)
            image, valid, notes = surface_reflectance(raster.data, raster.valid,
                                                      raster.band_names, scale, offset, name)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        for note in notes:
            feedback.pushWarning(note)
        if not valid.any():
            raise QgsProcessingException(tr(f"{name} has no pixel valid in every band"))
        return raster, grid, image, valid

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
                f"ZONES is a polygon layer: ZONE_FIELD must name one of its fields (got "
                f"'{field}')"))
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
        from ..core.html_report import write_atomic
        from ..core.retrieve import prospect
        from ..core.retrieve.model import FIXED, PROSPECT, RetrievalError
        from ..core.retrieve.report import correlation_csv, result_csv, result_html
        from ..core.retrieve.run import Acquisition, run_retrieve
        from ..core.simulate import Canceled, Geometry

        layer = self.parameterAsRasterLayer(parameters, self.IMAGE, context)
        if layer is None:
            raise QgsProcessingException(tr("IMAGE is not a raster layer QGIS can open."))
        scale = self.parameterAsDouble(parameters, "SCALE", context)
        offset = self.parameterAsDouble(parameters, "OFFSET", context)
        raster, grid, image, valid = self._image(layer.source(), f"IMAGE {layer.name()}",
                                                 scale, offset, feedback)
        bands = raster.band_names
        skyl = parse_skyl(self, parameters, context, bands)
        try:
            geometries = [Geometry(*(self.parameterAsDouble(parameters, n, context) for n in
                                     ("SUN_ZENITH", "SUN_AZIMUTH", "VIEW_ZENITH",
                                      "VIEW_AZIMUTH")))]
            extra_layers = self.parameterAsLayerList(parameters, "IMAGES_EXTRA", context)
            extra_geometries = parse_geometries(
                self.parameterAsString(parameters, "GEOMETRIES_EXTRA", context),
                len(extra_layers))
            geometries += [Geometry(*g) for g in extra_geometries]
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        images = [(layer.name(), grid, image, valid)]
        for extra in extra_layers:
            other, other_grid, other_image, other_valid = self._image(
                extra.source(), f"IMAGES_EXTRA {extra.name()}", scale, offset, feedback)
            if other.band_names != bands:
                raise QgsProcessingException(tr(
                    f"IMAGES_EXTRA {extra.name()} has bands {', '.join(other.band_names)}; "
                    f"IMAGE has {', '.join(bands)}: they must be the same"))
            images.append((extra.name(), other_grid, other_image, other_valid))
        zone_names, zone_maps = self._zones(parameters, context, layer.crs(),
                                            [g for _, g, _, _ in images])

        scene = load_scene(self.parameterAsFile(parameters, self.MOCKUP, context),
                           self.parameterAsFile(parameters, self.ELEMENTS, context), feedback)
        modes = {}
        fixed = parse_names(self.parameterAsString(parameters, "FIXED_ELEMENTS", context))
        leaves = parse_names(self.parameterAsString(parameters, "PROSPECT_ELEMENTS", context))
        for name in fixed:
            modes[name] = FIXED
        for name in leaves:
            if name in modes:
                raise QgsProcessingException(tr(f"element '{name}' is both fixed and a "
                                                f"PROSPECT leaf"))
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
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None

        skyls = [skyl] + parse_extra_skyl(
            self.parameterAsString(parameters, "SKYL_EXTRA", context), len(extra_layers),
            len(bands), skyl)
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
                max_iterations=self.parameterAsInt(parameters, "MAX_ITERATIONS", context))
        except Canceled:
            raise QgsProcessingException(tr("Canceled: nothing was written.")) from None
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        for warning in result.warnings:
            feedback.pushWarning(warning)
        feedback.pushInfo(tr(
            f"Traced {len(acquisitions)} geometries in {result.trace_seconds:.1f} s; "
            f"{result.iterations} iterations ({result.evaluations} evaluations) in "
            f"{result.seconds:.1f} s: {result.message}; image RMSE {result.rmse:.4g}"))

        outputs = {"RMSE": result.rmse, "ITERATIONS": result.iterations}
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        write_atomic(result_csv(result), path)
        outputs["OUTPUT"] = path
        simulated = self.parameterAsOutputLayer(parameters, "SIMULATED", context)
        if simulated:
            outputs["SIMULATED"] = write_raster(
                simulated, result.simulated[0], np.isfinite(result.simulated[0]),
                grid.geotransform, raster.crs_wkt, bands)
        correlation = self.parameterAsFileOutput(parameters, "CORRELATION", context)
        if correlation:
            write_atomic(correlation_csv(result), correlation)
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
                "zones": ", ".join(result.zone_names), "samples per pixel": samples,
                "seed": seed, "weighting": weighting,
                "SKYL": ", ".join(f"{v:g}" for v in skyl),
                "SKYL of extra images": "; ".join(
                    ", ".join(f"{v:g}" for v in extra_skyl)
                    for extra_skyl in skyls[1:]) or "-",
                "tracing time (s)": round(result.trace_seconds, 2),
            }
            write_atomic(result_html(result, [im for _, _, im, _ in images],
                                     [n for n, *_ in images], settings), report)
            outputs["REPORT"] = report
        feedback.setProgress(100)
        return outputs
