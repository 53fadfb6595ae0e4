"""unmix3d:demo_scene — write a built-in demo scene: mock-up, element table, true OP maps and
the image grid, with its acquisition geometry as outputs, so a model or a script can render
a pseudo-satellite image (unmix3d:simulate) and unmix it (unmix3d:unmix)."""

import os

import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ..core.html_report import write_atomic
from ..core.layer_style import raster_qml
from ..core.raster_io import write_raster
from .base import Unmix3DAlgorithm
from .i18n import tr

SCENES = ["vegetation", "urban"]


class DemoSceneAlgorithm(Unmix3DAlgorithm):
    NAME = "demo_scene"
    LABEL = "Build a demo scene"
    GROUP = "Radiative transfer"
    GROUP_ID = "radiativetransfer"
    DESCRIPTION = (
        "Writes a built-in demo scene into a folder: the classified mock-up (OBJ), its element "
        "table with realistic Sentinel-2 spectra, the true OP map of every element, and an "
        "empty 12-band grid raster (10 m, UTM 31N) to simulate on. vegetation: maize plots at "
        "three growth stages beside bare soil, after the US-DART paper; urban: buildings with "
        "three roof materials, streets, trees and a river."
    )

    def declare(self):
        self.add(QgsProcessingParameterEnum("SCENE", tr("Scene"), options=SCENES,
                                            defaultValue=0),
                 "Which demo scene to build.")
        self.add(QgsProcessingParameterNumber("SEED", tr("Random seed"),
                                              QgsProcessingParameterNumber.Integer,
                                              defaultValue=0),
                 "Seed of the scene's random layout (leaf positions, buildings, trees).")
        self.add(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", tr("Scene folder")),
                 "Folder receiving the mock-up, the element table, truth/<element>.tif and "
                 "grid.tif.")
        for name, label, text in (
            ("MOCKUP", "Mock-up", "The OBJ mock-up written."),
            ("ELEMENTS", "Element table", "The element table written (true OPs as values)."),
            ("GRID", "Grid raster", "An empty raster on the image grid with the band names."),
        ):
            self.add_output(QgsProcessingOutputFile(name, tr(label)), text)
        self.add_output(QgsProcessingOutputFolder("TRUTH", tr("True OP maps")),
                        "Folder of the true OP maps <element>.tif.")
        for name in ("SUN_ZENITH", "SUN_AZIMUTH", "VIEW_ZENITH", "VIEW_AZIMUTH"):
            self.add_output(QgsProcessingOutputNumber(name, tr(name.replace("_", " ").lower())),
                            "Acquisition angle of the scene, degrees.")
        self.add_output(QgsProcessingOutputString("SKYL", tr("Skylight ratio per band")),
                        "Comma-separated SKYL per band.")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from osgeo import osr

        from ..core.scene import demo_scenes

        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        scene_name = SCENES[self.parameterAsEnum(parameters, "SCENE", context)]
        seed = self.parameterAsInt(parameters, "SEED", context)
        os.makedirs(folder, exist_ok=True)
        try:
            build = getattr(demo_scenes, f"{scene_name}_scene")
            demo = build(folder, seed=seed)
        except (OSError, ValueError) as error:
            raise QgsProcessingException(str(error)) from None
        feedback.setProgress(60)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(demo.crs_epsg)
        rows, cols = demo.shape
        bands = list(demo.bands)
        grid = write_raster(os.path.join(folder, "grid.tif"), np.zeros((len(bands), rows, cols)),
                            None, demo.geotransform, srs.ExportToWkt(), bands)
        truth = os.path.join(folder, "truth")
        for element, values in demo.truth_op.items():
            op = np.broadcast_to(np.asarray(values, dtype=float)[:, None, None],
                                 (len(bands), rows, cols))
            write_raster(os.path.join(truth, f"{element}.tif"), op, None, demo.geotransform,
                         srs.ExportToWkt(), bands)
            # a constant map defeats QGIS's min/max stretch: its style gives one around it
            write_atomic(raster_qml(bands, op, np.ones(op.shape, bool)),
                         os.path.join(truth, f"{element}.qml"))
        feedback.pushInfo(tr("{0} scene: {1} triangles, "
                             "{2} x {3} pixels of {4} m")
                             .format(scene_name, demo.n_triangles, cols, rows, demo.pixel_size))
        return {
            "OUTPUT_FOLDER": folder, "MOCKUP": str(demo.obj_path),
            "ELEMENTS": str(demo.elements_csv), "GRID": grid, "TRUTH": truth,
            "SUN_ZENITH": demo.sun_zenith, "SUN_AZIMUTH": demo.sun_azimuth,
            "VIEW_ZENITH": demo.view_zenith, "VIEW_AZIMUTH": demo.view_azimuth,
            "SKYL": ",".join(f"{demo.skyl[band]:g}" for band in bands),
        }
