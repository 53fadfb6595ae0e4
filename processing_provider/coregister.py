"""unmix3d:coregister — global (and optionally dense) shift between a simulated image and the
satellite image it simulates, and the mock-up offset that removes it."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
)

from ..core.compare import apply_shift, dense_flow, estimate_shift, mockup_offset
from ..core.compare.grid import Grid, grid_in_crs, open_raster, warp_to_grid
from ..core.raster_io import read_raster, write_raster
from .base import Unmix3DAlgorithm
from .i18n import tr


class CoregisterAlgorithm(Unmix3DAlgorithm):
    NAME = "coregister"
    LABEL = "Co-register simulated and satellite images"
    GROUP = "Image tools"
    GROUP_ID = "imagetools"
    REQUIRES = ("skimage",)
    DESCRIPTION = (
        "Estimates the global sub-pixel shift between a simulated image (MOVING) and the "
        "satellite image it simulates (REFERENCE) by phase correlation, writes the simulated "
        "image shifted onto the satellite image, and gives the offset to apply to the 3D "
        "mock-up. As in US-DART the satellite image is never resampled: the mock-up is moved "
        "by MOCKUP_OFFSET_X/Y (map units, east and north) and simulated again; unmix3d:unmix "
        "takes these two numbers. Shift convention: SHIFT_* is the shift to apply to MOVING "
        "so that it matches REFERENCE (positive X = right/east; positive Y in pixels = down, "
        "in map units = north). A pixel shift and its map offset are the same displacement, "
        "so MOCKUP_OFFSET_X/Y equal SHIFT_X_M/SHIFT_Y_M. When either band is too uniform to "
        "register (no texture), the algorithm stops with an error and writes nothing. When a "
        "shift is measured but the correlation peak is weak or few pixels are valid, every "
        "output is written, RELIABLE is false and REASON says why: check RELIABLE before "
        "using the offset in a model."
    )

    REFERENCE = "REFERENCE"
    MOVING = "MOVING"
    BAND_REFERENCE = "BAND_REFERENCE"
    BAND_MOVING = "BAND_MOVING"
    DENSE = "DENSE"
    SHIFTED = "SHIFTED"
    FLOW = "FLOW"
    def declare(self):
        self.add(
            QgsProcessingParameterRasterLayer(self.REFERENCE, tr("Reference (satellite image)")),
            "The satellite image; never modified or resampled. Its grid is the grid of every "
            "output.",
        )
        self.add(
            QgsProcessingParameterBand(
                self.BAND_REFERENCE, tr("Reference band"), 1, self.REFERENCE, optional=True
            ),
            "Band of REFERENCE to register (the one with most texture, often NIR or red); "
            "band 1 when not set.",
        )
        self.add(
            QgsProcessingParameterRasterLayer(self.MOVING, tr("Moving (simulated image)")),
            "The simulated image, on the reference grid or resampled onto it here (average "
            "when finer, bilinear otherwise).",
        )
        self.add(
            QgsProcessingParameterBand(
                self.BAND_MOVING, tr("Moving band"), 1, self.MOVING, optional=True
            ),
            "Band of MOVING that simulates the reference band; band 1 when not set.",
        )
        self.add(
            QgsProcessingParameterBoolean(self.DENSE, tr("Also compute a dense flow field"),
                                          defaultValue=False),
            "Also measure local misregistration (relief displacement, mock-up errors) with "
            "TV-L1 optical flow after the global shift and write it to FLOW.",
        )
        self.add(
            QgsProcessingParameterRasterDestination(self.SHIFTED, tr("Shifted moving image")),
            "Every band of MOVING shifted by the global shift (cubic spline), on the reference "
            "grid; NoData where the shift brings in pixels from outside or from NoData.",
        )
        self.add(
            QgsProcessingParameterRasterDestination(
                self.FLOW, tr("Dense flow field"), optional=True, createByDefault=False
            ),
            "With DENSE: two bands, dy (pixels, down) and dx (pixels, right), the per-pixel "
            "shift to apply to MOVING (global shift plus local residual); a temporary file "
            "when not set.",
        )
        numbers = [
            ("SHIFT_X_PX", tr("Shift X (pixels, right)"),
             tr("Columns to move MOVING to the right to match REFERENCE.")),
            ("SHIFT_Y_PX", tr("Shift Y (pixels, down)"),
             tr("Rows to move MOVING down to match REFERENCE.")),
            ("SHIFT_X_M", tr("Shift X (map units, east)"),
             tr("The same shift towards the east, in the reference's map units.")),
            ("SHIFT_Y_M", tr("Shift Y (map units, north)"),
             tr("The same shift towards the north, in the reference's map units.")),
            ("MOCKUP_OFFSET_X", tr("Mock-up offset X (map units, east)"),
             tr("Add to the mock-up's X (east) coordinates, then simulate again; "
                "unmix3d:unmix takes it.")),
            ("MOCKUP_OFFSET_Y", tr("Mock-up offset Y (map units, north)"),
             tr("Add to the mock-up's Y (north) coordinates, then simulate again; "
                "unmix3d:unmix takes it.")),
        ]
        for name, label, help_text in numbers:
            self.add_output(QgsProcessingOutputNumber(name, label), help_text)
        self.add_output(
            QgsProcessingOutputBoolean("RELIABLE", tr("Shift is reliable")),
            tr("True when the correlation peak is clear (peak-to-sidelobe ratio >= 10) and at "
               "least 25 % of the pixels are valid in both images."),
        )
        self.add_output(
            QgsProcessingOutputString("REASON", tr("Why the shift is not reliable")),
            tr("Empty when RELIABLE is true; otherwise the reason in words."),
        )

    # ------------------------------------------------------------------- run
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        reference, moving, names = self._read(parameters, context, feedback)
        ref_band = self._band(parameters, context, self.BAND_REFERENCE, reference.data.shape[0])
        mov_band = self._band(parameters, context, self.BAND_MOVING, moving.shape[0])
        ref = np.where(reference.valid[ref_band], reference.data[ref_band], np.nan)
        mov = moving[mov_band]
        feedback.setProgress(20)
        try:
            estimate = estimate_shift(ref, mov)
            if not np.all(np.isfinite(estimate.shift_px)):
                estimate.raise_if_unreliable()
            if feedback.isCanceled():
                raise QgsProcessingException(tr("Cancelled: no output was written."))
            feedback.setProgress(50)
            shifted = apply_shift(moving, estimate.shift_px)
            flow = None
            if self.parameterAsBoolean(parameters, self.DENSE, context):
                flow = dense_flow(ref, shifted[mov_band])
                flow += np.asarray(estimate.shift_px)[:, None, None]
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        feedback.setProgress(80)
        if feedback.isCanceled():
            raise QgsProcessingException(tr("Cancelled: no output was written."))
        flow_valid = np.isfinite(ref) & np.isfinite(shifted[mov_band])
        results = self._write(parameters, context, reference, shifted, flow, flow_valid, names)
        dy, dx = estimate.shift_px
        east, north = mockup_offset(estimate.shift_px, reference.geotransform)
        results.update({
            "SHIFT_X_PX": dx, "SHIFT_Y_PX": dy, "SHIFT_X_M": east, "SHIFT_Y_M": north,
            "MOCKUP_OFFSET_X": east, "MOCKUP_OFFSET_Y": north,
            "RELIABLE": estimate.reliable, "REASON": estimate.reason,
        })
        status = (tr("reliable (peak-to-sidelobe ratio {0:.1f})").format(estimate.psr)
                  if estimate.reliable else tr("NOT reliable: {0}").format(estimate.reason))
        feedback.pushInfo(
            tr("Shift to apply to the simulated image: {0:+.2f} px right, {1:+.2f} px down "
               "({2:+.2f} east, {3:+.2f} north in map units); {4}. The satellite image stays "
               "untouched: move the mock-up by MOCKUP_OFFSET_X = {2:+.3f} and MOCKUP_OFFSET_Y "
               "= {3:+.3f} map units and simulate again.").format(dx, dy, east, north, status)
        )
        if not estimate.reliable:
            feedback.pushWarning(tr("The shift is not reliable: {0}").format(estimate.reason))
        feedback.setProgress(100)
        return results

    # ------------------------------------------------------------------- helpers
    def _read(self, parameters, context, feedback):
        """The reference Raster, the moving image (bands, y, x) on its grid with NaN at
        NoData, and the moving image's band names."""
        layers = []
        for name in (self.REFERENCE, self.MOVING):
            layer = self.parameterAsRasterLayer(parameters, name, context)
            if layer is None:
                raise QgsProcessingException(
                    tr("{0} is not a raster layer QGIS can open.").format(name))
            layers.append(layer)
        try:
            reference = read_raster(layers[0].source())
            dataset = open_raster(layers[1].source(), self.MOVING)
            names = [dataset.GetRasterBand(i + 1).GetDescription()
                     for i in range(dataset.RasterCount)]
            own = grid_in_crs(dataset, reference.crs_wkt, self.MOVING)
            rows, cols = reference.shape
            target = Grid(reference.geotransform, cols, rows, reference.crs_wkt)
            same = (own.width, own.height) == (cols, rows) and np.allclose(
                own.geotransform, target.geotransform, rtol=0,
                atol=1e-6 * abs(target.geotransform[1]))
            method = "near" if same else (
                "average" if own.pixel_area < target.pixel_area else "bilinear")
            if not same:
                feedback.pushInfo(tr("MOVING is not on the reference grid: resampled onto it "
                                     "({0}).").format(method))
            moving = warp_to_grid(dataset, target, resampling=method)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        return reference, moving, names

    def _band(self, parameters, context, name, count):
        band = self.parameterAsInt(parameters, name, context)
        if not 1 <= band <= count:
            raise QgsProcessingException(
                tr("{0} is band {1}, but the image has {2} band(s).").format(name, band, count))
        return band - 1

    def _write(self, parameters, context, reference, shifted, flow, flow_valid, names):
        geotransform, crs_wkt = reference.geotransform, reference.crs_wkt
        shifted_path = self.parameterAsOutputLayer(parameters, self.SHIFTED, context)
        results = {self.SHIFTED: shifted_path}
        if flow is not None:
            flow_path = self.parameterAsOutputLayer(parameters, self.FLOW, context)
            if not flow_path:
                flow_path = QgsProcessingUtils.generateTempFilename("flow.tif")
                context.addLayerToLoadOnCompletion(
                    flow_path, QgsProcessingContext.LayerDetails(
                        tr("Dense flow field"), context.project(), self.FLOW))
            ok = np.broadcast_to(flow_valid & np.isfinite(flow).all(axis=0), flow.shape)
            write_raster(flow_path, flow, ok, geotransform,
                         crs_wkt, ["dy (pixels, down)", "dx (pixels, right)"])
            results[self.FLOW] = flow_path
        write_raster(shifted_path, shifted, np.isfinite(shifted), geotransform, crs_wkt,
                     names)
        return results

