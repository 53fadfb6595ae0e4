"""unmix3d:compare — band-by-band comparison of two images (Sentinel-2 vs PlanetScope, or a
simulated image vs the satellite image it simulates).

The grid helpers at the top use GDAL only (no QGIS); the algorithm class reads parameters,
calls them and ``core.compare``, and writes the outputs.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace

import numpy as np
from osgeo import gdal
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QUrl

from ..core.compare import (
    band_pair_metrics,
    class_error_table,
    comparison_report,
    get_sensor,
    map_layer_bands,
    pair_bands,
    relative_error_maps,
    sensor_names,
    write_atomic,
)
from ..core.compare.grid import (
    band_descriptions,
    common_grid,
    grid_in_crs,
    open_raster,
    warp_to_grid,
)
from ..core.raster_io import write_raster
from .base import Unmix3DAlgorithm
from .i18n import tr

gdal.UseExceptions()

def csv_text(header: list[str], rows: list[list]) -> str:
    def cell(value):
        if isinstance(value, float):
            return "" if not math.isfinite(value) else f"{value:.9g}"
        return value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def iqr_stats(values: np.ndarray) -> tuple[float, float, float]:
    values = values[np.isfinite(values)]
    if not values.size:
        return math.nan, math.nan, math.nan
    q25, q50, q75 = np.percentile(values, [25, 50, 75])
    return float(values.mean()), float(q50), float(q75 - q25)


# --------------------------------------------------------------------------- algorithm


class CompareAlgorithm(Unmix3DAlgorithm):
    NAME = "compare"
    LABEL = "Compare two images band by band"
    GROUP = "Image tools"
    GROUP_ID = "imagetools"
    REQUIRES = ("imagehash",)
    DESCRIPTION = (
        "Compares two surface-reflectance images band pair by band pair, as in the "
        "Sentinel-2 / PlanetScope validation of US-DART: absolute mean difference (AMD), mean "
        "and median residual (B - A), both medians, five perceptual-hash similarities and "
        "their sum, residual maps and an HTML report. Image A is reprojected into image B's "
        "CRS with GDAL (nearest neighbour) and the coarser image is put onto the finer "
        "image's grid by pixel duplication (nearest neighbour), over the area both cover. "
        "Pixels that are NoData in any compared band of either image are left out of every "
        "statistic, map and plot. Bands are paired by overlapping spectral response, in "
        "order when a side has no sensor, or by hand. In 'simulated vs satellite' mode A is "
        "the satellite image and B the simulation, and the relative error |B - A| / A is "
        "summarised per element class from the simulation's fractions."
    )

    IMAGE_A = "IMAGE_A"
    IMAGE_B = "IMAGE_B"
    SENSOR_A = "SENSOR_A"
    SENSOR_B = "SENSOR_B"
    BAND_PAIRS = "BAND_PAIRS"
    SCALE_A = "SCALE_A"
    OFFSET_A = "OFFSET_A"
    SCALE_B = "SCALE_B"
    OFFSET_B = "OFFSET_B"
    MODE = "MODE"
    FRACTIONS = "FRACTIONS"
    DOMINANCE = "DOMINANCE"
    DISTRIBUTION = "DISTRIBUTION"
    TABLE = "TABLE"
    RESIDUALS = "RESIDUALS"
    RELATIVE_ERRORS = "RELATIVE_ERRORS"
    REPORT = "REPORT"

    SENSOR_IDS = [None, *sensor_names()]

    def declare(self):
        sensors = [tr("Bands in order, no sensor")] + [
            get_sensor(s).name for s in self.SENSOR_IDS[1:]
        ]
        self.add(
            QgsProcessingParameterRasterLayer(self.IMAGE_A, tr("Image A (reference)")),
            "The reference image (in 'simulated vs satellite' mode: the satellite image). "
            "Any CRS and resolution; it is reprojected into image B's CRS.",
        )
        self.add(
            QgsProcessingParameterRasterLayer(self.IMAGE_B, tr("Image B")),
            "The image compared with A (in 'simulated vs satellite' mode: the simulated "
            "image). Its CRS is the CRS of every output.",
        )
        for name, label, default in (
            (self.SENSOR_A, tr("Sensor of image A"), "sentinel2"),
            (self.SENSOR_B, tr("Sensor of image B"), "planetscope_superdove"),
        ):
            self.add(
                QgsProcessingParameterEnum(
                    name, label, sensors, defaultValue=self.SENSOR_IDS.index(default)
                ),
                "The sensor whose band definitions the image's bands follow. Bands are "
                "recognised by their names (B4, B04, red, ...) or, when unnamed, by the "
                "product's band order (12 bands = Sentinel-2 L2A without B10, 8 bands = "
                "SuperDove). 'Bands in order, no sensor' compares band 1 with band 1 and so on.",
            )
        self.add(
            QgsProcessingParameterString(
                self.BAND_PAIRS, tr("Band pairs (optional)"), optional=True
            ),
            "Pairs written as A:B separated by commas, e.g. 'B2:2,B3:4' (band names or "
            "numbers of each sensor, or positions without a sensor). Empty: bands whose "
            "spectral responses overlap are paired automatically (B8A, not B8, with NIR).",
        )
        for scale, offset, which in (
            (self.SCALE_A, self.OFFSET_A, "A"),
            (self.SCALE_B, self.OFFSET_B, "B"),
        ):
            self.add(
                QgsProcessingParameterNumber(
                    scale, tr("Scale of image {0}").format(which),
                    QgsProcessingParameterNumber.Double, defaultValue=1.0,
                ),
                "Reflectance = value x scale + offset. Sentinel-2 L2A: 0.0001 (offset -0.1 "
                "since processing baseline 04.00); PlanetScope surface reflectance: 0.0001; "
                "1 for images already in reflectance.",
            )
            self.add(
                QgsProcessingParameterNumber(
                    offset, tr("Offset of image {0}").format(which),
                    QgsProcessingParameterNumber.Double, defaultValue=0.0,
                ),
                "Added after scaling: reflectance = value x scale + offset (Sentinel-2 L2A "
                "since baseline 04.00: -0.1).",
            )
        self.add(
            QgsProcessingParameterEnum(
                self.MODE, tr("Mode"), [tr("Two images"), tr("Simulated vs satellite")],
                defaultValue=0,
            ),
            "'Two images': metrics, residuals and report. 'Simulated vs satellite': also the "
            "relative error |B - A| / A per band (RELATIVE_ERRORS) and its mean, median and "
            "IQR over all pixels and per element class (FRACTIONS) in TABLE and the report.",
        )
        self.add(
            QgsProcessingParameterRasterLayer(
                self.FRACTIONS, tr("Element fractions (optional)"), optional=True
            ),
            "Simulated vs satellite only: one band per element (band descriptions = element "
            "names), each pixel's fraction of that element, as written by unmix3d:simulate. "
            "Brought onto the comparison grid (nearest neighbour, or average when finer).",
        )
        self.add(
            QgsProcessingParameterNumber(
                self.DOMINANCE, tr("Dominance threshold"), QgsProcessingParameterNumber.Double,
                defaultValue=0.5, minValue=0.01, maxValue=1.0,
            ),
            "A pixel belongs to an element class when that element's fraction is at least "
            "this (0.5: dominant element; 0.9: nearly pure pixels).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterEnum(
                self.DISTRIBUTION, tr("Distribution plots"), [tr("Box plots"), tr("Violin plots")],
                defaultValue=0,
            ),
            "How the report draws each band's reflectance distributions (values above 1, "
            "specular reflection, are left out of the plots and counted).",
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.TABLE, tr("Metrics table"), tr("CSV files (*.csv)")
            ),
            "CSV, one row per band pair: band_pair, band_a, band_b, n_valid, amd, "
            "mean_residual, median_residual (B - A), median_a, median_b, five hash_* "
            "similarities and hash_sum. In 'simulated vs satellite' mode also an element "
            "column (rows 'all' and one per element class) and rel_error_mean, "
            "rel_error_median, rel_error_iqr (fractions, not percent). Loaded as a table.",
        )
        self.add(
            QgsProcessingParameterRasterDestination(self.RESIDUALS, tr("Residuals (B - A)")),
            "One band per band pair (band description = the pair's label, e.g. B8A-NIR) on "
            "the comparison grid in image B's CRS, NoData where left out.",
        )
        self.add(
            QgsProcessingParameterRasterDestination(
                self.RELATIVE_ERRORS, tr("Relative errors |B - A| / A"), optional=True,
                createByDefault=True,
            ),
            "Simulated vs satellite only: one band per band pair, relative error as a "
            "fraction, NoData where A <= 0 or left out.",
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.REPORT, tr("HTML report"), tr("HTML files (*.html)")
            ),
            "A single self-contained HTML file: metrics table, hash and AMD charts, "
            "distributions, residual maps, true-colour composites and, in 'simulated vs "
            "satellite' mode, the per-element relative errors.",
        )

    # ------------------------------------------------------------------- run
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        layer_a = self._layer(parameters, self.IMAGE_A, context)
        layer_b = self._layer(parameters, self.IMAGE_B, context)
        simulated = self.parameterAsEnum(parameters, self.MODE, context) == 1
        try:
            ds_a = open_raster(layer_a.source(), self.IMAGE_A)
            ds_b = open_raster(layer_b.source(), self.IMAGE_B)
            pairs = self._pairs(parameters, context, ds_a, ds_b)
            grid_b = grid_in_crs(ds_b, ds_b.GetProjection(), self.IMAGE_B)
            grid_a = grid_in_crs(ds_a, ds_b.GetProjection(), self.IMAGE_A)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        found = common_grid(grid_a, grid_b)
        if found is None:
            raise QgsProcessingException(
                tr("IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into "
                   "IMAGE_B's CRS).")
            )
        grid, finer = found
        feedback.pushInfo(
            tr("Comparison grid: {0} x {1} pixels of {2:g} x {3:g} CRS units (the grid of "
               "image {4}), in image B's CRS; {5} band pair(s): {6}.").format(
                grid.width, grid.height, grid.geotransform[1], -grid.geotransform[5], finer,
                len(pairs), ", ".join(p.label for p in pairs))
        )
        feedback.setProgress(5)
        stack_a = self._reflectance(parameters, context, ds_a, grid, pairs, "A")
        stack_b = self._reflectance(parameters, context, ds_b, grid, pairs, "B")
        valid = self._valid(stack_a, stack_b, pairs)
        feedback.setProgress(20)

        metrics = []
        for k, pair in enumerate(pairs):
            self._stop_if_cancelled(feedback)
            metrics.append(band_pair_metrics(stack_a[k], stack_b[k], ~valid, pair.label))
            feedback.setProgress(20 + 50 * (k + 1) / len(pairs))
        local_pairs = [replace(p, index_a=k, index_b=k) for k, p in enumerate(pairs)]
        residuals = np.where(valid, stack_b - stack_a, np.nan)

        relative = class_rows = None
        if simulated:
            relative = relative_error_maps(stack_b, stack_a, ~valid)
            class_rows = self._class_rows(parameters, context, grid, relative, pairs)
        elif self.parameterAsRasterLayer(parameters, self.FRACTIONS, context) is not None:
            feedback.pushWarning(tr("FRACTIONS is used only in 'simulated vs satellite' mode."))
        feedback.setProgress(75)

        self._stop_if_cancelled(feedback)
        html = comparison_report(
            stack_a, stack_b, local_pairs, metrics, ~valid,
            name_a=layer_a.name(), name_b=layer_b.name(),
            title="Unmix3D: simulated vs satellite image" if simulated
            else "Unmix3D image comparison",
            class_errors=class_rows,
            distribution=("box", "violin")[
                self.parameterAsEnum(parameters, self.DISTRIBUTION, context)],
            notes=[f"Comparison grid: {grid.width} x {grid.height} pixels of "
                   f"{grid.geotransform[1]:g} CRS units (image {finer}'s grid) in image B's "
                   "CRS; image A reprojected with GDAL nearest neighbour, the coarser image "
                   "duplicated onto the finer grid. Pixels NoData in any compared band of "
                   "either image left out everywhere."],
        )
        table = self._table(pairs, metrics, relative, class_rows)
        feedback.setProgress(90)
        self._stop_if_cancelled(feedback)
        return self._write(parameters, context, grid, pairs, residuals, relative, table, html)

    # ------------------------------------------------------------------- helpers
    def _layer(self, parameters, name, context):
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            raise QgsProcessingException(tr("{0} is not a raster layer QGIS can open.").format(
                name))
        return layer

    @staticmethod
    def _stop_if_cancelled(feedback):
        if feedback.isCanceled():
            raise QgsProcessingException(tr("Cancelled: no output was written."))

    def _pairs(self, parameters, context, ds_a, ds_b):
        bands = []
        for ds, name, param in ((ds_a, self.IMAGE_A, self.SENSOR_A),
                                (ds_b, self.IMAGE_B, self.SENSOR_B)):
            sensor = self.SENSOR_IDS[self.parameterAsEnum(parameters, param, context)]
            try:
                bands.append(map_layer_bands(sensor, band_descriptions(ds)))
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        text = self.parameterAsString(parameters, self.BAND_PAIRS, context).strip()
        try:
            pairs = pair_bands(bands[0], bands[1], text or None)
        except ValueError as error:
            raise ValueError(f"{self.BAND_PAIRS}: {error}" if text else str(error)) from None
        if not pairs:
            raise ValueError(tr("No band pair to compare; give BAND_PAIRS, e.g. 'B2:2'."))
        return pairs

    def _reflectance(self, parameters, context, ds, grid, pairs, which):
        scale = self.parameterAsDouble(parameters, f"SCALE_{which}", context)
        offset = self.parameterAsDouble(parameters, f"OFFSET_{which}", context)
        if scale == 0:
            raise QgsProcessingException(tr("SCALE_{0} must not be 0.").format(which))
        bands = [(p.index_a if which == "A" else p.index_b) + 1 for p in pairs]
        try:
            return warp_to_grid(ds, grid, bands) * scale + offset
        except ValueError as error:
            raise QgsProcessingException(f"IMAGE_{which}: {error}") from None

    def _valid(self, stack_a, stack_b, pairs):
        """Pixels valid in every compared band of both images; named errors otherwise."""
        finite_a, finite_b = np.isfinite(stack_a), np.isfinite(stack_b)
        foot_a, foot_b = finite_a.any(axis=0), finite_b.any(axis=0)
        if not (foot_a & foot_b).any():
            raise QgsProcessingException(
                tr("IMAGE_A and IMAGE_B do not overlap (after reprojecting IMAGE_A into "
                   "IMAGE_B's CRS): no pixel holds data in both images.")
            )
        for k, pair in enumerate(pairs):
            for finite, foot, band, name in ((finite_a, foot_b, pair.band_a, self.IMAGE_A),
                                             (finite_b, foot_a, pair.band_b, self.IMAGE_B)):
                if not (finite[k] & foot).any():
                    raise QgsProcessingException(
                        tr("Band {0} of {1} is all NoData where the images overlap.").format(
                            band.label, name)
                    )
        valid = finite_a.all(axis=0) & finite_b.all(axis=0)
        if not valid.any():
            raise QgsProcessingException(
                tr("No pixel is valid in every compared band of both images (their NoData "
                   "areas cover the whole overlap).")
            )
        return valid

    def _class_rows(self, parameters, context, grid, relative, pairs):
        layer = self.parameterAsRasterLayer(parameters, self.FRACTIONS, context)
        if layer is None:
            return None
        try:
            ds = open_raster(layer.source(), self.FRACTIONS)
            own = grid_in_crs(ds, grid.crs_wkt, self.FRACTIONS)
            fractions = warp_to_grid(
                ds, grid, resampling="average" if own.pixel_area < grid.pixel_area else "near"
            )
            names = [d or f"element {i + 1}" for i, d in enumerate(band_descriptions(ds))]
            threshold = self.parameterAsDouble(parameters, self.DOMINANCE, context)
            return class_error_table(
                relative, fractions, names, [p.label for p in pairs], threshold
            )
        except ValueError as error:
            raise QgsProcessingException(f"{self.FRACTIONS}: {error}") from None

    @staticmethod
    def _table(pairs, metrics, relative, class_rows):
        header = ["band_pair", "band_a", "band_b"]
        base = [[p.label, p.band_a.label, p.band_b.label] for p in pairs]
        values = []
        for m in metrics:
            row = m.as_dict()
            del row["label"]
            values.append(row)
        fields = list(values[0])
        if relative is None:
            return csv_text(header + fields, [b + list(v.values()) for b, v in zip(
                base, values, strict=True)])
        rel = ["rel_error_mean", "rel_error_median", "rel_error_iqr"]
        rows = []
        for k, (b, v) in enumerate(zip(base, values, strict=True)):
            rows.append(b + ["all"] + list(v.values()) + list(iqr_stats(relative[k])))
            for r in class_rows or []:
                if r.band == pairs[k].label:
                    empty = [math.nan] * (len(fields) - 1)
                    rows.append(b + [r.element, r.n_pixels] + empty + [r.mean, r.median, r.iqr])
        return csv_text(header + ["element"] + fields + rel, rows)

    def _write(self, parameters, context, grid, pairs, residuals, relative, table, html):
        labels = [p.label for p in pairs]
        table_path = self.parameterAsFileOutput(parameters, self.TABLE, context)
        report_path = self.parameterAsFileOutput(parameters, self.REPORT, context)
        residual_path = self.parameterAsOutputLayer(parameters, self.RESIDUALS, context)
        results = {}
        if relative is not None:
            relative_path = self.parameterAsOutputLayer(parameters, self.RELATIVE_ERRORS, context)
            if relative_path:
                write_raster(relative_path, relative, np.isfinite(relative), grid.geotransform,
                             grid.crs_wkt, labels)
                results[self.RELATIVE_ERRORS] = relative_path
        write_raster(residual_path, residuals, np.isfinite(residuals), grid.geotransform,
                     grid.crs_wkt, labels)
        write_atomic(table, table_path)
        write_atomic(html, report_path)
        uri = QUrl.fromLocalFile(table_path).toString() + "?type=csv&detectTypes=yes&geomType=none"
        table_layer = QgsVectorLayer(uri, tr("Comparison metrics"), "delimitedtext")
        if table_layer.isValid():
            context.temporaryLayerStore().addMapLayer(table_layer)
            context.addLayerToLoadOnCompletion(
                table_layer.id(),
                QgsProcessingContext.LayerDetails(
                    tr("Comparison metrics"), context.project(), self.TABLE
                ),
            )
        results.update({self.TABLE: table_path, self.RESIDUALS: residual_path,
                        self.REPORT: report_path})
        return results
