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


def compile_kernels(log=print) -> float:
    """Trace, simulate and unmix both demo scenes at WARM_UP_SAMPLES; returns the seconds
    it took (a few when the cache is already warm)."""
    from .scene import demo_scenes
    from .scene.elements import read_element_table
    from .scene.mockup import load_mockup
    from .simulate import Geometry, PixelGrid, evaluate_op_maps, prepare_scene, trace
    from .unmix.pipeline import UnmixParameters
    from .unmix.run import run_unmix

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="unmix3d-warm-up-") as folder:
        for make in (demo_scenes.vegetation_scene, demo_scenes.urban_scene):
            demo = make(folder)
            scene = prepare_scene(load_mockup(demo.obj_path),
                                  read_element_table(demo.elements_csv))
            shape = (min(WARM_UP_PIXELS, demo.shape[0]), min(WARM_UP_PIXELS, demo.shape[1]))
            grid = PixelGrid.from_geotransform(demo.geotransform, *shape)
            geometry = Geometry(demo.sun_zenith, demo.sun_azimuth, demo.view_zenith,
                                demo.view_azimuth)
            bands = list(demo.bands)
            skyl = np.array([demo.skyl[b] for b in bands])
            true_op = np.array([demo.truth_op[e] for e in scene.elements.names]).T
            truth = np.broadcast_to(true_op[:, :, None, None], true_op.shape + shape)
            traced = trace(scene, grid, geometry, samples=WARM_UP_SAMPLES, seed=1)
            image = evaluate_op_maps(traced, np.ascontiguousarray(truth), bands, skyl)[0]
            run_unmix(scene, grid, geometry, image, np.ones(shape, bool), bands, skyl,
                      UnmixParameters(), samples=WARM_UP_SAMPLES)
            if log is not None:
                log(f"compiled the kernels on the {demo.name} demo scene "
                    f"({time.perf_counter() - start:.0f} s so far)")
    return time.perf_counter() - start
