"""unmix3d:build_mockup — a classified 3D mock-up (OBJ or GLB) and its element table from
QGIS layers: DEM, land cover, building footprints, tree points and water polygons.

Thin: reads parameters, reprojects features to the target CRS (QGIS), hands WKB and numpy
arrays to ``core.mockup.build_mockup``, which does the geometry and writes the files."""

from __future__ import annotations

import math

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)

from ..core.raytrace.lad import NAMED_LADS
from .base import Unmix3DAlgorithm
from .common import FeedbackProgress
from .i18n import tr

TREE_MODES = ["triangles", "turbid"]
LADS = list(NAMED_LADS)
GROUPS = ["automatic", "object", "element"]

#: Tree fields: (parameter stem, label, default, help)
TREE_FIELDS = [
    ("CROWN_CENTRE_HEIGHT", "Crown centre height (m)", 8.0,
     "height of the crown's centre above the ground"),
    ("CROWN_DIAMETER", "Crown diameter (m)", 6.0, "horizontal diameter of the crown"),
    ("CROWN_HEIGHT", "Crown height (m)", 6.0, "vertical extent of the crown (ellipsoid axis)"),
    ("TRUNK_HEIGHT", "Trunk height (m)", 0.0,
     "height of the trunk's top above the ground; 0 = up to the crown base"),
    ("TRUNK_DIAMETER", "Trunk diameter (m)", 0.3, "diameter of the trunk"),
]


class BuildMockupAlgorithm(Unmix3DAlgorithm):
    NAME = "build_mockup"
    LABEL = "Build 3D mock-up from layers"
    GROUP = "Radiative transfer"
    GROUP_ID = "radiativetransfer"
    DESCRIPTION = (
        "Builds a classified 3D mock-up (OBJ with one group per part, or GLB) and a matching "
        "element-table template from layers: a DEM (or flat ground) classified by a land "
        "cover, building footprints extruded to flat roofs (height field, floors or DSM; "
        "courtyards and multipolygons handled), trees as ellipsoidal crowns of leaf "
        "triangles or turbid volumes on trunks, and water polygons. Every layer is "
        "reprojected to the target CRS (projected, metres). The triangle count is stated "
        "before anything is written; invalid polygons are repaired, missing heights counted "
        "and reported; nothing is left half-written on error or cancel."
    )
    REQUIRES = ("shapely", "trimesh")

    def declare(self):
        P = QgsProcessingParameterNumber  # noqa: N806 - a short alias
        self.add(QgsProcessingParameterRasterLayer("IMAGE", tr("Image (sets extent and CRS)"),
                                                   optional=True),
                 "The image the mock-up is for: its extent plus MARGIN is the mock-up's extent "
                 "and its CRS the default target CRS. Without it, give EXTENT.")
        self.add(QgsProcessingParameterExtent("EXTENT", tr("Extent"), optional=True),
                 "Extent of the mock-up when no IMAGE is given (MARGIN is added).")
        self.add(P("MARGIN", tr("Margin (m)"), P.Double, defaultValue=20.0, minValue=0.0),
                 "Metres added on every side of the image's extent, so that oblique rays near "
                 "the image's edges still meet the scene.")
        self.add(QgsProcessingParameterCrs("TARGET_CRS", tr("Target CRS"), optional=True),
                 "Projected CRS (metres) of the mock-up; default: the IMAGE's CRS, else the "
                 "EXTENT's. Every layer is reprojected to it.")
        # ground
        self.add(QgsProcessingParameterRasterLayer("DEM", tr("DEM (terrain heights)"),
                                                   optional=True),
                 "Terrain heights in metres (band 1). Without it the ground is flat at "
                 "GROUND_HEIGHT. Gaps inside the extent are filled from the nearest values and "
                 "reported; trees and buildings over gaps or beyond the DEM are skipped.")
        self.add(P("GROUND_RESOLUTION", tr("Ground resolution (m)"), P.Double, defaultValue=0.0,
                   minValue=0.0),
                 "Spacing of the ground's height-field grid; 0 = the DEM's resolution (or the "
                 "land-cover raster's, or 10 m).")
        self.add(P("GROUND_HEIGHT", tr("Flat ground height (m)"), P.Double, defaultValue=0.0),
                 "Height of the flat ground when no DEM is given.")
        self.add(QgsProcessingParameterString("GROUND_ELEMENT", tr("Ground element"),
                                              defaultValue="ground"),
                 "Element of ground cells without a land-cover class.")
        self.add(QgsProcessingParameterMapLayer(
            "LANDCOVER", tr("Land cover (raster or polygons)"), optional=True,
            types=[QgsProcessing.TypeRaster, QgsProcessing.TypeVectorPolygon]),
            "Classifies the ground: a raster of class values (value k becomes element "
            "class_k unless LANDCOVER_MAPPING names it) or polygons with a class field "
            "(LANDCOVER_FIELD). Each ground cell takes the class at its centre.")
        self.add(QgsProcessingParameterField("LANDCOVER_FIELD", tr("Land cover class field"),
                                             parentLayerParameterName="LANDCOVER",
                                             optional=True),
                 "Field of the land-cover polygons holding the class name (e.g. grass, "
                 "asphalt); it becomes the element name (lowercase, _ for other characters).")
        self.add(QgsProcessingParameterString("LANDCOVER_MAPPING", tr("Land cover mapping"),
                                              optional=True, defaultValue=""),
                 "For a land-cover raster: value:name pairs, e.g. 1:grass,2:asphalt.")
        # buildings
        self.add(QgsProcessingParameterFeatureSource(
            "BUILDINGS", tr("Building footprints"), [QgsProcessing.TypeVectorPolygon],
            optional=True),
            "Polygons extruded from the lowest ground point under them to a flat roof; "
            "holes (courtyards) and multipolygons are kept; invalid polygons are repaired "
            "(make_valid) and counted.")
        self.add(QgsProcessingParameterField("HEIGHT_FIELD", tr("Building height field (m)"),
                                             parentLayerParameterName="BUILDINGS",
                                             type=QgsProcessingParameterField.Numeric,
                                             optional=True),
                 "Height of the roof above the ground, in metres.")
        self.add(QgsProcessingParameterField("FLOORS_FIELD", tr("Number of floors field"),
                                             parentLayerParameterName="BUILDINGS",
                                             type=QgsProcessingParameterField.Numeric,
                                             optional=True),
                 "Used where the height field is empty: floors x FLOOR_HEIGHT.")
        self.add(P("FLOOR_HEIGHT", tr("Floor height (m)"), P.Double, defaultValue=3.0,
                   minValue=0.1),
                 "Storey height for FLOORS_FIELD.")
        self.add(QgsProcessingParameterRasterLayer("DSM", tr("DSM (surface heights)"),
                                                   optional=True),
                 "Used where neither field gives a height: the roof is the median of the DSM "
                 "inside the footprint (absolute heights, as the DEM).")
        self.add(P("DEFAULT_HEIGHT", tr("Default building height (m)"), P.Double,
                   defaultValue=0.0, minValue=0.0),
                 "Height of buildings no field or DSM gives a height for; 0 = skip them (they "
                 "are counted and reported either way).")
        self.add(QgsProcessingParameterField("ROOF_CLASS_FIELD", tr("Roof class field"),
                                             parentLayerParameterName="BUILDINGS",
                                             optional=True),
                 "Field naming the roof material: its value becomes the roof element "
                 "(tile -> roof_tile, roof_concrete stays); empty: element roof.")
        # trees
        self.add(QgsProcessingParameterFeatureSource(
            "TREES", tr("Trees (points)"), [QgsProcessing.TypeVectorPoint], optional=True),
            "Tree positions: ellipsoidal crowns on closed octagonal trunks (element trunk).")
        for stem, label, default, text in TREE_FIELDS:
            self.add(QgsProcessingParameterField(f"{stem}_FIELD", tr("{0} field").format(label),
                                                 parentLayerParameterName="TREES",
                                                 type=QgsProcessingParameterField.Numeric,
                                                 optional=True),
                     f"Field with the {text}; empty or missing values take {stem}.")
            self.add(P(stem, tr("{0}, default").format(label), P.Double, defaultValue=default,
                       minValue=0.0),
                     f"Default {text}.")
        self.add(QgsProcessingParameterField("TREE_CLASS_FIELD", tr("Tree class field"),
                                             parentLayerParameterName="TREES", optional=True),
                 "Field naming the tree's leaf element (e.g. linden); empty: vegetation. The "
                 "summary gives the leaf area per class.")
        self.add(QgsProcessingParameterEnum("TREE_MODE", tr("Crowns as"), options=TREE_MODES,
                                            defaultValue=0),
                 "triangles: crowns filled with free leaf triangles (element type "
                 "translucent); turbid: closed ellipsoid meshes holding a turbid medium "
                 "(element type turbid, with leaf_area_density and lad in the element table; "
                 "needs the tracer's turbid support).")
        self.add(P("LEAF_AREA_DENSITY", tr("Leaf area density (m²/m³)"), P.Double,
                   defaultValue=1.0, minValue=0.0),
                 "One-sided leaf area per crown volume.")
        self.add(P("LEAF_SIZE", tr("Leaf triangle area (m²)"), P.Double, defaultValue=0.1,
                   minValue=0.0001),
                 "One-sided area of each leaf triangle (triangles mode): larger leaves, fewer "
                 "triangles, same leaf area.")
        self.add(QgsProcessingParameterEnum("LAD", tr("Leaf angle distribution"), options=LADS,
                                            defaultValue=0),
                 "Distribution of the leaves' inclinations (de Wit).")
        # water
        self.add(QgsProcessingParameterFeatureSource(
            "WATER", tr("Water (polygons)"), [QgsProcessing.TypeVectorPolygon], optional=True),
            "Flat water surfaces (element water) at the highest ground point under each "
            "polygon plus WATER_OFFSET.")
        self.add(P("WATER_OFFSET", tr("Water above ground (m)"), P.Double, defaultValue=0.05),
                 "Lift of the water surface above the ground, against coplanar faces.",
                 advanced=True)
        # output control
        self.add(QgsProcessingParameterEnum("GROUPS", tr("OBJ groups"), options=GROUPS,
                                            defaultValue=0),
                 "object: one group per building surface, tree and water body (roof_12, "
                 "wall_12, tree_3_leaves); element: one per element (roof_all ...); "
                 "automatic: per object up to 2000 objects.", advanced=True)
        self.add(P("MAX_TRIANGLES", tr("Maximum triangles"), P.Integer,
                   defaultValue=20_000_000, minValue=1),
                 "The mock-up's triangle count is computed first; beyond this nothing is "
                 "written.")
        self.add(QgsProcessingParameterString("BANDS", tr("Bands of the element table"),
                                              optional=True, defaultValue=""),
                 "Comma-separated band names (e.g. B2,B3,B4,B8): the element table gets one "
                 "column per band with a default spectrum (Sentinel-2 band names: typical "
                 "material and leaf spectra; others: 0.2, leaves 0.5). Empty: no OP columns.")
        self.add(P("SEED", tr("Random seed"), P.Integer, defaultValue=0),
                 "Seed of the leaf positions and angles.", advanced=True)
        self.add(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("Mock-up"), fileFilter="Wavefront OBJ (*.obj);;glTF binary (*.glb)"),
            "The mock-up, in the target CRS (metres, z up), absolute coordinates (mm).")
        self.add(QgsProcessingParameterFileDestination("ELEMENTS", tr("Element table"),
                                                       fileFilter="CSV (*.csv)"),
                 "Element-table template: one row per element produced, with type and match "
                 "globs filled in; fill in or check the OP columns before simulating.")
        self.add(QgsProcessingParameterFileDestination(
            "SUMMARY", tr("Summary"), fileFilter="JSON (*.json);;HTML (*.html)", optional=True,
            createByDefault=False),
            "Triangle budget and count, area and triangles per element, leaf area per tree "
            "class, and what was repaired or skipped.")
        self.add_output(QgsProcessingOutputNumber("TRIANGLES", tr("Triangles")),
                        "Triangles written.")

    # -------------------------------------------------------------------------------------
    def target(self, parameters, context):
        crs = self.parameterAsCrs(parameters, "TARGET_CRS", context)
        image = self.parameterAsRasterLayer(parameters, "IMAGE", context)
        margin = self.parameterAsDouble(parameters, "MARGIN", context)
        if not crs.isValid():
            if image is not None:
                crs = image.crs()
            elif parameters.get("EXTENT"):
                crs = self.parameterAsExtentCrs(parameters, "EXTENT", context)
        if not crs.isValid():
            raise QgsProcessingException(tr(
                "Give TARGET_CRS, or an IMAGE or EXTENT whose CRS the mock-up takes."))
        if crs.isGeographic():
            raise QgsProcessingException(tr(
                "The target CRS {0} is geographic (degrees): the mock-up needs a "
                "projected CRS in metres (e.g. the image's UTM zone); set TARGET_CRS.")
                .format(crs.authid()))
        if image is not None:
            try:
                transform = QgsCoordinateTransform(image.crs(), crs, context.transformContext())
                rect = transform.transformBoundingBox(image.extent())
            except QgsCsException as error:
                raise QgsProcessingException(tr(
                    "IMAGE {0}: cannot transform its extent to "
                    "{1} ({2})").format(image.name(), crs.authid(), error)) from None
        else:
            rect = self.parameterAsExtent(parameters, "EXTENT", context, crs)
            if rect.isNull() or rect.isEmpty():
                raise QgsProcessingException(tr(
                    "Give an IMAGE or an EXTENT: they set the mock-up's extent."))
        rect = QgsRectangle(rect.xMinimum() - margin, rect.yMinimum() - margin,
                            rect.xMaximum() + margin, rect.yMaximum() + margin)
        return crs, rect

    def read_features(self, parameters, key, context, crs, rect, fields, feedback,
                      points=False):
        """Features of a source in the target CRS inside ``rect``: geometries (WKB or xy)
        and field values (dict field parameter -> list)."""
        source = self.parameterAsSource(parameters, key, context)
        if source is None:
            return None
        name = source.sourceName()
        names = {}
        for field_key in fields:
            field = self.parameterAsString(parameters, field_key, context)
            if field:
                if source.fields().indexFromName(field) < 0:
                    raise QgsProcessingException(tr(
                        "{0} {1}: {2} '{3}' is not a field of the layer")
                        .format(key, name, field_key, field))
                names[field_key] = field
        request = QgsFeatureRequest().setDestinationCrs(crs, context.transformContext())
        request.setFilterRect(rect)
        request.setSubsetOfAttributes(list(names.values()), source.fields())
        geometries, values = [], {k: [] for k in names}
        total = source.featureCount()
        try:
            for feature in source.getFeatures(
                    request, QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks):
                if feedback.isCanceled():
                    raise QgsProcessingException(tr("Canceled: nothing was written."))
                geometry = feature.geometry()
                if points:
                    if geometry.isNull() or geometry.isEmpty():
                        geometries.append((math.nan, math.nan))
                    else:
                        point = geometry.centroid().asPoint()
                        geometries.append((point.x(), point.y()))
                else:
                    if not geometry.isNull() and geometry.constGet().hasCurvedSegments():
                        geometry = geometry.__class__(geometry.constGet().segmentize())
                    geometries.append(None if geometry.isNull() else bytes(geometry.asWkb()))
                for k, field in names.items():
                    values[k].append(feature[field])
        except QgsCsException as error:
            raise QgsProcessingException(tr(
                "{0} {1}: cannot transform features to {2} ({3})")
                .format(key, name, crs.authid(), error)) \
                from None
        if total and not geometries:
            raise QgsProcessingException(tr(
                "{0} {1}: no feature lies within the target extent (the layer and the "
                "extent do not overlap)").format(key, name))
        feedback.pushInfo(tr("{0} {1}: {2} features in the extent")
                             .format(key, name, len(geometries)))
        return name, geometries, values

    def raster(self, parameters, key, context):
        from ..core.mockup import RasterInput

        layer = self.parameterAsRasterLayer(parameters, key, context)
        if layer is None:
            return None
        if layer.providerType() != "gdal":
            raise QgsProcessingException(tr(
                "{0} {1}: only file rasters (GDAL) are supported").format(key, layer.name()))
        return RasterInput(layer.source(), f"{layer.name()}")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core import mockup as build

        crs, rect = self.target(parameters, context)
        extent = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
        feedback.pushInfo(tr("Mock-up extent {0:.1f}, {1:.1f}, "
                             "{2:.1f}, {3:.1f} in {4}")
                             .format(extent[0], extent[1], extent[2], extent[3], crs.authid()))
        number = self.parameterAsDouble
        try:
            options = build.BuildOptions(
                extent=extent, crs_wkt=crs.toWkt(),
                ground_resolution=number(parameters, "GROUND_RESOLUTION", context),
                ground_height=number(parameters, "GROUND_HEIGHT", context),
                ground_element=self.parameterAsString(parameters, "GROUND_ELEMENT", context)
                .strip(),
                landcover_mapping=build.parse_mapping(
                    self.parameterAsString(parameters, "LANDCOVER_MAPPING", context)),
                floor_height=number(parameters, "FLOOR_HEIGHT", context),
                default_height=number(parameters, "DEFAULT_HEIGHT", context),
                crown_centre_height=number(parameters, "CROWN_CENTRE_HEIGHT", context),
                crown_diameter=number(parameters, "CROWN_DIAMETER", context),
                crown_height=number(parameters, "CROWN_HEIGHT", context),
                trunk_height=number(parameters, "TRUNK_HEIGHT", context),
                trunk_diameter=number(parameters, "TRUNK_DIAMETER", context),
                tree_mode=TREE_MODES[self.parameterAsEnum(parameters, "TREE_MODE", context)],
                leaf_area_density=number(parameters, "LEAF_AREA_DENSITY", context),
                leaf_size=number(parameters, "LEAF_SIZE", context),
                lad=LADS[self.parameterAsEnum(parameters, "LAD", context)],
                water_offset=number(parameters, "WATER_OFFSET", context),
                grouping=GROUPS[self.parameterAsEnum(parameters, "GROUPS", context)],
                max_triangles=self.parameterAsInt(parameters, "MAX_TRIANGLES", context),
                bands=tuple(b.strip() for b in self.parameterAsString(
                    parameters, "BANDS", context).split(",") if b.strip()),
                seed=self.parameterAsInt(parameters, "SEED", context),
            )
        except build.BuildError as error:
            raise QgsProcessingException(str(error)) from None
        inputs = {"dem": self.raster(parameters, "DEM", context),
                  "dsm": self.raster(parameters, "DSM", context)}
        landcover = self.parameterAsLayer(parameters, "LANDCOVER", context)
        if isinstance(landcover, QgsRasterLayer):
            inputs["landcover_raster"] = self.raster(parameters, "LANDCOVER", context)
        elif isinstance(landcover, QgsVectorLayer):
            field = self.parameterAsString(parameters, "LANDCOVER_FIELD", context)
            if not field or landcover.fields().indexFromName(field) < 0:
                raise QgsProcessingException(tr(
                    "LANDCOVER {0}: LANDCOVER_FIELD must name the field "
                    "holding the class (got '{1}')").format(landcover.name(), field))
            read = self._read_layer_polygons(landcover, field, crs, rect, context, feedback)
            inputs["landcover_polygons"] = build.PolygonInput(read[1], read[0],
                                                              classes=read[2])
        read = self.read_features(parameters, "BUILDINGS", context, crs, rect,
                                  ["HEIGHT_FIELD", "FLOORS_FIELD", "ROOF_CLASS_FIELD"], feedback)
        if read is not None:
            name, geometries, values = read
            inputs["buildings"] = build.PolygonInput(
                geometries, name, classes=_texts(values.get("ROOF_CLASS_FIELD")),
                height=_numbers(values.get("HEIGHT_FIELD"), "HEIGHT_FIELD", name, feedback),
                floors=_numbers(values.get("FLOORS_FIELD"), "FLOORS_FIELD", name, feedback))
        tree_fields = [f"{stem}_FIELD" for stem, *_ in TREE_FIELDS] + ["TREE_CLASS_FIELD"]
        read = self.read_features(parameters, "TREES", context, crs, rect, tree_fields,
                                  feedback, points=True)
        if read is not None:
            name, xy, values = read
            xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
            inputs["trees"] = build.TreeInput(
                x=xy[:, 0], y=xy[:, 1], name=name,
                classes=_texts(values.get("TREE_CLASS_FIELD")),
                **{stem.lower(): _numbers(values.get(f"{stem}_FIELD"), f"{stem}_FIELD", name,
                                          feedback) for stem, *_ in TREE_FIELDS})
        read = self.read_features(parameters, "WATER", context, crs, rect, [], feedback)
        if read is not None:
            inputs["water"] = build.PolygonInput(read[1], read[0])
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        elements = self.parameterAsFileOutput(parameters, "ELEMENTS", context)
        summary = self.parameterAsFileOutput(parameters, "SUMMARY", context)
        progress = FeedbackProgress(feedback, 5, 100)
        try:
            result = build.build_mockup(output, elements, summary or None, options,
                                        progress=progress, is_canceled=progress.is_canceled,
                                        log=feedback.pushInfo, **inputs)
        except build.Canceled:
            raise QgsProcessingException(tr("Canceled: nothing was written.")) from None
        except build.BuildError as error:
            raise QgsProcessingException(str(error)) from None
        s = result.summary
        feedback.pushInfo(tr("Wrote {0:,} triangles in {1:,} groups "
                             "({2} grouping) in {3:.1f} s")
                             .format(s['triangles'], s['groups'], s['grouping'], s['seconds']))
        for element, item in s["elements"].items():
            feedback.pushInfo(f"  {element} ({item['type']}): {item['triangles']:,} "
                              f"triangles, {item['area_m2']:,.1f} m²")
        for element, area in s.get("trees", {}).get("leaf_area_m2", {}).items():
            feedback.pushInfo(tr("  leaf area of {0}: {1:,.1f} m²").format(element, area))
        results = {"OUTPUT": output, "ELEMENTS": elements, "TRIANGLES": s["triangles"]}
        if summary:
            results["SUMMARY"] = summary
        return results

    def _read_layer_polygons(self, layer, field, crs, rect, context, feedback):
        request = QgsFeatureRequest().setDestinationCrs(crs, context.transformContext())
        request.setFilterRect(rect)
        geometries, classes = [], []
        try:
            for feature in layer.getFeatures(request):
                geometry = feature.geometry()
                geometries.append(None if geometry.isNull() else bytes(geometry.asWkb()))
                classes.append(_text(feature[field]))
        except QgsCsException as error:
            raise QgsProcessingException(tr(
                "LANDCOVER {0}: cannot transform features ({1})")
                .format(layer.name(), error)) from None
        if layer.featureCount() and not geometries:
            raise QgsProcessingException(tr(
                "LANDCOVER {0}: no polygon lies within the target extent (the "
                "layer and the extent do not overlap)").format(layer.name()))
        return layer.name(), geometries, classes


def _text(value):
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    text = str(value).strip()
    return text if text and text != "NULL" else None


def _texts(values):
    return None if values is None else [_text(v) for v in values]


def _numbers(values, key, layer, feedback):
    """Field values -> float array, NaN where NULL or not a number (counted)."""
    if values is None:
        return None
    out = np.full(len(values), np.nan)
    bad = 0
    for i, value in enumerate(values):
        if _text(value) is None:
            continue
        try:
            out[i] = float(value)
        except (TypeError, ValueError):
            bad += 1
    if bad:
        feedback.pushWarning(tr("{0}: {1} values of {2} are not numbers (treated as "
                                "missing)").format(layer, bad, key))
    return out
