"""US-DART unmixing: pure pixels, windows, iterations, per-part solves, rules."""

#: unmix3d:unmix's SAMPLES. 1,024 since the window sums stopped meeting subnormal numbers
#: and the per-pixel polynomials were grouped by monomial: a 100 x 100 pixel, 12-band urban
#: scene unmixes in about 40 s on two cores (256 gave walls a 4.8 % median error, soil on
#: independent renders 1.1-3.1 %; benchmarks/bench_demo_defaults.py, bench_independent.py)
DEFAULT_SAMPLES = 1024
