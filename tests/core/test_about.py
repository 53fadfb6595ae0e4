from unmix3d.core import about


def test_version_comes_from_metadata():
    text = (about.PLUGIN_ROOT / "metadata.txt").read_text()
    assert f"version={about.plugin_version()}" in text
    assert about.plugin_metadata()["hasprocessingprovider"] == "yes"


def test_requirements_name_their_import_modules():
    modules = {req.module for req in about.requirements()}
    assert {"numba", "trimesh", "imagehash"} <= modules


def test_missing_requirement_is_explained(tmp_path):
    fake = tmp_path / "requirements.txt"
    fake.write_text(
        "numpy==1.0  # import: numpy\nnope==1.0  # import: surely_not_installed_module\n"
    )
    missing = about.missing_requirements(path=fake)
    assert [req.module for req in missing] == ["surely_not_installed_module"]
    hint = about.install_hint(missing)
    assert "surely_not_installed_module" in hint and "pip install" in hint
