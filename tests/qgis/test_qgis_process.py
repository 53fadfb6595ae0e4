"""Headless users run the plugin through qgis_process: drive it as a subprocess."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from unmix3d.core.raster_io import read_raster, write_raster

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "qgis_process.sh"


def qgis_process(*args, home):
    """Run the wrapper with a fresh profile (HOME), as on a machine that never saw the plugin."""
    env = dict(os.environ, HOME=str(home))
    return subprocess.run([str(WRAPPER), *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("home")


def test_provider_is_listed(home):
    listing = qgis_process("list", home=home)
    assert listing.returncode == 0, listing.stderr
    assert "unmix3d:degrade" in listing.stdout


def test_run_degrade_headless(home, tmp_path):
    data = np.random.default_rng(5).random((3, 6, 8))
    source = tmp_path / "in.tif"
    write_raster(source, data, None, (600000, 10, 0, 5000000, 0, -10), "", ["B2", "B3", "B4"])
    out = tmp_path / "out.tif"
    run = qgis_process("run", "unmix3d:degrade", "--json", "--", f"INPUT={source}", "FACTOR=2",
                       f"OUTPUT={out}", home=home)
    assert run.returncode == 0, run.stdout + run.stderr
    reply = json.loads(run.stdout[run.stdout.index("{"):])
    assert reply["results"]["OUTPUT"] == str(out)
    raster = read_raster(out)
    assert raster.band_names == ["B2", "B3", "B4"]
    assert raster.geotransform == (600000, 20, 0, 5000000, 0, -20)
    np.testing.assert_allclose(raster.data[2, 2, 3], data[2, 4:6, 6:8].mean(), rtol=1e-6)


def test_bad_factor_headless_names_the_parameter(home, tmp_path):
    source = tmp_path / "in.tif"
    write_raster(source, np.ones((1, 3, 3)), None, (0, 1, 0, 3, 0, -1), "", ["B1"])
    out = tmp_path / "out.tif"
    run = qgis_process("run", "unmix3d:degrade", "--", f"INPUT={source}", "FACTOR=4",
                       f"OUTPUT={out}", home=home)
    assert run.returncode != 0
    assert "smaller than one 4 x 4 block" in run.stdout + run.stderr
    assert not out.exists()
    # the plugin raises one QgsProcessingException and reports nothing itself: QGIS 3.22
    # prints it three times (its message log, then its console feedback's "ERROR:" line
    # and that feedback's own message log entry); a reportError of ours would add two more
    lines = [line for line in run.stderr.splitlines() if "smaller than one 4 x 4 block" in line]
    assert len(lines) == 3 and sum(line.startswith("ERROR:") for line in lines) == 1, lines
    assert "Traceback" not in run.stderr
