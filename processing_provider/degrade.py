"""unmix3d:degrade — block-mean aggregation of a raster to a coarser, aligned grid."""

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ..core.degrade import block_mean, degraded_geotransform
from ..core.raster_io import read_raster, write_raster
from .base import Unmix3DAlgorithm
from .i18n import tr


class DegradeAlgorithm(Unmix3DAlgorithm):
    NAME = "degrade"
    LABEL = "Degrade resolution (block mean)"
    GROUP = "Image tools"
    GROUP_ID = "imagetools"
    DESCRIPTION = (
        "Aggregates a raster to a coarser resolution by an integer factor: each output pixel is "
        "the mean of the valid input pixels in its FACTOR x FACTOR block, which is exact for "
        "reflectance factors. The output grid starts at the input's top-left corner. Blocks "
        "at the right and bottom edges that the input covers only partly are kept when enough "
        "of their footprint is valid (pixels beyond the edge count as missing). This is the "
        "method's spatial resolution degradation, used to soften co-registration error."
    )

    INPUT = "INPUT"
    FACTOR = "FACTOR"
    MIN_VALID = "MIN_VALID"
    OUTPUT = "OUTPUT"

    def declare(self):
        self.add(
            QgsProcessingParameterRasterLayer(self.INPUT, tr("Input raster")),
            "The raster to aggregate (any number of bands; NoData and NaN are respected).",
        )
        self.add(
            QgsProcessingParameterNumber(
                self.FACTOR,
                tr("Aggregation factor"),
                QgsProcessingParameterNumber.Integer,
                defaultValue=2,
                minValue=1,
            ),
            "Whole number of input pixels per output pixel along each axis (2 turns 10 m into "
            "20 m).",
        )
        self.add(
            QgsProcessingParameterNumber(
                self.MIN_VALID,
                tr("Minimum valid share of a block"),
                QgsProcessingParameterNumber.Double,
                defaultValue=0.5,
                minValue=0.0,
                maxValue=1.0,
            ),
            "An output pixel is NoData when less than this fraction of its block holds valid "
            "input pixels.",
        )
        self.add(
            QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Degraded raster")),
            "The aggregated GeoTIFF, with the input's band names and CRS.",
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(tr("INPUT is not a raster layer QGIS can open."))
        factor = self.parameterAsInt(parameters, self.FACTOR, context)
        min_valid = self.parameterAsDouble(parameters, self.MIN_VALID, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        try:
            raster = read_raster(layer.source())
            feedback.setProgress(30)
            means, valid = block_mean(raster.data, raster.valid, factor, min_valid)
        except ValueError as error:
            raise QgsProcessingException(f"{layer.name()}: {error}") from None
        feedback.setProgress(70)
        write_raster(
            output,
            means,
            valid,
            degraded_geotransform(raster.geotransform, factor),
            raster.crs_wkt,
            raster.band_names,
        )
        feedback.setProgress(100)
        return {self.OUTPUT: output}
