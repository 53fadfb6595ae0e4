"""The box index of a tiled mock-up folder: an indexed opening is the parsing one exactly,
stale, new, removed and corrupt entries are handled, and a read-only folder still opens."""

import json
import os
import stat

import numpy as np
import pytest
from test_tiling import write_pieces

from unmix3d.core.scene import folder_index
from unmix3d.core.scene.folder_index import INDEX_NAME, piece_boxes
from unmix3d.core.tiling import FolderSource


def opened(folder, elements):
    """A FolderSource and what it took from the index, counting the pieces parsed."""
    source = FolderSource(folder, elements)
    return source, source.index_status


def same_opening(a: FolderSource, b: FolderSource) -> None:
    assert [p.path for p in a.pieces] == [p.path for p in b.pieces]
    for x, y in zip(a.pieces, b.pieces, strict=True):
        assert x.part_names == y.part_names and x.triangles == y.triangles
        assert np.array_equal(x.low, y.low) and np.array_equal(x.high, y.high)
        assert x.low.dtype == y.low.dtype == np.float64
    assert a.part_index == b.part_index and list(a.part_element) == list(b.part_element)
    assert np.array_equal(a.mockup.origin, b.mockup.origin)
    assert np.array_equal(a.mockup.triangles, b.mockup.triangles)
    assert np.array_equal(a.local_low, b.local_low) and np.array_equal(a.local_high,
                                                                         b.local_high)


@pytest.fixture
def city(tmp_path):
    folder = tmp_path / "city"
    folder.mkdir()
    return folder, write_pieces(folder)


def test_the_first_opening_writes_the_index_and_later_ones_parse_nothing(city, monkeypatch):
    folder, elements = city
    first, status = opened(folder, elements)
    assert (status.indexed, status.parsed, status.written) == (0, 6, True)
    assert (folder / INDEX_NAME).exists()
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]

    def no_parsing(path):
        raise AssertionError(f"{path} parsed although indexed")

    monkeypatch.setattr(folder_index, "read_obj", no_parsing)
    second, status = opened(folder, elements)
    assert (status.indexed, status.parsed, status.written) == (6, 0, False)
    same_opening(first, second)
    # and a tile's sub-scene from the indexed opening is the parsing one's
    monkeypatch.undo()
    window = (first.mockup.origin[0] + 5, first.mockup.origin[1] + 5,
              first.mockup.origin[0] + 30, first.mockup.origin[1] + 30)
    (a, count_a), (b, count_b) = (s.sub_scene(window, periodic=False) for s in (first, second))
    assert count_a == count_b > 0
    assert np.array_equal(a.mockup.triangles, b.mockup.triangles)


def test_a_changed_new_or_removed_piece_is_reparsed_or_dropped(city):
    folder, elements = city
    opened(folder, elements)
    pieces = sorted(folder.glob("*.obj"))
    # move piece 0 up by 10 m (its stamp changes: a new time is set, as a coarse clock
    # could give the rewrite its old one) and copy piece 1 as a new piece
    lines = pieces[0].read_text().splitlines()
    for k, line in enumerate(lines):
        if line.startswith("v "):
            x, y, z = line.split()[1:4]
            lines[k] = f"v {x} {y} {float(z) + 10.0:.4f}"
    before = pieces[0].stat().st_mtime_ns
    pieces[0].write_text("\n".join(lines) + "\n")
    os.utime(pieces[0], ns=(before + 10**9, before + 10**9))
    (folder / "piece_9.obj").write_text(pieces[1].read_text())
    pieces[2].unlink()
    source, status = opened(folder, elements)
    assert (status.indexed, status.parsed, status.written) == (4, 2, True)
    fresh_folder = folder.parent / "fresh"
    fresh_folder.mkdir()
    for path in folder.glob("*.obj"):
        (fresh_folder / path.name).write_text(path.read_text())
    fresh = FolderSource(fresh_folder, elements)
    assert [os.path.basename(p.path) for p in source.pieces] == \
        [os.path.basename(p.path) for p in fresh.pieces]
    for x, y in zip(source.pieces, fresh.pieces, strict=True):
        assert np.array_equal(x.low, y.low) and np.array_equal(x.high, y.high)
    assert source.pieces[0].high[2] == fresh.pieces[0].high[2] > 10.0
    entries = json.loads((folder / INDEX_NAME).read_text())["pieces"]
    assert sorted(e["file"] for e in entries) == sorted(p.name for p in folder.glob("*.obj"))


@pytest.mark.parametrize("damage", ["{not json", '{"version": 99, "pieces": []}',
                                    '{"version": 1, "pieces": [{"file": "piece_0.obj"}]}',
                                    '{"version": 1, "pieces": [{"file": "piece_0.obj", '
                                    '"size": 1, "mtime_ns": 1, "low": [0, 0], "high": [1, 1, 1],'
                                    ' "triangles": 1, "part_names": []}]}'])
def test_a_corrupt_index_is_rebuilt(city, damage):
    folder, elements = city
    reference, _ = opened(folder, elements)
    (folder / INDEX_NAME).write_text(damage)
    source, status = opened(folder, elements)
    assert status.parsed == 6 and status.written
    same_opening(reference, source)
    assert json.loads((folder / INDEX_NAME).read_text())["version"] == folder_index.INDEX_VERSION


def test_a_stale_entry_with_wrong_boxes_is_not_trusted(city):
    """An entry whose stamp no longer matches is parsed again even if its box looks fine."""
    folder, elements = city
    reference, _ = opened(folder, elements)
    data = json.loads((folder / INDEX_NAME).read_text())
    data["pieces"][0]["low"] = [-1e6, -1e6, -1e6]
    data["pieces"][0]["size"] += 1
    (folder / INDEX_NAME).write_text(json.dumps(data))
    source, status = opened(folder, elements)
    assert (status.indexed, status.parsed) == (5, 1)
    same_opening(reference, source)


def test_a_read_only_folder_opens_without_an_index(city, monkeypatch):
    folder, elements = city
    reference, _ = opened(folder, elements)
    (folder / INDEX_NAME).unlink()
    mode = folder.stat().st_mode
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root writes into read-only folders: refuse as the kernel would
        def refused(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(folder_index.tempfile, "mkstemp", refused)
    try:
        source, status = opened(folder, elements)
    finally:
        folder.chmod(mode)
    assert status.parsed == 6 and not status.written and "could not be written" in \
        status.problem
    assert "Permission denied" in status.describe()
    same_opening(reference, source)
    assert not (folder / INDEX_NAME).exists()


def test_a_failed_write_leaves_no_temporary_file(city, monkeypatch):
    folder, _ = city
    paths = sorted(folder.glob("*.obj"))

    def broken_dump(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folder_index.json, "dump", broken_dump)
    pieces, status = piece_boxes(folder, paths)
    assert len(pieces) == 6 and not status.written and "No space left" in status.problem
    assert sorted(os.listdir(folder)) == sorted(p.name for p in paths)
