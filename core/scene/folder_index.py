"""The box index of a tiled mock-up folder: each OBJ piece's world bounding box and part
names, kept in ``mockup_index.json`` beside the pieces.

Opening a folder needs every piece's box (which tiles it serves) and part names (the
element table is matched against their union). Parsing every piece for them costs as much
as reading the whole mock-up (tens of minutes for a city of 100 M triangles), so the boxes
are written once and read back on later openings. An entry is trusted only while its
piece's file name, size and modification time are those it was made from; pieces that are
new or changed are parsed again, entries of pieces gone are dropped, and an index that
cannot be read (corrupt, another version) is rebuilt. The file is replaced atomically
(written beside it, then renamed); a folder that cannot be written is still opened, its
boxes parsed every time.

Boxes are float64 as ``read_obj`` gives them and round-trip exactly through JSON (Python
writes the shortest repr that reads back to the same double), so an indexed opening gives
the very boxes, origin and part order of a parsing one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .mockup import read_obj

INDEX_NAME = "mockup_index.json"
INDEX_VERSION = 1


@dataclass(frozen=True)
class MockupPiece:
    """One OBJ file of a tiled mock-up folder: its world bounding box and part names."""

    path: str
    low: np.ndarray  # float64 (3,), world metres
    high: np.ndarray
    part_names: tuple[str, ...]
    triangles: int = 0


@dataclass(frozen=True)
class IndexStatus:
    """What an opening did with the index: pieces read from it, pieces parsed, and whether
    the index file was (re)written, or why it could not be."""

    indexed: int
    parsed: int
    written: bool
    problem: str = ""

    def describe(self) -> str:
        text = f"{self.indexed} piece boxes from {INDEX_NAME}, {self.parsed} parsed"
        if self.written:
            text += f"; {INDEX_NAME} written"
        if self.problem:
            text += f"; {self.problem}"
        return text


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def read_index(folder: Path) -> tuple[dict[str, dict], str]:
    """The index's entries by file name, and a note when the file exists but is unusable
    (an empty dict and no note when there is none)."""
    index_path = folder / INDEX_NAME
    if not index_path.exists():
        return {}, ""
    try:
        data = json.loads(index_path.read_text(encoding="utf-8"))
        if data.get("version") != INDEX_VERSION:
            return {}, f"{INDEX_NAME} is of another version: rebuilt"
        entries = {}
        for entry in data["pieces"]:
            low, high = (np.array(entry[k], np.float64) for k in ("low", "high"))
            if low.shape != (3,) or high.shape != (3,) or not isinstance(entry["file"], str):
                raise ValueError("a box is not three numbers")
            entries[entry["file"]] = {
                "size": int(entry["size"]), "mtime_ns": int(entry["mtime_ns"]),
                "low": low, "high": high, "triangles": int(entry["triangles"]),
                "part_names": tuple(str(name) for name in entry["part_names"])}
        return entries, ""
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        return {}, f"{INDEX_NAME} could not be read ({error}): rebuilt"


def write_index(folder: Path, pieces: list[MockupPiece],
                stamps: list[tuple[int, int]]) -> None:
    """Write the index atomically (a temporary file in the folder, then renamed)."""
    data = {"version": INDEX_VERSION, "pieces": [
        {"file": os.path.basename(piece.path), "size": size, "mtime_ns": mtime_ns,
         "low": piece.low.tolist(), "high": piece.high.tolist(),
         "triangles": piece.triangles, "part_names": list(piece.part_names)}
        for piece, (size, mtime_ns) in zip(pieces, stamps, strict=True)]}
    handle, staged = tempfile.mkstemp(prefix=".mockup_index.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(staged, folder / INDEX_NAME)
    except BaseException:
        if os.path.exists(staged):
            os.unlink(staged)
        raise


def parse_piece(path: Path) -> MockupPiece:
    """A piece's box and part names, from its triangles."""
    triangles, _part, part_names = read_obj(str(path))
    flat = triangles.reshape(-1, 3)
    return MockupPiece(str(path), flat.min(axis=0), flat.max(axis=0), tuple(part_names),
                       len(triangles))


def piece_boxes(folder: str | os.PathLike,
                paths: list[Path]) -> tuple[list[MockupPiece], IndexStatus]:
    """Every piece's box and part names, in the order of ``paths``: from the folder's index
    where its entry is current, else parsed; the index rewritten when it
    was missing, stale or unreadable."""
    folder = Path(folder)
    entries, problem = read_index(folder)
    pieces, stamps, parsed = [], [], 0
    for path in paths:
        stamp = _stamp(path)
        entry = entries.get(path.name)
        if entry is not None and (entry["size"], entry["mtime_ns"]) == stamp:
            pieces.append(MockupPiece(str(path), entry["low"], entry["high"],
                                      entry["part_names"], entry["triangles"]))
        else:
            pieces.append(parse_piece(path))
            parsed += 1
        stamps.append(stamp)
    gone = set(entries) - {path.name for path in paths}
    written = False
    if parsed or gone or problem:
        try:
            write_index(folder, pieces, stamps)
            written = True
        except OSError as error:
            problem = (problem + "; " if problem else "") + \
                f"{INDEX_NAME} could not be written ({error.strerror or error})"
    return pieces, IndexStatus(len(paths) - parsed, parsed, written, problem)
