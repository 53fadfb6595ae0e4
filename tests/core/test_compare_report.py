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


FIGURES = ("hash similarities and AMD per band", "distributions per band", "residual maps",
           "true-colour composites")


def _figures(text):
    """alt text -> decoded PNG of every embedded figure."""
    found = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"',
                       text)
    return {alt: base64.b64decode(data) for alt, data in found}


def _section(text, heading):
    return text.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def _table_rows(html_part):
    return [re.findall(r"<td>(.*?)</td>", row) for row in
            re.findall(r"<tr>(.*?)</tr>", html_part.split("<tbody>", 1)[1])]


def test_report_is_self_contained_with_all_figures(s2_superdove, tmp_path):
    s2, sd, pairs = s2_superdove
    rows = [ClassErrorRow("B4", "ground", 10, 0.01, 0.008, 0.004)]
    out = tmp_path / "reports" / "compare.html"
    text = comparison_report(
        s2, sd, pairs, name_a="Sentinel-2", name_b="PlanetScope", class_errors=rows, path=out
    )
    assert out.read_text(encoding="utf-8") == text
    assert [p.name for p in out.parent.iterdir()] == ["compare.html"]  # no temp file left
    figures = _figures(text)
    assert sorted(figures) == sorted(FIGURES)
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in figures.values())
    # each figure under its own heading
    for heading, alt in (("Similarity and absolute mean difference", FIGURES[0]),
                         ("Reflectance distributions", FIGURES[1]),
                         ("Residual maps (B - A)", FIGURES[2]),
                         ("True-colour composites", FIGURES[3])):
        assert f'alt="{alt}"' in _section(text, heading), heading
    assert not re.search(r"(src|href)=[\"'](https?:|file:|/)", text)
    assert "<script" not in text
    # Values above 1 are counted per band and image, from the images themselves.
    above = _table_rows(_section(text, "Reflectance distributions"))
    assert [r[0] for r in above] == [p.label for p in pairs]
    for row, pair in zip(above, pairs, strict=True):
        a, b = s2[pair.index_a], sd[pair.index_b]
        ok = np.isfinite(a) & np.isfinite(b)
        assert row[1:] == [str(int((a[ok] > 1).sum())), str(int((b[ok] > 1).sum()))], row
    assert "<tr><td>B4-red</td><td>1</td><td>12</td></tr>" in text
    assert "13 in all" in text
    assert "B4-red, B3-green, B2-blue as red, green, blue" in text
    assert "<td>ground</td><td>10</td><td>1</td><td>0.8</td><td>0.4</td>" in text


def test_report_table_holds_the_metrics_of_the_images(s2_superdove):
    """The metrics table against the definitions computed here from the two images: valid
    pixels of both, AMD, mean and median of B - A, medians of A and B (4 digits)."""
    s2, sd, pairs = s2_superdove
    metrics = compare_images(s2, sd, pairs)
    text = comparison_report(s2, sd, pairs, metrics=metrics, distribution="violin")
    rows = _table_rows(_section(text, "Metrics per band pair"))
    assert [r[0] for r in rows] == [p.label for p in pairs]
    for row, pair, m in zip(rows, pairs, metrics, strict=True):
        a, b = s2[pair.index_a], sd[pair.index_b]
        ok = np.isfinite(a) & np.isfinite(b)
        d = b[ok] - a[ok]
        assert int(row[1]) == ok.sum()
        expected = [np.abs(d).mean(), d.mean(), np.median(d), np.median(a[ok]),
                    np.median(b[ok])]
        np.testing.assert_allclose([float(v) for v in row[2:7]], expected, rtol=6e-4,
                                   atol=1e-12)
        hashes = [float(v) for v in row[7:12]]
        assert all(0 <= h <= 1 for h in hashes)
        assert float(row[12]) == pytest.approx(sum(hashes), abs=3e-3)
        assert hashes == pytest.approx([m.hash_similarity[h] for h in m.hash_similarity],
                                       abs=6e-4)
    assert metrics[1].n_valid == 40 * 40 - 9  # NoData in B2 left out


def _colour_pixels(png: bytes, channel: int) -> np.ndarray:
    """x positions of the PNG's pixels saturated in one primary colour."""
    from io import BytesIO

    from PIL import Image

    rgb = np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=float) / 255
    others = np.delete(rgb, channel, axis=2)
    return np.nonzero((rgb[..., channel] > 0.8) & (others < 0.2).all(axis=2))[1]


def test_true_colour_composites_put_each_band_in_its_colour(s2_superdove):
    """A red left half and a blue right half in image A, the reverse in image B: in the
    drawn composites A's red lies left of its blue and B's right of it (a swapped channel
    or image would break this)."""
    _, _, pairs = s2_superdove
    s2, sd = np.full((13, 20, 20), 0.1), np.full((8, 20, 20), 0.1)
    index = {p.label: p for p in pairs}
    red, blue = index["B4-red"], index["B2-blue"]
    s2[red.index_a, :, :10], s2[blue.index_a, :, 10:] = 0.4, 0.4
    sd[red.index_b, :, 10:], sd[blue.index_b, :, :10] = 0.4, 0.4
    png = _figures(comparison_report(s2, sd, pairs))["true-colour composites"]
    reds, blues = _colour_pixels(png, 0), _colour_pixels(png, 2)
    middle = (min(reds.min(), blues.min()) + max(reds.max(), blues.max())) / 2
    for side in (np.less, np.greater_equal):  # image A's panel, then image B's
        r, b = reds[side(reds, middle)], blues[side(blues, middle)]
        assert r.size > 100 and b.size > 100
        assert (r.mean() < b.mean()) == (side is np.less)


def test_report_without_rgb_and_bad_arguments():
    a, b = _stack(2, 3, (24, 24)), _stack(2, 4, (24, 24))
    pairs = pair_bands(2, 2)
    text = comparison_report(a, b, pairs, title="x <b>")
    assert "no true-colour composite" in text and "x &lt;b&gt;" in text
    assert sorted(_figures(text)) == sorted(FIGURES[:3])
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
