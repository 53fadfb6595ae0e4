"""HTML comparison report: self-contained, counts values left out, atomic writing."""

import base64
import re

import numpy as np
import pytest
from scipy import ndimage

from unmix3d.core.compare.metrics import ClassErrorRow, compare_images
from unmix3d.core.compare.report import comparison_report, write_atomic
from unmix3d.core.compare.sensors import pair_bands


def _stack(bands, seed, shape=(40, 40)):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(bands):
        t = ndimage.gaussian_filter(rng.normal(size=shape), 2.0)
        out.append(0.2 + 0.05 * t / t.std())
    return np.stack(out)


@pytest.fixture(scope="module")
def s2_superdove():
    s2 = _stack(13, 1)
    sd = _stack(8, 2)
    sd[5, :3, :4] = 1.7  # 12 specular pixels above 1 in SuperDove red (band 6)
    s2[3, 0, 0] = 1.2  # 1 in Sentinel-2 B4
    s2[1, 5:8, 5:8] = np.nan  # NoData in B2
    return s2, sd, pair_bands("sentinel2", "planetscope_superdove")


def _pngs(text):
    found = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    return [base64.b64decode(m) for m in found]


def test_report_is_self_contained_with_all_figures(s2_superdove, tmp_path):
    s2, sd, pairs = s2_superdove
    rows = [ClassErrorRow("B4", "ground", 10, 0.01, 0.008, 0.004)]
    out = tmp_path / "reports" / "compare.html"
    text = comparison_report(
        s2, sd, pairs, name_a="Sentinel-2", name_b="PlanetScope", class_errors=rows, path=out
    )
    assert out.read_text(encoding="utf-8") == text
    assert [p.name for p in out.parent.iterdir()] == ["compare.html"]  # no temp file left
    pngs = _pngs(text)
    assert len(pngs) == 4  # bars, distributions, residual maps, true colour
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert not re.search(r"(src|href)=[\"'](https?:|file:|/)", text)
    assert "<script" not in text
    # Values above 1 are counted per band and image.
    assert "<tr><td>B4-red</td><td>1</td><td>12</td></tr>" in text
    assert "13 in all" in text
    assert "B4-red, B3-green, B2-blue as red, green, blue" in text
    assert "<td>ground</td><td>10</td><td>1</td><td>0.8</td><td>0.4</td>" in text


def test_report_table_holds_the_metrics(s2_superdove):
    s2, sd, pairs = s2_superdove
    metrics = compare_images(s2, sd, pairs)
    text = comparison_report(s2, sd, pairs, metrics=metrics, distribution="violin")
    for m in metrics:
        assert f"<td>{m.label}</td><td>{m.n_valid}</td><td>{m.amd:.4g}</td>" in text
    assert metrics[1].n_valid == 40 * 40 - 9  # NoData in B2 left out


def test_report_without_rgb_and_bad_arguments():
    a, b = _stack(2, 3, (24, 24)), _stack(2, 4, (24, 24))
    pairs = pair_bands(2, 2)
    text = comparison_report(a, b, pairs, title="x <b>")
    assert "no true-colour composite" in text and "x &lt;b&gt;" in text
    assert len(_pngs(text)) == 3
    with pytest.raises(ValueError, match="distribution"):
        comparison_report(a, b, pairs, distribution="histogram")
    with pytest.raises(ValueError, match="needs band 2 of image B"):
        comparison_report(a, b[:1], pairs)


def test_write_atomic_replaces_existing(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    write_atomic("new ü", target)
    assert target.read_text(encoding="utf-8") == "new ü"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
