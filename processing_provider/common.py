"""Pieces shared by the algorithms that trace a scene: parameters, inputs, progress, outputs."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import numpy as np
from qgis.core import (
    QgsMultiBandColorRenderer,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProject,
    QgsRasterLayer,
)

from .i18n import tr

BOUNDARIES = ["periodic", "open"]


def add_scene_parameters(algorithm, elements_help: str) -> None:
    algorithm.add(
        QgsProcessingParameterFile(algorithm.MOCKUP, tr("3D mock-up"),
                                   fileFilter="Mock-ups (*.obj *.ply *.stl *.glb *.gltf)"),
        "The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's projected "
        "CRS, metres, z up.",
    )
    algorithm.add(
        QgsProcessingParameterFile(algorithm.ELEMENTS, tr("Element table"),
                                   fileFilter="CSV (*.csv)"),
        elements_help,
    )


def add_reflectance_parameters(algorithm, image_help: str) -> None:
    """IMAGE and the SCALE / OFFSET that turn its values into surface reflectance."""
    from qgis.core import QgsProcessingParameterRasterLayer

    algorithm.add(QgsProcessingParameterRasterLayer("IMAGE", tr("Surface reflectance image")),
                  image_help)
    algorithm.add(QgsProcessingParameterNumber("SCALE", tr("Scale"),
                                               QgsProcessingParameterNumber.Double,
                                               defaultValue=1.0),
                  "Reflectance = value x SCALE + OFFSET (Sentinel-2 L2A: 0.0001).")
    algorithm.add(QgsProcessingParameterNumber("OFFSET", tr("Offset"),
                                               QgsProcessingParameterNumber.Double,
                                               defaultValue=0.0),
                  "Added after scaling (Sentinel-2 L2A since processing baseline 04.00: -0.1).")


def add_geometry_parameters(algorithm, defaults: bool = True) -> None:
    """The sun and view angles; without ``defaults`` they have none and must be given
    (``geometry_angles``: no default fits every acquisition) or come from METADATA."""
    def angle(name, label, default, maximum):
        return QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                            defaultValue=default if defaults else None,
                                            minValue=0.0, maxValue=maximum,
                                            optional=not defaults)

    sun_zenith = angle("SUN_ZENITH", tr("Sun zenith angle (degrees)"), 30.0, 89.9)
    sun_azimuth = angle("SUN_AZIMUTH", tr("Sun azimuth angle (degrees)"), 150.0, 360.0)
    view_zenith = angle("VIEW_ZENITH", tr("View zenith angle (degrees)"), 0.0, 89.9)
    view_azimuth = angle("VIEW_AZIMUTH", tr("View azimuth angle (degrees)"), 0.0, 360.0)
    if defaults:
        algorithm.add(sun_zenith, "Angle between the vertical and the direction of the sun.")
        algorithm.add(sun_azimuth, "Direction of the sun, clockwise from north (as in "
                                   "Sentinel-2 metadata).")
        algorithm.add(view_zenith, "Angle between the vertical and the direction of the "
                                   "sensor.")
        algorithm.add(view_azimuth, "Direction of the sensor, clockwise from north.")
    else:
        algorithm.add(sun_zenith, "Angle between the vertical and the direction of the sun. "
                                  "Required (unmix: unless METADATA gives it).")
        algorithm.add(sun_azimuth, "Direction of the sun, clockwise from north (as in "
                                   "Sentinel-2 metadata). Required (unmix: unless METADATA "
                                   "gives it).")
        algorithm.add(view_zenith, "Angle between the vertical and the direction of the "
                                   "sensor. Required (unmix: unless METADATA gives it).")
        algorithm.add(view_azimuth, "Direction of the sensor, clockwise from north. Required "
                                    "(unmix: unless METADATA gives it).")
    algorithm.add(
        QgsProcessingParameterString("SKYL", tr("Skylight ratio SKYL"), defaultValue="0.2"),
        "Share of the downward irradiance that comes from the sky (isotropic): one value, or "
        "one per band separated by commas.",
    )


#: default seeds: different per algorithm, so that an image simulated with the defaults is
#: never unmixed or retrieved from the very paths that made it
SIMULATE_SEED, UNMIX_SEED, RETRIEVE_SEED = 1, 2, 1000


def add_sampling_parameters(algorithm, samples: int = 64, seed: int = SIMULATE_SEED) -> None:
    algorithm.add(
        QgsProcessingParameterEnum("BOUNDARY", tr("Scene boundary"), options=BOUNDARIES,
                                   defaultValue=0),
        "periodic: the mock-up tiles the plane (as DART's repetitive scenes); open: rays "
        "leaving the mock-up's box escape.",
        advanced=True,
    )
    algorithm.add(
        QgsProcessingParameterNumber("SAMPLES", tr("Samples per pixel"),
                                     QgsProcessingParameterNumber.Integer,
                                     defaultValue=samples, minValue=1),
        "Monte Carlo paths traced per pixel; the standard error falls as 1/sqrt(SAMPLES). "
        "Square numbers (16, 64, 256) give stratified sub-pixel sampling.",
    )
    algorithm.add(
        QgsProcessingParameterNumber("SEED", tr("Random seed"),
                                     QgsProcessingParameterNumber.Integer, defaultValue=seed),
        "Results are reproducible from the seed, whatever the number of threads. The "
        "defaults differ on purpose (simulate 1, unmix 2, retrieve 1000 and up): unmixing an "
        "image simulated with the same seed would invert the very paths that made it, and "
        "its Monte Carlo noise would look like signal.",
        advanced=True,
    )


DEFAULT_TERRAIN = "ground"


def add_terrain_parameter(algorithm) -> None:
    algorithm.add(
        QgsProcessingParameterString("TERRAIN", tr("Terrain element(s)"),
                                     defaultValue=DEFAULT_TERRAIN, optional=True),
        "Elements of the element table (comma-separated) whose surface is the terrain: every "
        "pixel lies on the terrain under its centre, as in orthorectified images (a plane "
        "would move the footprint by height x tan(view zenith) over relief). Empty, or the "
        "default 'ground' absent from the table: a horizontal plane at the mock-up's lowest "
        "point.",
        advanced=True,
    )


def terrain_reference(algorithm, parameters, context, scene, grid, feedback):
    """The TERRAIN parameter -> per-pixel reference heights (rows, cols), or None for a
    plane at the mock-up's lowest point."""
    from ..core.simulate import check_overlap, terrain_heights

    text = algorithm.parameterAsString(parameters, "TERRAIN", context) or ""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == [DEFAULT_TERRAIN] and DEFAULT_TERRAIN not in scene.elements.names:
        names = []
    if not names:
        feedback.pushInfo(tr("Pixel grid registered on a plane at the mock-up's lowest point "
                             "(no TERRAIN element)."))
        return None
    try:
        check_overlap(scene, grid)
        heights = terrain_heights(scene, grid, names)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    feedback.pushInfo(tr("Pixel grid registered on the terrain ({0}): {1:.1f} to {2:.1f} m")
                      .format(", ".join(names), heights.min(), heights.max()))
    return heights


def add_memory_parameter(algorithm) -> None:
    algorithm.add(
        QgsProcessingParameterNumber("MAX_MEMORY", tr("Memory limit (MB)"),
                                     QgsProcessingParameterNumber.Double, defaultValue=0.0,
                                     minValue=0.0),
        "The trace's polynomials are estimated from a few pixels before tracing; a run that "
        "would need more memory than this is refused with the estimate. 0: half of the "
        "machine's memory.",
        advanced=True,
    )


def memory_limit(algorithm, parameters, context) -> float | None:
    """MAX_MEMORY in bytes, None for the default (half of the machine's memory)."""
    megabytes = algorithm.parameterAsDouble(parameters, "MAX_MEMORY", context)
    return megabytes * 2**20 if megabytes > 0 else None


def log_memory(feedback, trace) -> None:
    memory = trace.memory
    feedback.pushInfo(tr("Polynomials: {0:,.1f} MB ({1:,.1f} MB estimated before tracing, "
                         "peak about {2:,.1f} MB while building)")
                      .format(trace.polynomials.nbytes / 2**20,
                              memory.polynomial_bytes / 2**20, memory.peak_bytes / 2**20))


def log_paths(feedback, trace) -> None:
    """The trace's lost, dropped and clamped paths in the log, as a warning above
    LOST_PATH_WARNING of the paths."""
    from ..core.simulate import LOST_PATH_WARNING

    counts = trace.path_counts
    feedback.pushInfo(tr("{0:,} paths traced: {1:,} lost in turbid media, {2:,} dropped (too "
                         "many stretches in media), {3:,} with a medium boundary crossing "
                         "clamped").format(trace.traced_paths, counts["lost"],
                                           counts["dropped"], counts["clamped"]))
    if trace.wrong_path_share > LOST_PATH_WARNING:
        feedback.pushWarning(tr("{0:.3g} % of the paths went wrong in turbid media: the image "
                                "is biased there. Check that turbid volumes are closed and do "
                                "not touch the sides of the mock-up's box.")
                             .format(100 * trace.wrong_path_share))


def parse_values(text: str, count: int, name: str, low: float = 0.0, high: float = 1.0):
    """One value or ``count`` comma-separated values -> array (count,)."""
    try:
        values = [float(v) for v in str(text).replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise QgsProcessingException(
            tr("{0} must be numbers separated by commas, got '{1}'").format(name, text)) from None
    if len(values) == 1:
        values = values * count
    if len(values) != count:
        raise QgsProcessingException(
            tr("{0} has {1} values but there are {2} bands").format(name, len(values), count))
    array = np.asarray(values)
    if ((array < low) | (array > high)).any():
        raise QgsProcessingException(tr("{0} values must lie in [{1}, {2}]")
                                        .format(name, low, high))
    return array


def parse_bands(text: str) -> list[str]:
    bands = [b.strip() for b in str(text).split(",") if b.strip()]
    if not bands:
        raise QgsProcessingException(tr("BANDS is empty: name the bands, e.g. B2,B3,B4,B8"))
    return bands


class FeedbackProgress:
    """Adapts a Processing feedback to the core's ``progress`` / ``is_canceled`` callbacks,
    mapping the core's 0..1 onto a share [start, stop] of the bar."""

    def __init__(self, feedback, start: float = 0.0, stop: float = 100.0):
        self.feedback, self.start, self.stop = feedback, start, stop

    def __call__(self, fraction: float, label: str | None = None) -> None:
        self.feedback.setProgress(self.start + (self.stop - self.start) * fraction)
        if label:
            self.feedback.setProgressText(label)

    def is_canceled(self) -> bool:
        return self.feedback.isCanceled()


def load_scene(mockup_path: str, elements_path: str, feedback):
    """Mock-up + element table -> Scene, with every problem as a named Processing error."""
    from ..core.scene.elements import read_element_table
    from ..core.scene.mockup import load_mockup
    from ..core.simulate import prepare_scene

    try:
        elements = read_element_table(elements_path)
        mockup = load_mockup(mockup_path)
        for note in mockup.notes:
            feedback.pushWarning(note)
        feedback.pushInfo(tr("Mock-up: {0} triangles in "
                             "{1} parts").format(mockup.triangle_count, len(mockup.part_names)))
        return prepare_scene(mockup, elements)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None


TRUE_COLOUR = ("B4", "B3", "B2")


class StyleAsGroup(QgsProcessingLayerPostProcessorInterface):
    """Puts a loaded output layer into a named layer group and shows it as a true-colour
    composite (B4, B3, B2) when it has those bands. Instances must outlive the algorithm,
    hence the registry below."""

    registry: list = []

    def __init__(self, group_name: str, layer_name: str):
        super().__init__()
        self.group_name, self.layer_name = group_name, layer_name
        StyleAsGroup.registry.append(self)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        if not isinstance(layer, QgsRasterLayer):
            return
        layer.setName(self.layer_name)
        style_true_colour(layer)
        project = context.project() or QgsProject.instance()
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        group = root.findGroup(self.group_name) or root.insertGroup(0, self.group_name)
        if node is not None:
            group.insertChildNode(-1, node.clone())
            node.parent().removeChildNode(node)


class BelowGroup(QgsProcessingLayerPostProcessorInterface):
    """Shows a loaded image as a true-colour composite and places it just below a layer
    group (the OP maps it was simulated from), so it never hides them."""

    registry: list = []

    def __init__(self, group_name: str):
        super().__init__()
        self.group_name = group_name
        BelowGroup.registry.append(self)

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        if not isinstance(layer, QgsRasterLayer):
            return
        style_true_colour(layer)
        project = context.project() or QgsProject.instance()
        root = project.layerTreeRoot()
        node = root.findLayer(layer.id())
        group = root.findGroup(self.group_name)
        if group is None:  # made later, the group goes on top anyway (StyleAsGroup)
            return
        if node is not None and group.parent() is not None:
            parent = group.parent()
            index = parent.children().index(group)
            parent.insertChildNode(index + 1, node.clone())
            node.parent().removeChildNode(node)


def style_true_colour(layer: QgsRasterLayer) -> bool:
    names = [layer.dataProvider().generateBandName(i) for i in range(1, layer.bandCount() + 1)]
    descriptions = [layer.bandName(i) for i in range(1, layer.bandCount() + 1)]
    lookup = {}
    for index, (name, description) in enumerate(zip(names, descriptions, strict=True), 1):
        for key in TRUE_COLOUR:
            if key in (name, description) or description.endswith(f": {key}") or \
                    description.split(" ")[-1] == key:
                lookup.setdefault(key, index)
    if len(lookup) < 3:
        return False
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), lookup["B4"], lookup["B3"],
                                         lookup["B2"])
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return True


def load_in_group(context: QgsProcessingContext, path: str, layer_name: str,
                  group_name: str) -> None:
    """Ask QGIS to load ``path`` when the algorithm finishes, named and grouped."""
    details = QgsProcessingContext.LayerDetails(layer_name, context.project(), layer_name)
    details.setPostProcessor(StyleAsGroup(group_name, layer_name))
    context.addLayerToLoadOnCompletion(path, details)


def remove_quietly(paths) -> None:
    for path in paths:
        if path and os.path.exists(path):
            os.remove(path)


def check_image_crs(crs_wkt: str, label: str) -> None:
    """Every algorithm refuses an image with no CRS or a geographic one, in the same words:
    the mock-up is in metres in the image's projected CRS."""
    from osgeo import osr

    if not crs_wkt:
        raise QgsProcessingException(tr(
            "{0} has no CRS; the mock-up and the image must share a projected CRS in metres "
            "(assign the image's CRS, e.g. with GDAL's Assign projection)").format(label))
    srs = osr.SpatialReference()
    if srs.ImportFromWkt(crs_wkt) == 0 and srs.IsGeographic():
        raise QgsProcessingException(tr(
            "{0} is in a geographic CRS; the mock-up and the image must share a projected "
            "CRS in metres (reproject the image)").format(label))


def check_scene_bands(scene, bands: list[str], label: str, table_ops: bool = True) -> None:
    """The image's bands against the element table, the same for every algorithm: each band
    is a column of the table (``table_ops``: every element gives its OP there), and every
    spectral rule names bands of the image."""
    table = scene.elements
    missing = [band for band in bands if band not in table.bands]
    if missing:
        raise QgsProcessingException(tr(
            "{0} has band(s) {1} but the element table {2} has no column for them (its band "
            "columns: {3}); add the column(s) or drop the band(s) from the image")
            .format(label, ", ".join(missing), os.path.basename(table.path) or "",
                    ", ".join(table.bands) or "none"))
    try:
        if table_ops:
            table.require_bands(bands)
        table.check_rules(bands)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None


ANGLE_PARAMETERS = ("SUN_ZENITH", "SUN_AZIMUTH", "VIEW_ZENITH", "VIEW_AZIMUTH")


def geometry_angles(algorithm, parameters, context, feedback, metadata: str = "") -> dict:
    """Sun and view angles (degrees) from the parameters, or from the tile METADATA for the
    angles it gives; an angle found in neither is refused, and the log says which were
    used and where they came from."""
    from ..core.sentinel2 import read_tile_angles

    from_metadata = {}
    if metadata:
        try:
            from_metadata = read_tile_angles(metadata)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
    angles, sources = {}, {}
    for name in ANGLE_PARAMETERS:
        key = name.lower()
        if key in from_metadata:
            angles[key], sources[key] = from_metadata[key], os.path.basename(metadata)
        elif parameters.get(name) is not None and str(parameters.get(name)) != "":
            angles[key] = algorithm.parameterAsDouble(parameters, name, context)
            sources[key] = name
    missing = [name for name in ANGLE_PARAMETERS if name.lower() not in angles]
    if missing:
        raise QgsProcessingException(tr(
            "Give {0} (degrees) or a Sentinel-2 tile METADATA file: the angles change the "
            "image, and no default fits every acquisition").format(", ".join(missing)))
    feedback.pushInfo(tr("Angles used: {0}").format(
        ", ".join(f"{k.replace('_', ' ')} {v:g} ({sources[k]})" for k, v in angles.items())))
    return angles


class Terminated(Exception):
    """SIGTERM arrived during a run (raised by the handler ``sigterm_cleans_up`` installs)."""


@contextlib.contextmanager
def sigterm_cleans_up(staged):
    """While a run writes, SIGTERM raises ``Terminated`` so the staged outputs are removed
    before the process ends (Python runs signal handlers in the main thread only: QGIS
    desktop runs algorithms in a worker thread, where its Cancel button does this job)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    terminated = []

    def handler(signum, frame):
        terminated.append(signum)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except BaseException:
        staged.discard()
        if terminated:  # raised anywhere, even inside a Numba call (then as a SystemError)
            raise QgsProcessingException(tr("Terminated (SIGTERM): nothing was written.")) \
                from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_staged(run, feedback):
    """Run ``run(staged)`` with every output staged: moved in together on success, removed
    on any failure, cancel or SIGTERM."""
    from ..core.canceled import Canceled
    from ..core.staging import StagedOutputs

    staged = StagedOutputs()
    try:
        with sigterm_cleans_up(staged):
            results = run(staged)
            if feedback.isCanceled():
                raise Canceled()
            staged.commit()
    except Canceled:
        staged.discard()
        raise QgsProcessingException(tr("Canceled: nothing was written.")) from None
    except BaseException:
        staged.discard()
        raise
    return results


def reserve_outputs(staged, outputs: dict[str, str]) -> dict[str, str]:
    """Each named output path -> where to write it (staged), checked writable before any
    computation; empty paths (outputs not wanted) are left out."""
    from ..core.staging import OutputNotWritable

    try:
        return {key: staged.reserve(path, key) for key, path in outputs.items() if path}
    except OutputNotWritable as error:
        raise QgsProcessingException(str(error)) from None


def checked_write(feedback, label: str):
    """Before each output written: stop on cancel, say which output is being written."""
    from ..core.canceled import Canceled

    if feedback.isCanceled():
        raise Canceled()
    feedback.setProgressText(tr("writing {0}").format(label))
