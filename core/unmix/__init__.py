"""US-DART unmixing: pure pixels, windows, iterations, per-part solves, rules."""

#: unmix3d:unmix's SAMPLES. 1,024 since the window sums stopped meeting subnormal numbers
#: and the per-pixel polynomials were grouped by monomial: a 100 x 100 pixel, 12-band urban
#: scene unmixes in about 40 s on two cores (256 gave walls a 4.8 % median error, soil on
#: independent renders 1.1-3.1 %; benchmarks/bench_demo_defaults.py, bench_independent.py)
DEFAULT_SAMPLES = 1024
#: unmix3d:unmix's TRACE_NOISE (%) and TIME_BUDGET (s): adaptive sampling from SAMPLES until
#: the trace's noise is 0.2 % or 35 s of tracing are spent, so that a 100 x 100 pixel scene
#: still unmixes within a minute (the urban demo: 2,048 samples, about 50 s). At 0.3 % and
#: 30 s the four independent renders of 40 x 40 pixels traced 4,096-8,192 samples; the
#: Berlin ones, whose crowns trace slowest, stopped at 4,096 by the aim or the budget, and
#: berlinB's leaves were 3.26 %, at 8,192 samples 2.81 % (bench_independent.py,
#: bench_demo_defaults.py)
DEFAULT_TRACE_NOISE = 0.2
DEFAULT_TIME_BUDGET = 35.0
