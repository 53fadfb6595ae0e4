"""The Brussels-like city of bench_city.py run as a user runs it: `qgis_process` calls of
unmix3d:simulate (TILE_SIZE, the tiled mock-up folder read per tile) and unmix3d:unmix
(TILE_SIZE + UNMIX_BY_TILES: the image read per block, OP maps written tile by tile), each
its own process, with its wall time, CPU time and peak memory (os.wait4's rusage of that
process), and the OP maps' median error against the element table that made the image
(our own renderer at a few samples: a self-consistency check of the run, not an accuracy
figure).

  .venv/bin/python benchmarks/bench_city_process.py --city /tmp/brussels --area 272.25 \\
      --build --output benchmarks/results/bench_city_process_272.json

``--build`` writes the city into ``--city`` (kept: 12.6 GB at 272 km2); without it the
folder ``--city`` built earlier is used (``city/`` of OBJ pieces and ``el.csv``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_city import BANDS_12, BLOCK  # noqa: E402

GEOMETRY = ["SUN_ZENITH=40", "SUN_AZIMUTH=150", "VIEW_ZENITH=10", "VIEW_AZIMUTH=100",
            "SKYL=0.15"]


def city_extent(area: float) -> tuple[float, float, float, float]:
    """The extent bench_build_mockup.city gives the blocks of ``area`` km2."""
    n = int(round(area * 1e6 / BLOCK ** 2))
    side = math.ceil(math.sqrt(n))
    x0, y0 = 500000.0, 4800000.0
    return x0, y0, x0 + side * BLOCK, y0 + math.ceil(n / side) * BLOCK


def run_process(arguments: list[str], log: Path) -> dict:
    """Run ``scripts/qgis_process.sh`` with ``arguments``, its output into ``log``; its wall
    and CPU seconds and peak resident memory (that process alone)."""
    start = time.perf_counter()
    with open(log, "w") as handle:
        child = subprocess.Popen([str(ROOT / "scripts" / "qgis_process.sh"), *arguments],
                                 stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode:
        sys.exit(f"{arguments[1]} failed ({child.returncode}); see {log}")
    return {"seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def median_errors(maps: Path, elements_path: Path, step: int) -> dict:
    """Median |OP / table OP - 1| (%) per element over its mapped pixels, read with every
    ``step``-th pixel in each direction (the maps are never read whole)."""
    import numpy as np
    from osgeo import gdal

    from unmix3d.core.scene.elements import read_element_table

    errors = {}
    for element in read_element_table(elements_path).elements:
        dataset = gdal.Open(str(maps / f"{element.name}.tif"))
        data = dataset.ReadAsArray(buf_xsize=dataset.RasterXSize // step,
                                   buf_ysize=dataset.RasterYSize // step,
                                   resample_alg=gdal.GRIORA_NearestNeighbour)
        truth = np.array([element.op[band] for band in BANDS_12])[:, None, None]
        valid = np.isfinite(data) & (data != dataset.GetRasterBand(1).GetNoDataValue())
        ratio = np.abs(data / truth - 1)[valid]
        errors[element.name] = {"median_op_error_pct": round(float(np.median(ratio)) * 100, 2)
                                if ratio.size else None, "pixels_read": int(valid.sum())}
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--city", required=True, help="folder of the built city")
    parser.add_argument("--area", type=float, default=1.0, help="km2 (as built)")
    parser.add_argument("--build", action="store_true", help="build the city first")
    parser.add_argument("--pixel", type=float, default=10.0)
    parser.add_argument("--tile", type=int, default=50)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--image-samples", type=int, default=0,
                        help="samples per pixel of the pseudo-image (default --samples)")
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--error-step", type=int, default=4)
    parser.add_argument("--output", default="")
    parser.add_argument("--unmix-only", default="",
                        help="result JSON of an earlier run of this city: its build and simulate "
                             "records are kept and only the unmix runs, on its image.tif")
    args = parser.parse_args()
    if args.unmix_only and args.build:
        parser.error("--unmix-only reuses a built city: leave out --build")
    from package_import import import_unmix3d

    import_unmix3d()
    city = Path(args.city)
    record = {"date": time.strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
              "area_km2": args.area, "tile_pixels": args.tile, "samples": args.samples,
              "iterations": args.iterations}
    if args.build:
        from bench_city import build_brussels

        city.mkdir(parents=True, exist_ok=False)
        start = time.perf_counter()
        _, _, _, triangles, trees, pieces = build_brussels(
            str(city), args.area, 1.0, 12, 9, 20.0, 8)
        record["build"] = {"seconds": round(time.perf_counter() - start, 1),
                           "triangles": int(triangles), "trees": trees, "pieces": pieces}
        print(json.dumps(record["build"]), flush=True)
    x0, y0, x1, y1 = city_extent(args.area)
    cols = int(min(x1 - x0, y1 - y0) // args.pixel)
    extent = f"{x0},{x0 + cols * args.pixel},{y0},{y0 + cols * args.pixel} [EPSG:32631]"
    record["pixels"] = cols * cols
    out = city / "run"
    out.mkdir(exist_ok=True)
    scene = [f"MOCKUP={city / 'city'}", f"ELEMENTS={city / 'el.csv'}", *GEOMETRY,
             f"TILE_SIZE={args.tile}"]
    record["image_samples"] = args.image_samples or args.samples
    image = out / "image.tif"
    if args.unmix_only:
        if not image.exists():
            parser.error(f"--unmix-only: {image} does not exist; run the simulate step first")
        earlier = json.loads(Path(args.unmix_only).read_text())
        record["build"] = earlier["build"]
        record["simulate"] = {key: earlier["simulate"][key] for key in
                              ("seconds", "cpu_seconds", "peak_rss_mb", "note")
                              if key in earlier["simulate"]}
        record["simulate"]["reused_from"] = args.unmix_only
    else:
        record["simulate"] = run_process(
            ["run", "unmix3d:simulate", "--", *scene, f"EXTENT={extent}",
             f"PIXEL_SIZE={args.pixel}", "CRS=EPSG:32631", f"BANDS={','.join(BANDS_12)}",
             "SEED=1", f"SAMPLES={record['image_samples']}", f"OUTPUT={image}"],
            out / "simulate.log")
        print(json.dumps({"simulate": record["simulate"]}), flush=True)
    maps = out / "maps"
    record["unmix"] = run_process(
        ["run", "unmix3d:unmix", "--", *scene, f"IMAGE={image}", "SEED=2",
         f"SAMPLES={args.samples}", f"ITERATIONS={args.iterations}", "UNMIX_BY_TILES=true",
         f"OUTPUT_FOLDER={maps}",
         f"SIMULATED={out / 'simulated.tif'}", "LOAD_MAPS=false"], out / "unmix.log")
    print(json.dumps({"unmix": record["unmix"]}), flush=True)
    km2 = record["pixels"] * args.pixel ** 2 / 1e6
    for stage in ("simulate", "unmix"):
        record[stage]["seconds_per_km2"] = round(record[stage]["seconds"] / km2, 2)
        record[stage]["cpu_seconds_per_km2"] = round(record[stage]["cpu_seconds"] / km2, 2)
        record[stage]["log"] = [line.strip() for line in
                                (out / f"{stage}.log").read_text().splitlines()
                                if any(word in line for word in ("Mock-up folder", "Traced",
                                                                 "Unmixed", "Warning"))]
    record["op_errors_against_the_table"] = median_errors(maps, city / "el.csv",
                                                          args.error_step)
    text = json.dumps(record, indent=1)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
