#!/usr/bin/env bash
# The README's main job, end to end through qgis_process on the built-in vegetation scene:
# build the scene, render a pseudo-satellite image (many samples, its own seed), unmix it
# with US-DART (with and without CLOSURE) and with the DART-calibration baseline (few samples, another seed), and
# write OP maps, reports and the accuracy table (paper layout) into demo_output/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="${1:-$ROOT/demo_output}"
TRUTH_SAMPLES="${TRUTH_SAMPLES:-2048}"
SAMPLES="${SAMPLES:-256}"
QP="$ROOT/scripts/qgis_process.sh"
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT"
start=$(date +%s)

field() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][sys.argv[2]])" "$1" "$2"; }
run() {  # run ALGORITHM JSON_OUT ARGS...: qgis_process with its log kept and its answer as JSON
  local algorithm=$1 answer=$2; shift 2
  echo "demo: $algorithm $*" | cut -c1-160
  if ! "$QP" run "$algorithm" --json -- "$@" > "$answer" 2> "$answer.log"; then
    cat "$answer.log" >&2; tail -c 2000 "$answer" >&2; exit 1
  fi
  "$PY" - "$answer" <<'PYEOF'
import json, sys
text = open(sys.argv[1]).read()
json.dump(json.loads(text[text.index("{"):]), open(sys.argv[1], "w"))
PYEOF
}

run unmix3d:demo_scene "$OUT/scene.json" SCENE=0 OUTPUT_FOLDER="$OUT/scene"
geometry=()
for key in SUN_ZENITH SUN_AZIMUTH VIEW_ZENITH VIEW_AZIMUTH SKYL; do
  geometry+=("$key=$(field "$OUT/scene.json" "$key")")
done
MOCKUP=$(field "$OUT/scene.json" MOCKUP)
ELEMENTS=$(field "$OUT/scene.json" ELEMENTS)

run unmix3d:simulate "$OUT/simulate.json" MOCKUP="$MOCKUP" ELEMENTS="$ELEMENTS" \
  REFERENCE="$(field "$OUT/scene.json" GRID)" "${geometry[@]}" SAMPLES="$TRUTH_SAMPLES" \
  SEED=20250101 OUTPUT="$OUT/satellite.tif" FRACTIONS="$OUT/satellite_fractions.tif"

# US-DART as is, US-DART with CLOSURE (the image matched exactly, its noise moved into the
# OPs), and the DART-calibration baseline
for method in us-dart us-dart-closure dart-calibration; do
  index=0; [ "$method" = dart-calibration ] && index=1
  closure=false; [ "$method" = us-dart-closure ] && closure=true
  run unmix3d:unmix "$OUT/unmix_$method.json" IMAGE="$OUT/satellite.tif" MOCKUP="$MOCKUP" \
    ELEMENTS="$ELEMENTS" "${geometry[@]}" METHOD=$index CLOSURE=$closure SAMPLES="$SAMPLES" SEED=7 \
    TRACE_NOISE="${TRACE_NOISE:-0}" \
    WINDOW="${WINDOW:-7x7}" ITERATIONS=8 TRUTH="$(field "$OUT/scene.json" TRUTH)" \
    OUTPUT_FOLDER="$OUT/$method" SIMULATED="$OUT/$method/simulated.tif" \
    REPORT="$OUT/$method/report.html" ACCURACY="$OUT/$method/accuracy.csv"
done

# the report's key figure as a PNG beside it (the README shows one): US-DART's OP errors
"$PY" - "$OUT/us-dart/report.html" "$OUT/report_op_errors.png" <<'PYEOF'
import base64, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
found = re.search(r'alt="OP error maps" src="data:image/png;base64,([^"]+)"', html)
if found:
    open(sys.argv[2], "wb").write(base64.b64decode(found.group(1)))
PYEOF

"$PY" "$ROOT/scripts/demo_summary.py" "$OUT" "$(( $(date +%s) - start ))"
