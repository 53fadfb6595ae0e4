# Unmix3D: every command a user or CI needs. `make test` and `make demo` set up from nothing.
PY := .venv/bin/python
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test lint demo install package translations bench

setup:
	bash scripts/setup.sh

lint: setup
	$(PY) -m ruff check .

test: setup lint
	$(PY) -m pytest -p no:qgis -W ignore::pytest.PytestConfigWarning tests/core
	$(PY) -m pytest tests/qgis

demo: setup
	bash scripts/demo.sh

install: setup
	bash scripts/install.sh

package:
	bash scripts/package.sh

translations: setup
	$(PY) scripts/update_translations.py

bench: setup
	$(PY) benchmarks/bench_raytrace.py
