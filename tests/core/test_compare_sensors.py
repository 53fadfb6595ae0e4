"""Sensor band tables, layer band mapping and band pairing (core.compare.sensors)."""

import numpy as np
import pytest

from unmix3d.core.compare.sensors import (
    generic_bands,
    get_sensor,
    load_sensors,
    map_layer_bands,
    pair_bands,
    parse_pairs,
)

S2_VARIANTS = ["sentinel2", "sentinel2a", "sentinel2b", "sentinel2c"]


@pytest.mark.parametrize("s2", S2_VARIANTS)
def test_s2_superdove_pairs_as_in_method_table(s2):
    pairs = pair_bands(s2, "planetscope_superdove")
    got = [(p.band_a.id, p.band_b.name) for p in pairs]
    assert got == [
        ("B1", "coastal blue"),
        ("B2", "blue"),
        ("B3", "green"),
        ("B4", "red"),
        ("B5", "red edge"),
        ("B8A", "NIR"),
    ]
    assert all(p.how == "overlap" for p in pairs)
    assert [p.label for p in pairs][-1] == "B8A-NIR"


def _overlap_matrix(bands_a, bands_b):
    ca = np.array([b.centre_um for b in bands_a])[:, None]
    wa = np.array([b.width_um for b in bands_a])[:, None]
    cb = np.array([b.centre_um for b in bands_b])[None, :]
    wb = np.array([b.width_um for b in bands_b])[None, :]
    return np.abs(ca - cb) <= np.maximum(wa, wb) / 2


@pytest.mark.parametrize(
    "a, b",
    [
        ("sentinel2a", "landsat_oli"),
        ("sentinel2b", "planetscope_dove_classic"),
        ("landsat_oli", "planetscope_superdove"),
        ("planetscope_superdove", "sentinel2"),
    ],
)
def test_pairing_matches_independent_overlap_rule(a, b):
    sa, sb = get_sensor(a), get_sensor(b)
    overlap = _overlap_matrix(sa.bands, sb.bands)
    centre_gap = np.abs(
        np.array([x.centre_um for x in sa.bands])[:, None]
        - np.array([x.centre_um for x in sb.bands])[None, :]
    )
    pairs = pair_bands(a, b)
    ia = [p.index_a for p in pairs]
    ib = [p.index_b for p in pairs]
    assert len(set(ia)) == len(ia) and len(set(ib)) == len(ib)
    assert ia == sorted(ia)
    assert all(overlap[i, j] for i, j in zip(ia, ib, strict=True))
    # Maximal: no overlapping pair of two unused bands is left out.
    free = overlap.copy()
    free[ia, :] = False
    free[:, ib] = False
    assert not free.any()
    # The globally closest overlapping pair is always taken.
    masked = np.where(overlap, centre_gap, np.inf)
    best = np.unravel_index(np.argmin(masked), masked.shape)
    assert (best[0], best[1]) in set(zip(ia, ib, strict=True))


def test_s2_landsat_prefers_narrow_nir():
    labels = [p.label for p in pair_bands("S2A", "Landsat 9")]
    assert "B8A-B5" in labels and not any(lbl.startswith("B8-") for lbl in labels)
    assert "B11-B6" in labels and "B12-B7" in labels and "B10-B9" in labels


def test_overrides_replace_automatic_pairing():
    pairs = pair_bands("sentinel2", "planetscope_superdove", "B2:2, B3:4,B8:nir")
    assert [(p.band_a.id, p.band_b.name, p.how) for p in pairs] == [
        ("B2", "blue", "manual"),
        ("B3", "green", "manual"),
        ("B8", "NIR", "manual"),
    ]
    assert [(p.index_a, p.index_b) for p in pairs] == [(1, 1), (2, 3), (7, 7)]
    assert pair_bands("S2", "SuperDove", {"B4": "red"})[0].label == "B4-red"
    assert pair_bands("S2", "SuperDove", [("B5", "7")])[0].label == "B5-red edge"


def test_override_errors_name_band_and_sensor():
    with pytest.raises(ValueError, match=r"'9'.*PlanetScope SuperDove"):
        pair_bands("sentinel2", "planetscope_superdove", "B2:9")
    with pytest.raises(ValueError, match=r"'B13'.*Sentinel-2"):
        pair_bands("sentinel2", "planetscope_superdove", "B13:2")
    with pytest.raises(ValueError, match="already paired"):
        pair_bands("sentinel2", "planetscope_superdove", "B2:2,B3:2")
    with pytest.raises(ValueError, match="'B2-2'"):
        parse_pairs("B2-2")
    with pytest.raises(ValueError, match="No band pair"):
        parse_pairs(" , ")


def test_unknown_sensor_is_named():
    with pytest.raises(ValueError, match="'WorldView-3'"):
        get_sensor("WorldView-3")
    with pytest.raises(ValueError, match="'Pleiades'"):
        pair_bands("Pleiades", "SuperDove")


@pytest.mark.parametrize(
    "alias, sensor_id",
    [
        ("Sentinel-2A", "sentinel2a"),
        ("s2b", "sentinel2b"),
        ("S2C", "sentinel2c"),
        ("landsat 9", "landsat_oli"),
        ("SuperDove", "planetscope_superdove"),
        ("PS2", "planetscope_dove_classic"),
    ],
)
def test_sensor_aliases(alias, sensor_id):
    assert get_sensor(alias).id == sensor_id


def test_band_tables_are_complete():
    sensors = load_sensors()
    s2 = sensors["sentinel2a"]
    assert [b.id for b in s2.bands] == [
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
        "B6",
        "B7",
        "B8",
        "B8A",
        "B9",
        "B10",
        "B11",
        "B12",
    ]
    assert {b.id: b.resolution_m for b in s2.bands if b.resolution_m == 10} == {
        "B2": 10,
        "B3": 10,
        "B4": 10,
        "B8": 10,
    }
    assert s2.band("B8A").l2a_name == "B8A" and s2.band("B4").l2a_name == "B04"
    assert s2.band("B10").l2a_name is None
    # S2A/S2B carry their own centres; they stay within 15 nm of nominal.
    nominal = sensors["sentinel2"]
    for sid in ("sentinel2a", "sentinel2b", "sentinel2c"):
        for band, ref in zip(sensors[sid].bands, nominal.bands, strict=True):
            assert abs(band.centre_um - ref.centre_um) < 0.015
    assert sensors["sentinel2a"].band("B2").centre_um != nominal.band("B2").centre_um
    superdove = sensors["planetscope_superdove"]
    assert [b.name for b in superdove.bands] == [
        "coastal blue",
        "blue",
        "green I",
        "green",
        "yellow",
        "red",
        "red edge",
        "NIR",
    ]
    # Shared-band values of METHOD.md's table.
    method = {
        "coastal blue": (0.442, 0.021),
        "blue": (0.490, 0.050),
        "green": (0.565, 0.036),
        "red": (0.665, 0.030),
        "red edge": (0.705, 0.016),
        "NIR": (0.865, 0.040),
    }
    for name, (centre, width) in method.items():
        band = superdove.band(name)
        assert (band.centre_um, band.width_um) == (centre, width)
    assert [b.name for b in sensors["planetscope_dove_classic"].bands] == [
        "blue",
        "green",
        "red",
        "NIR",
    ]
    assert [b.id for b in sensors["landsat_oli"].bands] == [
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
        "B6",
        "B7",
        "B9",
    ]
    for sensor in sensors.values():
        for band in sensor.bands:
            assert 0.4 < band.centre_um < 2.4 and 0 < band.width_um < 0.25, (sensor.id, band)


@pytest.mark.parametrize(
    "sensor, descriptions, expected",
    [
        ("S2A", ["B4", "B03", "Band 2", "b8a"], ["B4", "B3", "B2", "B8A"]),
        ("S2", ["B4, central wavelength 665 nm", "B08_10m"], ["B4", "B8"]),
        ("S2", ["red", "green", "blue", "nir"], ["B4", "B3", "B2", "B8"]),
        ("SuperDove", ["coastal_blue", "green_i", "rededge", "nir"], ["B1", "B3", "B7", "B8"]),
        ("Landsat 8", ["SR_B4", "SR_B5", "B9"], ["B4", "B5", "B9"]),
    ],
)
def test_layer_band_names_map_to_definitions(sensor, descriptions, expected):
    assert [b.id for b in map_layer_bands(sensor, descriptions)] == expected


def test_unnamed_layer_bands_use_product_order():
    l2a = map_layer_bands("sentinel2", [""] * 12)
    assert [b.id for b in l2a][8:] == ["B8A", "B9", "B11", "B12"]
    placeholders = [f"Band {i}" for i in range(1, 5)]
    assert [b.name for b in map_layer_bands("SuperDove", placeholders)] == [
        "blue",
        "green",
        "red",
        "NIR",
    ]
    assert [b.id for b in map_layer_bands("S2", [None] * 4, order=["B8", "B4", "B3", "B2"])] == [
        "B8",
        "B4",
        "B3",
        "B2",
    ]
    with pytest.raises(ValueError, match="5 unnamed bands.*Sentinel-2"):
        map_layer_bands("sentinel2", [""] * 5)


def test_layer_band_errors_name_the_band():
    with pytest.raises(ValueError, match=r"'B13'.*Sentinel-2"):
        map_layer_bands("sentinel2", ["B4", "B13"])
    with pytest.raises(ValueError, match=r"'thermal'.*SuperDove"):
        map_layer_bands("SuperDove", ["red", "thermal"])
    with pytest.raises(ValueError, match="both band B4"):
        map_layer_bands("sentinel2", ["B4", "red"])
    with pytest.raises(ValueError, match="Band 2 of the layer has no name"):
        map_layer_bands("sentinel2", ["B4", ""])
    with pytest.raises(ValueError, match="order lists 2 bands but the layer has 3"):
        map_layer_bands("sentinel2", ["", "", ""], order=["B2", "B3"])


def test_layer_bands_pair_by_layer_index():
    layer_a = map_layer_bands("sentinel2", ["B8", "B4", "B3", "B2"])
    layer_b = map_layer_bands("SuperDove", ["Band 1", "Band 2", "Band 3", "Band 4"])
    pairs = pair_bands(layer_a, layer_b)
    assert [(p.index_a, p.index_b, p.label) for p in pairs] == [
        (0, 3, "B8-NIR"),
        (1, 2, "B4-red"),
        (2, 1, "B3-green"),
        (3, 0, "B2-blue"),
    ]


def test_no_sensor_mode_pairs_in_order():
    pairs = pair_bands(3, generic_bands(["x", "y", "z"]))
    assert [(p.index_a, p.index_b, p.how) for p in pairs] == [
        (0, 0, "order"),
        (1, 1, "order"),
        (2, 2, "order"),
    ]
    assert pairs[1].label == "band 2-y"
    bands = map_layer_bands(None, ["", ""])
    assert [b.id for b in bands] == ["band 1", "band 2"]
    with pytest.raises(ValueError, match="image A has 2 bands and image B 3"):
        pair_bands(bands, 3)
    manual = pair_bands(2, 3, "1:3,2:1")
    assert [(p.index_a, p.index_b) for p in manual] == [(0, 2), (1, 0)]
    with pytest.raises(ValueError, match="'4'.*image B"):
        pair_bands(2, 3, "1:4")
