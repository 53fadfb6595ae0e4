"""Collect the demo's accuracy tables into demo_output/accuracy.md, beside the published
US-DART figures (METHOD.md), and print it."""

import sys
from pathlib import Path

from package_import import import_unmix3d

import_unmix3d()
from unmix3d.core.unmix.accuracy import (  # noqa: E402
    PUBLISHED,
    accuracy_markdown,
    read_accuracy_csv,
)

out = Path(sys.argv[1])
seconds = sys.argv[2] if len(sys.argv) > 2 else "?"
rows = []
for method, case in (("us-dart", "vegetation scene, US-DART"),
                     ("us-dart-closure", "vegetation scene, US-DART + closure"),
                     ("dart-calibration", "vegetation scene, DART calibration")):
    rows += read_accuracy_csv(out / method / "accuracy.csv", case)
text = (f"# Unmix3D demo: vegetation scene\n\nWhole demo (scene, pseudo-image, three unmixings): "
        f"{seconds} s.\n\n" + accuracy_markdown(rows, PUBLISHED))
(out / "accuracy.md").write_text(text)
print(text)
print(f"OP maps, simulated images and HTML reports: {out}/us-dart, {out}/us-dart-closure, "
      f"{out}/dart-calibration")
