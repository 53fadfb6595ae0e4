"""Compile the numba kernels (ray tracer, polynomials, windows) into their on-disk cache
before a user's first run.

A cold cache makes the first unmix after an install compile for about 35 s: the urban demo's
default unmix took 67 s instead of 31 s on this 2-core machine, and the time TIME_BUDGET
gives adaptive sampling went to the compiler (an independent Berlin scene traced 1,024
samples instead of 4,096). Running both demo scenes through the whole unmix at a few
samples compiles every kernel a default run uses, with the argument types it uses.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

#: samples per pixel of the warm-up traces: enough for the pipeline to run, not to be right
WARM_UP_SAMPLES = 4
#: pixels per side of the warm-up grids (the demo grids' north-west corner): the kernels'
#: types do not depend on the grid's size, the warm-up's time does
WARM_UP_PIXELS = 40


def unmix_demo_corner(make, folder, pixels: int = WARM_UP_PIXELS, south_east: bool = False,
                      image_samples: int = WARM_UP_SAMPLES, **unmix_options) -> None:
    """Unmix a ``pixels`` x ``pixels`` corner (north-west, or ``south_east``) of the demo
    scene ``make(folder)`` (``demo_scenes.vegetation_scene`` or ``urban_scene``) at
    ``unmix3d:unmix``'s parameters, from an image of its true OPs traced at
    ``image_samples``; ``unmix_options`` go to ``run_unmix`` (samples: WARM_UP_SAMPLES
    unless given)."""
    from .scene.elements import read_element_table
    from .scene.mockup import load_mockup
    from .simulate import Geometry, PixelGrid, evaluate_op_maps, prepare_scene, trace
    from .unmix.pipeline import UnmixParameters
    from .unmix.run import run_unmix

    demo = make(folder)
    scene = prepare_scene(load_mockup(demo.obj_path), read_element_table(demo.elements_csv))
    shape = (min(pixels, demo.shape[0]), min(pixels, demo.shape[1]))
    whole = PixelGrid.from_geotransform(demo.geotransform, *demo.shape)
    x_min, y_max = whole.x_min, whole.y_max
    if south_east:
        x_min += (demo.shape[1] - shape[1]) * whole.pixel_width
        y_max -= (demo.shape[0] - shape[0]) * whole.pixel_height
    grid = PixelGrid(x_min, y_max, whole.pixel_width, whole.pixel_height, *shape)
    geometry = Geometry(demo.sun_zenith, demo.sun_azimuth, demo.view_zenith,
                        demo.view_azimuth)
    bands = list(demo.bands)
    skyl = np.array([demo.skyl[b] for b in bands])
    true_op = np.array([demo.truth_op[e] for e in scene.elements.names]).T
    truth = np.ascontiguousarray(np.broadcast_to(true_op[:, :, None, None],
                                                 true_op.shape + shape))
    image = evaluate_op_maps(trace(scene, grid, geometry, samples=image_samples, seed=1),
                             truth, bands, skyl)[0]
    run_unmix(scene, grid, geometry, image, np.ones(shape, bool), bands, skyl,
              UnmixParameters(), **{"samples": WARM_UP_SAMPLES, **unmix_options})


def compile_kernels(log=print) -> float:
    """Trace, simulate and unmix both demo scenes at WARM_UP_SAMPLES; returns the seconds
    it took (a few when the cache is already warm)."""
    from .scene import demo_scenes

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="unmix3d-warm-up-") as folder:
        for name in ("vegetation", "urban"):
            unmix_demo_corner(getattr(demo_scenes, f"{name}_scene"), folder)
            if log is not None:
                log(f"compiled the kernels on the {name} demo scene "
                    f"({time.perf_counter() - start:.0f} s so far)")
    return time.perf_counter() - start
