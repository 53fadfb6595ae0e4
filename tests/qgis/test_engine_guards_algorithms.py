"""Engine guards as users meet them in Processing: default seeds, pixels beyond the mock-up,
the lost-path and memory lines of the log, simulate and unmix chained in a model, and two
algorithms running at once."""

import re

import pytest


def test_simulate_unmix_and_retrieve_never_default_to_the_same_seed(unmix3d_provider):
    """Unmixing an image simulated with the defaults must not invert the very same paths."""
    seeds = {name: unmix3d_provider.algorithm(name).parameterDefinition("SEED").defaultValue()
             for name in ("simulate", "unmix", "retrieve")}
    assert len(set(seeds.values())) == 3, seeds
    help_text = unmix3d_provider.algorithm("unmix").parameterDefinition("SEED").help()
    assert "simulate 1, unmix 2" in help_text
    assert seeds["simulate"] == 1 and seeds["unmix"] == 2


@pytest.mark.parametrize("name", ["simulate", "unmix"])
def test_terrain_parameter_is_offered_with_help(unmix3d_provider, name):
    parameter = unmix3d_provider.algorithm(name).parameterDefinition("TERRAIN")
    assert parameter.defaultValue() == "ground" and "orthorectified" in parameter.help()


X0, Y0 = 500000.0, 4800000.0
GEOMETRY = {"SUN_ZENITH": 30.0, "SUN_AZIMUTH": 150.0, "VIEW_ZENITH": 0.0, "VIEW_AZIMUTH": 0.0,
            "SKYL": "0.2"}


class LogFeedback:
    """A Processing feedback that keeps the log lines."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class Keeping(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines = []

            def pushInfo(self, info):  # noqa: N802 - QGIS API
                self.lines.append(info)
                super().pushInfo(info)

            def pushWarning(self, warning):  # noqa: N802 - QGIS API
                self.lines.append(warning)
                super().pushWarning(warning)

        return Keeping()


@pytest.fixture(scope="module")
def block_files(tmp_path_factory):
    """A 50 m mock-up (ground and a 10 m block) and its element table."""
    folder = tmp_path_factory.mktemp("block")
    lines, count = [], 0

    def quad(corners):
        nonlocal count
        a, b, c, d = corners
        for triangle in ((a, b, c), (a, c, d)):
            for x, y, z in triangle:
                lines.append(f"v {x:.3f} {y:.3f} {z:.3f}")
            lines.append(f"f {count + 1} {count + 2} {count + 3}")
            count += 3

    lines.append("g ground")
    quad([(X0, Y0, 0), (X0 + 50, Y0, 0), (X0 + 50, Y0 + 50, 0), (X0, Y0 + 50, 0)])
    lines.append("g roof")
    quad([(X0 + 20, Y0 + 20, 5), (X0 + 30, Y0 + 20, 5), (X0 + 30, Y0 + 30, 5),
          (X0 + 20, Y0 + 30, 5)])
    (folder / "block.obj").write_text("\n".join(lines) + "\n")
    (folder / "elements.csv").write_text("element,match,type,rt_ratio,rule,B4,B8\n"
                                         "ground,ground,opaque,,,0.1,0.3\n"
                                         "roof,roof,opaque,,,0.3,0.35\n")
    return folder


def simulate_parameters(block_files, out, extent, **extra):
    return {"MOCKUP": str(block_files / "block.obj"),
            "ELEMENTS": str(block_files / "elements.csv"),
            "EXTENT": f"{extent[0]},{extent[1]},{extent[2]},{extent[3]} [EPSG:32631]",
            "PIXEL_SIZE": 10.0, "CRS": "EPSG:32631", "BANDS": "B4,B8", **GEOMETRY,
            "SAMPLES": 16, "OUTPUT": str(out), "FRACTIONS": None, **extra}


def test_simulate_writes_nodata_beyond_the_mockup_and_logs_paths_and_memory(
        unmix3d_provider, block_files, tmp_path):
    from qgis.core import QgsProcessingContext

    from unmix3d.core.raster_io import read_raster

    out = tmp_path / "wide.tif"
    feedback = LogFeedback()
    algorithm = unmix3d_provider.algorithm("simulate")
    parameters = simulate_parameters(block_files, out, (X0 - 50, X0 + 100, Y0 - 50, Y0 + 100))
    _, ok = algorithm.run(parameters, QgsProcessingContext(), feedback)
    assert ok, feedback.lines
    image = read_raster(out)
    assert image.shape == (15, 15)
    assert image.valid[:, 5:10, 5:10].all() and image.valid.sum() == 2 * 25
    log = "\n".join(feedback.lines)
    assert "400 paths traced: 0 lost in turbid media, 0 dropped" in log
    assert "estimated before tracing" in log and "terrain (ground)" in log


def test_max_memory_refuses_the_run_with_the_estimate(run_algorithm, block_files, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "refused.tif"
    with pytest.raises(QgsProcessingException, match=r"would need about .* MB .*MAX_MEMORY"):
        run_algorithm("unmix3d:simulate", simulate_parameters(
            block_files, out, (X0, X0 + 50, Y0, Y0 + 50), MAX_MEMORY=0.001))
    assert not out.exists()


def test_simulate_then_unmix_in_a_model(unmix3d_provider, block_files, tmp_path):
    """The two algorithms chained in a .model3 (saved, loaded, run), as modeler users do:
    unmix reads the simulated image and recovers the table's OPs on pure pixels."""
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    from unmix3d.core.raster_io import read_raster

    def static(value):
        return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]

    model = QgsProcessingModelAlgorithm("simulate then unmix", "unmix3d tests")
    simulate = QgsProcessingModelChildAlgorithm("unmix3d:simulate")
    simulate.setChildId("simulate")
    for key, value in simulate_parameters(block_files, "", (X0, X0 + 50, Y0, Y0 + 50),
                                          SAMPLES=64).items():
        if key not in ("OUTPUT", "FRACTIONS"):
            simulate.addParameterSources(key, static(value))
    model.addChildAlgorithm(simulate)
    unmix = QgsProcessingModelChildAlgorithm("unmix3d:unmix")
    unmix.setChildId("unmix")
    unmix.addParameterSources("IMAGE", [
        QgsProcessingModelChildParameterSource.fromChildOutput("simulate", "OUTPUT")])
    for key, value in {"MOCKUP": str(block_files / "block.obj"),
                       "ELEMENTS": str(block_files / "elements.csv"), **GEOMETRY,
                       "SAMPLES": 64, "TRACE_NOISE": 0.0, "ITERATIONS": 2, "WINDOW": "3x3",
                       "LOAD_MAPS": False,
                       "REPORT": str(tmp_path / "report.html")}.items():
        unmix.addParameterSources(key, static(value))
    output = QgsProcessingModelOutput("maps", "OP maps")
    output.setChildOutputName("OUTPUT_FOLDER")
    unmix.setModelOutputs({"maps": output})
    model.addChildAlgorithm(unmix)
    path = tmp_path / "simulate_unmix.model3"
    assert model.toFile(str(path))
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(str(path))
    maps = tmp_path / "maps"
    parameters = {"unmix:maps": str(maps)}
    ok, message = loaded.checkParameterValues(parameters, QgsProcessingContext())
    assert ok, message
    _, ok = loaded.run(parameters, QgsProcessingContext(), QgsProcessingFeedback())
    assert ok
    report = (tmp_path / "report.html").read_text()
    assert re.search(r"paths lost / dropped / clamped</td>\s*<td>0 / 0 / 0 of 1,600<", report)
    assert "polynomials MB (estimated / actual)" in report
    ground = read_raster(maps / "ground.tif")
    assert ground.valid[:, 0, 0].all()
    assert ground.data[:, 0, 0] == pytest.approx([0.1, 0.3], rel=0.01)


def test_two_simulations_run_at_once(unmix3d_provider, block_files, tmp_path):
    """Two algorithms in parallel threads (as QGIS runs background tasks): both finish with
    the results each would give alone."""
    import threading

    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    from unmix3d.core.raster_io import read_raster

    extent = (X0, X0 + 50, Y0, Y0 + 50)
    alone = tmp_path / "alone.tif"
    _, ok = unmix3d_provider.algorithm("simulate").run(
        simulate_parameters(block_files, alone, extent, SAMPLES=64), QgsProcessingContext(),
        QgsProcessingFeedback())
    assert ok
    outcomes = {}

    def run(name):
        algorithm = unmix3d_provider.algorithm("simulate")
        parameters = simulate_parameters(block_files, tmp_path / f"{name}.tif", extent,
                                         SAMPLES=64)
        try:
            outcomes[name] = algorithm.run(parameters, QgsProcessingContext(),
                                           QgsProcessingFeedback())[1]
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert outcomes == {"a": True, "b": True}, outcomes
    reference = read_raster(alone).data
    for name in ("a", "b"):
        assert (read_raster(tmp_path / f"{name}.tif").data == reference).all()
