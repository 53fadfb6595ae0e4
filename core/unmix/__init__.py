"""US-DART unmixing: pure pixels, windows, iterations, per-part solves, rules."""

#: unmix3d:unmix's SAMPLES. 1,024 since the window sums stopped meeting subnormal numbers
#: and the per-pixel polynomials were grouped by monomial: a 100 x 100 pixel, 12-band urban
#: scene unmixes in about 40 s on two cores (256 gave walls a 4.8 % median error, soil on
#: independent renders 1.1-3.1 %; benchmarks/bench_demo_defaults.py, bench_independent.py)
DEFAULT_SAMPLES = 1024
#: unmix3d:unmix's TRACE_NOISE (%) and TIME_BUDGET (s): adaptive sampling from SAMPLES until
#: the trace's noise is 0.3 % or 30 s of tracing are spent, so that a 100 x 100 pixel scene
#: still unmixes in about a minute. On four independent renders of 40 x 40 pixels it traced
#: 4,096-8,192 samples (leaves 3.7-4.5 -> 3.2-3.7 %, town2 soil 1.42 -> 0.89 %, town1 soil
#: 1.33 -> 1.46 %); the urban demo's noise at 1,024 is 0.8 % and its 100 x 100 trace leaves
#: no budget for more (bench_independent.py, bench_demo_defaults.py)
DEFAULT_TRACE_NOISE = 0.3
DEFAULT_TIME_BUDGET = 30.0
