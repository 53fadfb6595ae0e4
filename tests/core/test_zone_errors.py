"""OP errors per zone: one wrong plot shows in its zone's row even where the element's
median over all its pixels hides it."""

import json

import numpy as np
import pytest

from unmix3d.core.unmix.accuracy import (
    accuracy_rows,
    demo_plot_zones,
    truth_patches,
    zone_error_rows,
)

BANDS = ["B4", "B8"]
PLOTS = {"a": (slice(0, 10), slice(0, 10)), "b": (slice(0, 10), slice(20, 30)),
         "c": (slice(20, 26), slice(10, 16))}


def three_plots():
    """One element in three separate plots of one true OP; plot c is retrieved 19 % too
    high in B4 (1 % elsewhere), as the vegetation demo's erectophile plot was."""
    truth = np.broadcast_to(np.array([0.3, 0.5])[:, None, None, None], (2, 1, 30, 30)).copy()
    valid = np.zeros((1, 30, 30), bool)
    op = truth * 1.01
    for box in PLOTS.values():
        valid[(0, *box)] = True
    op[(0, 0, *PLOTS["c"])] = 0.3 * 1.19
    return op, valid, truth


def test_one_wrong_plot_shows_in_its_zone_while_the_element_median_hides_it():
    op, valid, truth = three_plots()
    image = np.ones((2, 30, 30))
    element = accuracy_rows("case", ["vegetation"], image, image, op, valid, truth)[0]
    assert element.op_median == pytest.approx(1.0)  # 36 of 236 pixels are wrong: hidden
    rows = zone_error_rows(op, valid, truth, ["vegetation"], BANDS)
    assert [(r.zone, r.pixels) for r in rows] == [
        ("patch 1 (rows 0-9, cols 0-9)", 100), ("patch 2 (rows 0-9, cols 20-29)", 100),
        ("patch 3 (rows 20-25, cols 10-15)", 36)]
    for row in rows[:2]:
        assert row.max == pytest.approx(1.0)
    wrong = rows[2]
    assert wrong.max == pytest.approx(19.0) and wrong.worst_band == "B4"
    assert wrong.worst_band_p95 == pytest.approx(19.0)
    assert wrong.median == pytest.approx(10.0)  # half its values are B8's 1 %


def test_patches_split_where_the_true_op_changes_and_small_ones_are_pooled():
    truth = np.full((2, 8, 8), 0.2)
    truth[:, :, 4:] = 0.4  # two materials side by side: two zones though connected
    valid = np.zeros((8, 8), bool)
    valid[:4, :] = True
    valid[7, 0] = True  # a one-pixel patch
    labels, names = truth_patches(valid, truth)
    assert len(names) == 3 and len(np.unique(labels[:4, :4])) == 1
    assert labels[0, 0] != labels[0, 7] and labels[7, 0] == 3
    op = truth[:, None] * 1.05
    rows = zone_error_rows(op, valid[None], truth[:, None], ["ground"], BANDS)
    assert [r.pixels for r in rows] == [16, 16, 1]
    assert rows[-1].zone == "1 zone(s) under 4 pixels"


def test_demo_plots_are_the_zones_when_truth_is_a_demo_scene(tmp_path):
    plots = [{"group": "maize_plot_1", "kind": "maize", "stage": "early", "lad": "erectophile",
              "polygon": [[0, 0], [50, 0], [50, 50], [0, 50]]},
             {"group": "bare_plot_1", "kind": "bare", "stage": "", "lad": "",
              "polygon": [[60, 0], [100, 0], [100, 30], [60, 30]]}]
    (tmp_path / "vegetation.json").write_text(json.dumps({"plots": plots}))
    (tmp_path / "truth").mkdir()
    geotransform = (0.0, 10.0, 0.0, 100.0, 0.0, -10.0)  # 10 x 10 pixels, y down from 100
    labels, names = demo_plot_zones(str(tmp_path / "truth"), geotransform, (10, 10))
    assert names == ["maize_plot_1 (maize early, erectophile)", "bare_plot_1 (bare)"]
    assert (labels[5:, :5] == 1).all() and (labels[7:, 6:] == 2).all()
    assert (labels == 1).sum() == 25 and (labels == 2).sum() == 12
    truth = np.full((2, 1, 10, 10), 0.3)
    op = truth * 1.02
    op[:, 0, 5:, :5] = 0.3 * 1.2
    rows = zone_error_rows(op, np.ones((1, 10, 10), bool), truth, ["ground"], BANDS,
                           (labels, names))
    assert [(r.zone, r.pixels) for r in rows] == [
        ("maize_plot_1 (maize early, erectophile)", 25), ("bare_plot_1 (bare)", 12),
        ("outside", 63)]
    assert rows[0].median == pytest.approx(20.0) and rows[2].max == pytest.approx(2.0)
    assert demo_plot_zones(str(tmp_path / "elsewhere" / "truth"), geotransform, (10, 10)) \
        is None
