"""Opening a tiled mock-up folder with and without its box index (``mockup_index.json``).

Builds the Brussels-like city of bench_city (``build_brussels``) over ``--area`` km2 (or
takes ``--folder``, an existing tiled mock-up folder, with ``--elements``), then opens it
as ``core.tiling.FolderSource`` three times in this process: without an index (every piece
parsed for its box, the index written), with it (nothing parsed), and after one piece was
touched (that piece parsed again). Checks that the indexed opening's boxes, part names and
origin are the parsing opening's exactly, and prints one JSON object: pieces, triangles,
the seconds of each opening, the ratio parsing / indexed, the parse rate and the load
average.

Usage::

    .venv/bin/python benchmarks/bench_folder_index.py --area 4
    .venv/bin/python benchmarks/bench_folder_index.py --folder /big/city --elements el.csv
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed_open(folder: str, elements):
    from unmix3d.core.tiling import FolderSource

    start = time.perf_counter()
    source = FolderSource(folder, elements)
    return source, time.perf_counter() - start


def same_boxes(a, b) -> bool:
    import numpy as np

    return (all(x.path == y.path and x.part_names == y.part_names
                and np.array_equal(x.low, y.low) and np.array_equal(x.high, y.high)
                for x, y in zip(a.pieces, b.pieces, strict=True))
            and a.part_index == b.part_index
            and np.array_equal(a.mockup.origin, b.mockup.origin))


def measure(folder: str, elements_path: str) -> dict:
    from unmix3d.core.scene.elements import read_element_table
    from unmix3d.core.scene.folder_index import INDEX_NAME

    elements = read_element_table(elements_path)
    index = Path(folder) / INDEX_NAME
    if index.exists():
        index.unlink()
    parsing, parse_seconds = timed_open(folder, elements)
    indexed, index_seconds = timed_open(folder, elements)
    first = Path(parsing.pieces[0].path)
    stamp = first.stat().st_mtime_ns + 10**9
    os.utime(first, ns=(stamp, stamp))
    touched, touched_seconds = timed_open(folder, elements)
    triangles = sum(piece.triangles for piece in parsing.pieces)
    return {
        "pieces": len(parsing.pieces), "triangles": triangles,
        "obj_mb": round(sum(Path(p.path).stat().st_size for p in parsing.pieces) / 2**20),
        "index_kb": round(index.stat().st_size / 1024, 1),
        "open_parsing_seconds": round(parse_seconds, 3),
        "open_indexed_seconds": round(index_seconds, 4),
        "open_one_piece_touched_seconds": round(touched_seconds, 3),
        "parsing_over_indexed": round(parse_seconds / index_seconds, 1),
        "parse_million_triangles_per_second": round(triangles / parse_seconds / 1e6, 3),
        "statuses": [s.index_status.describe() for s in (parsing, indexed, touched)],
        "identical_boxes": same_boxes(parsing, indexed) and same_boxes(parsing, touched),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", type=float, default=4.0, help="km2 of the built city")
    parser.add_argument("--folder", help="an existing tiled mock-up folder (not built)")
    parser.add_argument("--elements", help="its element table (with --folder)")
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args()
    from package_import import import_unmix3d

    import_unmix3d()
    if args.folder:
        if not args.elements:
            parser.error("--folder needs --elements")
        result = {"folder": args.folder, **measure(args.folder, args.elements)}
    else:
        from bench_city import build_brussels

        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            folder, elements, *_ = build_brussels(work, args.area, 1.0, 12, 9, 20.0, 8)
            built = time.perf_counter() - start
            result = {"scene": "brussels (bench_city)", "area_km2": args.area,
                      "build_seconds": round(built, 1), **measure(folder, elements)}
    result["date"] = time.strftime("%Y-%m-%d")
    text = json.dumps(result, indent=1)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    if not result["identical_boxes"]:
        sys.exit("the indexed opening differs from the parsing one")


if __name__ == "__main__":
    main()
