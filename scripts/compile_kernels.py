"""Compile Unmix3D's numba kernels into their cache (setup runs it): see core/compile_kernels.py."""

from package_import import import_unmix3d

import_unmix3d()

from unmix3d.core.compile_kernels import compile_kernels  # noqa: E402

if __name__ == "__main__":
    compile_kernels(log=lambda line: print(f"setup: {line}", flush=True))
