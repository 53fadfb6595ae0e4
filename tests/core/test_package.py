"""The plugin-repository zip: top folder unmix3d/, plugin files only, translations compiled."""

import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_package_zip_holds_the_plugin_only(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "package.sh"), str(tmp_path)], check=True,
                   capture_output=True)
    (archive,) = tmp_path.glob("unmix3d-*.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert all(name.startswith("unmix3d/") for name in names)
    for needed in ("__init__.py", "metadata.txt", "requirements.txt", "icons/unmix3d.svg",
                   "processing_provider/provider.py", "core/degrade.py",
                   "i18n/unmix3d_fr.qm", "i18n/unmix3d_zh-Hans.qm"):
        assert f"unmix3d/{needed}" in names, needed
    for excluded in ("tests/", "benchmarks/", ".ci/", "scripts/", "Makefile"):
        assert not any(name.startswith(f"unmix3d/{excluded}") for name in names), excluded
