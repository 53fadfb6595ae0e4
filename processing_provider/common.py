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


#: mock-up files, and (the second filter) a tiled mock-up folder's path, which a file filter
#: must let through for Processing to accept it
MOCKUP_FILTER = "Mock-ups (*.obj *.ply *.stl *.glb *.gltf);;Tiled mock-up folders (*)"


def add_scene_parameters(algorithm, elements_help: str, folders: bool = False) -> None:
    if folders:
        algorithm.add(
            QgsProcessingParameterFile(algorithm.MOCKUP, tr("3D mock-up"),
                                       fileFilter=MOCKUP_FILTER),
            "The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's "
            "projected CRS, metres, z up. Tiled runs also take the path of a tiled mock-up "
            "folder (one OBJ per piece, as build_mockup writes a city), read per tile.",
        )
    else:
        algorithm.add(
            QgsProcessingParameterFile(algorithm.MOCKUP, tr("3D mock-up"),
                                       fileFilter=MOCKUP_FILTER.split(";;")[0]),
            "The classified 3D mock-up (OBJ groups, PLY, STL, glTF/GLB) in the image's "
            "projected CRS, metres, z up.",
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
                                  "Required (unmix and retrieve: unless METADATA gives it).")
        algorithm.add(sun_azimuth, "Direction of the sun, clockwise from north (as in "
                                   "Sentinel-2 metadata). Required (unmix and retrieve: "
                                   "unless METADATA gives it).")
        algorithm.add(view_zenith, "Angle between the vertical and the direction of the "
                                   "sensor. Required (unmix and retrieve: unless METADATA "
                                   "gives it).")
        algorithm.add(view_azimuth, "Direction of the sensor, clockwise from north. Required "
                                    "(unmix and retrieve: unless METADATA gives it).")
    algorithm.add(
        QgsProcessingParameterString("SKYL", tr("Skylight ratio SKYL"), defaultValue="0.2"),
        "Share of the downward irradiance that comes from the sky (isotropic): one value, or "
        "one per band separated by commas, or 6S to take it from the 6S atmosphere.",
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
        "Monte Carlo paths traced per pixel, on a jittered grid over the pixel; the "
        "standard error falls as 1/sqrt(SAMPLES). unmix defaults to 1,024: on independent "
        "renders of urban scenes, 256 left the leaves' median OP error at 5.4-6.0 % against "
        "3.7-4.5 %, and 64 at 6.6-10 % (benchmarks/bench_independent.py); a 100 x 100 "
        "pixel, 12-band scene then unmixes in about 40 s on two cores.",
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
        "The trace's polynomials are estimated from a few pixels before tracing; with "
        "TILE_SIZE 0 a run that would need more memory than this is traced in tiles that "
        "fit (see TILE_SIZE), and one that would not fit even so is refused with the "
        "estimate. 0: half of the machine's memory.",
        advanced=True,
    )


def add_scheduler_parameter(algorithm) -> None:
    """SCHEDULER, where the tiles of simulate, unmix and retrieve run."""
    algorithm.add(
        QgsProcessingParameterString("SCHEDULER", tr("Dask scheduler"), optional=True,
                                     defaultValue=""),
        "Where tiles run (TILE_SIZE > 0, or tiles chosen by TILE_SIZE 0): empty for "
        "threads in this process, 'processes' for a local process pool, or a "
        "dask.distributed scheduler address such as tcp://host:8786 (its workers need "
        "this plugin importable as unmix3d).",
        advanced=True,
    )


def memory_limit(algorithm, parameters, context) -> float | None:
    """MAX_MEMORY in bytes, None for the default (half of the machine's memory)."""
    megabytes = algorithm.parameterAsDouble(parameters, "MAX_MEMORY", context)
    return megabytes * 2**20 if megabytes > 0 else None


def automatic_tile_size(feedback, scene, grid, geometry, samples: int, seed: int,
                        periodic: bool, batches: int, reference_height, max_memory,
                        stitched: bool, scheduler: str) -> int:
    """TILE_SIZE 0: the tile size core.tiling.choose_tile_size picks (0: untiled), said in
    the log. ``stitched``: the whole grid's trace is joined and kept (unmix)."""
    from ..core.tiling import choose_tile_size

    choice = choose_tile_size(scene, grid, geometry, samples, seed, periodic, batches,
                              reference_height, max_memory, stitched, scheduler=scheduler)
    if choice.tile_size > 0:
        feedback.pushInfo(tr("TILE_SIZE 0 (automatic): the trace would peak at about {0:,.0f} "
                             "MB untiled, above the memory limit of {1:,.0f} MB: traced in "
                             "tiles of {2} pixels (about {3:,.0f} MB each)")
                          .format(choice.untiled_peak / 2**20, choice.limit / 2**20,
                                  choice.tile_size, choice.tile_peak / 2**20))
    else:
        feedback.pushInfo(tr("TILE_SIZE 0 (automatic): the trace runs untiled, about {0:,.1f} "
                             "MB of the memory limit of {1:,.0f} MB")
                          .format(choice.untiled_peak / 2**20, choice.limit / 2**20))
    return choice.tile_size


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

    if os.path.isdir(mockup_path):
        raise QgsProcessingException(tr(
            "MOCKUP {0} is a folder: a tiled mock-up folder (one OBJ per piece) is read per "
            "tile by unmix3d:simulate with TILE_SIZE > 0 and unmix3d:unmix with TILE_SIZE > 0 "
            "and UNMIX_BY_TILES; give an OBJ, PLY, STL or glTF file otherwise")
            .format(mockup_path))
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


def terrain_not_tiled_note() -> str:
    return tr("Tile by tile, the pixel grid is registered on a plane at the mock-up's lowest "
              "point: TERRAIN is not applied.")


def tile_mockup(algorithm, parameters, context, feedback):
    """(mock-up, element table) for tiled runs: MOCKUP a file loaded whole (shifted by
    MOCKUP_OFFSET_X / _Y where the algorithm has them), or a tiled mock-up folder (one OBJ per
    piece, as build_mockup writes for cities) opened for reading per tile: each tile parses
    only the pieces it meets; the first opening parses every piece once for its box and
    writes mockup_index.json beside them."""
    from ..core.scene.elements import read_element_table
    from ..core.tiling import FolderSource

    path = algorithm.parameterAsFile(parameters, "MOCKUP", context)
    if not os.path.isdir(path):
        scene = load_scene(path, algorithm.parameterAsFile(parameters, "ELEMENTS", context),
                           feedback)
        if algorithm.parameterDefinition("MOCKUP_OFFSET_X") is not None:
            scene.mockup.origin[:2] += [algorithm.parameterAsDouble(parameters, name, context)
                                        for name in ("MOCKUP_OFFSET_X", "MOCKUP_OFFSET_Y")]
        return scene.mockup, scene.elements
    shifted = [name for name in ("MOCKUP_OFFSET_X", "MOCKUP_OFFSET_Y")
               if algorithm.parameterDefinition(name) is not None
               and algorithm.parameterAsDouble(parameters, name, context) != 0]
    if shifted:
        raise QgsProcessingException(tr(
            "MOCKUP {0} is a tiled mock-up folder, which is read where its pieces lie: {1} "
            "cannot shift it; move the pieces or the image instead").format(
                path, ", ".join(shifted)))
    try:
        elements = read_element_table(
            algorithm.parameterAsFile(parameters, "ELEMENTS", context))
        folder = FolderSource(path, elements)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    feedback.pushInfo(tr("Mock-up folder {0}: {1} pieces ({2}), read per tile").format(
        path, len(folder.pieces), folder.index_status.describe()))
    return folder, elements


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


# ------------------------------------------------------------------------------ atmosphere
INPUT_LEVELS = ["surface", "TOA"]


def add_atmosphere_parameters(algorithm, level_help: str) -> None:
    """INPUT_LEVEL and the 6S atmosphere (unmix3d:simulate, unmix3d:unmix, unmix3d:retrieve)."""
    from ..core.atmosphere.sixs import AEROSOL_MODELS, SENSORS

    def number(name, label, default):
        return QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                            defaultValue=default)

    algorithm.add(QgsProcessingParameterEnum("INPUT_LEVEL", tr("Reflectance level"),
                                             options=INPUT_LEVELS, defaultValue=0), level_help)
    algorithm.add(QgsProcessingParameterEnum("SENSOR", tr("Sentinel-2 unit (6S)"),
                                             options=list(SENSORS), defaultValue=0),
                  "Whose spectral response functions 6S integrates (S2C: a flat response "
                  "over the sensor table's band centre and width); METADATA, where given, "
                  "names it.", advanced=True)
    algorithm.add(QgsProcessingParameterEnum("AEROSOL_MODEL", tr("Aerosol model (6S)"),
                                             options=list(AEROSOL_MODELS), defaultValue=0),
                  "6S's predefined aerosol model.", advanced=True)
    algorithm.add(number("AOT550", tr("Aerosol optical thickness at 550 nm"), 0.2),
                  "Aerosol optical thickness at 550 nm, 0 to 3 (the AOT layer of Sentinel-2 "
                  "L2A holds it x 1000).", advanced=True)
    algorithm.add(number("WATER_VAPOUR", tr("Water vapour (g/cm2)"), 2.0),
                  "Total column water vapour, 0 to 10 g/cm2 (the WVP layer of L2A / 1000).",
                  advanced=True)
    algorithm.add(number("OZONE", tr("Ozone (cm-atm)"), 0.3),
                  "Total column ozone, 0 to 1 cm-atm.", advanced=True)
    algorithm.add(number("ALTITUDE", tr("Ground altitude (km)"), 0.0),
                  "Target altitude above sea level, 0 to 8 km.", advanced=True)
    algorithm.add(QgsProcessingParameterString("DATE", tr("Acquisition date (YYYY-MM-DD)"),
                                               optional=True, defaultValue=""),
                  "Sets the Earth-Sun distance; empty: from METADATA where given, else "
                  "14 July.", advanced=True)
    from qgis.core import QgsProcessingParameterBoolean

    algorithm.add(QgsProcessingParameterBoolean("ADJACENCY", tr("Adjacency effect"),
                                                defaultValue=True),
                  "Add the light scattered into the view by the atmosphere from the "
                  "surroundings (6S's environment function over the image, the part "
                  "beyond it on the image mean).", advanced=True)


def parse_skyl(algorithm, parameters, context, bands: list[str]) -> np.ndarray:
    """SKYL as numbers, or NaN per band for '6S' (filled from the atmosphere later)."""
    text = algorithm.parameterAsString(parameters, "SKYL", context)
    if str(text).strip().upper() == "6S":
        return np.full(len(bands), np.nan)
    return parse_values(text, len(bands), "SKYL")


def _atmosphere(algorithm, parameters, context, feedback):
    from ..core.atmosphere.sixs import AEROSOL_MODELS, SENSORS, Atmosphere, read_metadata

    sensor = SENSORS[algorithm.parameterAsEnum(parameters, "SENSOR", context)]
    found = {}
    if algorithm.parameterDefinition("METADATA") is not None:
        metadata = algorithm.parameterAsFile(parameters, "METADATA", context)
        if metadata:
            found = read_metadata(metadata)
            sensor = found.get("sensor", sensor)
    month, day = found.get("month", 7), found.get("day", 14)
    date = algorithm.parameterAsString(parameters, "DATE", context).strip()
    if date:
        try:
            month, day = int(date[5:7]), int(date[8:10])
        except ValueError:
            raise QgsProcessingException(
                tr("DATE '{0}' must look like 2024-06-15").format(date)) from None
    values = {name: algorithm.parameterAsDouble(parameters, name, context)
              for name in ("AOT550", "WATER_VAPOUR", "OZONE", "ALTITUDE")}
    atmosphere = Atmosphere(
        list(AEROSOL_MODELS)[algorithm.parameterAsEnum(parameters, "AEROSOL_MODEL", context)],
        values["AOT550"], values["WATER_VAPOUR"], values["OZONE"], values["ALTITUDE"],
        month, day)
    return sensor, atmosphere


def coupled_atmosphere_for(algorithm, parameters, context, feedback, bands, geometry, grid):
    """6S per band for this image (cached in the QGIS settings folder)."""
    from qgis.core import QgsApplication

    from ..core.atmosphere.coupling import coupled_atmosphere

    try:
        sensor, atmosphere = _atmosphere(algorithm, parameters, context, feedback)
        periodic = BOUNDARIES[algorithm.parameterAsEnum(parameters, "BOUNDARY", context)] \
            == "periodic"
        cache = os.path.join(QgsApplication.qgisSettingsDirPath(), "cache", "unmix3d_6s")
        coupled = coupled_atmosphere(
            sensor, bands, geometry, atmosphere, grid, periodic,
            algorithm.parameterAsBool(parameters, "ADJACENCY", context), cache)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    feedback.pushInfo(tr("6S atmosphere ({0}): {1}").format(sensor, atmosphere))
    return coupled


def atmosphere_report(coupled) -> dict:
    """The atmospheric terms per band, as report settings."""
    from ..core.atmosphere.coupling import TERM_HEADER, describe_terms

    if coupled is None:
        return {}
    return {f"6S {row[0]}": "; ".join(f"{name} {value}" for name, value
                                      in zip(TERM_HEADER[1:], row[1:], strict=True))
            for row in describe_terms(coupled.terms)}


def surface_level(algorithm, parameters, context, feedback, image, valid, bands, geometry,
                  grid, skyl):
    """(image, valid, skyl, atmosphere): a TOA image becomes the surface-equivalent BRF and
    SKYL the 6S sky share; SKYL '6S' alone takes the sky share only. Atmosphere None when
    6S was not needed."""
    toa = INPUT_LEVELS[algorithm.parameterAsEnum(parameters, "INPUT_LEVEL", context)] == "TOA"
    if not toa and not np.isnan(skyl).any():
        return image, valid, skyl, None
    coupled = coupled_atmosphere_for(algorithm, parameters, context, feedback, bands,
                                     geometry, grid)
    if not toa:
        return image, valid, np.where(np.isnan(skyl), coupled.skyl, skyl), coupled
    feedback.pushInfo(tr("INPUT_LEVEL is TOA: SKYL is the 6S sky share {0}").format(
        ", ".join(f"{v:.4f}" for v in coupled.skyl)))
    try:
        surface = coupled.surface(image, valid)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    usable = valid & np.all(np.isfinite(surface) & (surface >= 0) & (surface <= 1), axis=0)
    dropped = int(valid.sum() - usable.sum())
    if dropped:
        feedback.pushWarning(tr("{0} pixels have a surface-equivalent reflectance outside "
                                "[0, 1] under this atmosphere (too much path reflectance?): "
                                "set aside as NoData").format(dropped))
    if not usable.any():
        raise QgsProcessingException(tr("No pixel keeps a surface reflectance in [0, 1] "
                                        "under this atmosphere: check AOT550 and "
                                        "AEROSOL_MODEL"))
    return surface, usable, coupled.skyl, coupled


def surface_acquisition(algorithm, parameters, context, feedback, acquisition, bands):
    """``surface_level`` for a core.retrieve.run.Acquisition."""
    from dataclasses import replace

    image, valid, skyl, _ = surface_level(
        algorithm, parameters, context, feedback, acquisition.image, acquisition.valid, bands,
        acquisition.geometry, acquisition.grid, np.asarray(acquisition.skyl, dtype=float))
    return replace(acquisition, image=image, valid=valid, skyl=skyl)


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


def read_reflectance_image(algorithm, parameters, context, feedback, layer, label: str):
    """(raster, grid, reflectance, valid) of a surface-reflectance layer, checked alike for
    every algorithm: a projected CRS, SCALE and OFFSET applied, scaled integers refused from
    the data type and the distribution, NaN, NoData and out-of-range pixels set aside, and
    at least one pixel valid in every band."""
    from ..core.raster_io import read_raster
    from ..core.sentinel2 import surface_reflectance
    from ..core.simulate import PixelGrid

    try:
        raster = read_raster(layer.source())
        check_image_crs(raster.crs_wkt, label)
        grid = PixelGrid.from_geotransform(raster.geotransform, *raster.shape)
        image, valid, notes = surface_reflectance(
            raster.data, raster.valid, raster.band_names,
            algorithm.parameterAsDouble(parameters, "SCALE", context),
            algorithm.parameterAsDouble(parameters, "OFFSET", context), label,
            integer_type=raster.integer_type)
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None
    for note in notes:
        feedback.pushWarning(note)
    if not valid.any():
        raise QgsProcessingException(tr("{0} has no pixel valid in every band").format(label))
    return raster, grid, image, valid


def add_metadata_parameter(algorithm) -> None:
    """METADATA: the Sentinel-2 tile metadata whose angles stand in for the angle parameters."""
    algorithm.add(QgsProcessingParameterFile("METADATA", tr("Sentinel-2 tile metadata"),
                                             optional=True, fileFilter="XML (*.xml)"),
                  "Optional MTD_TL.xml of the Sentinel-2 tile: its mean sun and view angles "
                  "replace the angle parameters.")


def check_scene_bands(scene, bands: list[str], label: str, table_ops: bool = True,
                      columns_optional: bool = False) -> None:
    """The image's bands against the element table, the same for every algorithm: each band
    is a column of the table (``table_ops``: every element gives its OP there;
    ``columns_optional``: a table with no band column at all is accepted, as retrieve's start
    values have defaults), and every spectral rule names bands of the image."""
    table = scene.elements
    missing = [band for band in bands if band not in table.bands]
    if missing and not (columns_optional and not table.bands):
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
