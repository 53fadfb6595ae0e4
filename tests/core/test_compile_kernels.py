"""The setup's warm-up compiles every numba kernel a default unmix then needs.

In a fresh interpreter (this process may have compiled kernels already), ``compile_kernels``
runs, then a default unmix (adaptive sampling, per-part solve) of a grid the warm-up did not
see: if that run compiles any kernel for a new argument type, a user's first run would pay
for it, and the test fails naming the kernel.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, json, sys, tempfile
sys.path.insert(0, {scripts!r})
from package_import import import_unmix3d
import_unmix3d()
from numba.core.registry import CPUDispatcher
from unmix3d.core.compile_kernels import compile_kernels, unmix_demo_corner
from unmix3d.core.scene import demo_scenes

MODULES = ["unmix3d.core.raytrace." + m for m in
           ("bvh", "boundary", "directions", "integrator", "lad", "polynomials", "rng",
            "turbid")] + ["unmix3d.core.unmix.windows"]

def signatures():
    found = {{}}
    for name in MODULES:
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, CPUDispatcher):
                found[name + "." + attribute] = len(value.signatures)
    return found

compile_kernels(log=None)
warm = signatures()
# the south-east corner (not the warm-up's grid), adaptive sampling and the per-part solve
unmix_demo_corner(demo_scenes.urban_scene, tempfile.mkdtemp(), pixels=30, south_east=True,
                  image_samples=32, samples=8, trace_noise=0.01, time_budget=5.0)
print(json.dumps({{"warm": warm, "after": signatures()}}))
"""


def test_warm_up_compiles_what_a_default_unmix_needs():
    answer = subprocess.run([sys.executable, "-c", SCRIPT.format(scripts=str(ROOT / "scripts"))],
                            check=True, capture_output=True, text=True, timeout=600)
    counts = json.loads(answer.stdout.strip().splitlines()[-1])
    warm, after = counts["warm"], counts["after"]
    for kernel in ("unmix3d.core.raytrace.integrator.trace_chunk",
                   "unmix3d.core.raytrace.polynomials._evaluate_per_pixel",
                   "unmix3d.core.raytrace.bvh._build_kernel",
                   "unmix3d.core.unmix.windows._solve_bounded"):
        assert warm[kernel] >= 1, f"the warm-up never compiled {kernel}"
    compiled_later = {k: (warm[k], n) for k, n in after.items() if n > warm[k]}
    assert not compiled_later, f"kernels compiled after the warm-up: {compiled_later}"
