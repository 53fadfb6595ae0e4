import numpy as np
import pytest

from unmix3d.core.rules import RuleError, parse_rule
from unmix3d.core.scene.elements import ElementTableError, read_element_table, split_albedo

HEADER = "element,match,type,rt_ratio,rule,B4,B8,rt_ratio_B8\n"


def write(tmp_path, rows, header=HEADER):
    path = tmp_path / "elements.csv"
    path.write_text(header + "".join(rows))
    return path


def test_table_reads_types_ratios_rules_and_ops(tmp_path):
    table = read_element_table(write(tmp_path, [
        "ground,ground*;soil_*,opaque,,,0.1,0.3,\n",
        "vegetation,tree_*,translucent,1.2,B8 > B4,0.05,0.9,0.95\n",
    ]))
    assert table.names == ["ground", "vegetation"] and table.bands == ["B4", "B8"]
    vegetation = table.elements[1]
    assert vegetation.ratio("B4") == 1.2 and vegetation.ratio("B8") == 0.95
    r, t = table.reflectance_transmittance("B8")
    assert r[0] == 0.3 and t[0] == 0.0
    assert r[1] == pytest.approx(0.9 * 0.95 / 1.95) and r[1] + t[1] == pytest.approx(0.9)
    assert table.assign_parts(["soil_3", "ground", "TREE_12"]).tolist() == [0, 0, 1]


def test_albedo_split_follows_the_ratio():
    r, t = split_albedo(0.8, 3.0)
    assert r / t == pytest.approx(3.0) and r + t == pytest.approx(0.8)


@pytest.mark.parametrize("rows, message", [
    (["ground,g*,opaque,,,1.2,0.3,\n"], "reflectance for band B4 is 1.2"),
    (["leaf,l*,translucent,,,0.1,0.3,\n"], "need an rt_ratio"),
    (["leaf,l*,translucent,-1,,0.1,0.3,\n"], "must be > 0"),
    (["roof,r*,metallic,,,0.1,0.3,\n"], "type 'metallic'"),
    (["ground,g*,opaque,,B8 >> B4,0.1,0.3,\n"], "element 'ground'.*rule"),
    (["ground,g*,opaque,,,abc,0.3,\n"], "'abc', not a number"),
    (["ground,g*,opaque,,,0.1,0.3,\n", "ground,h*,opaque,,,0.1,0.3,\n"], "'ground' twice"),
])
def test_table_errors_name_the_element_and_column(tmp_path, rows, message):
    with pytest.raises(ElementTableError, match=message):
        read_element_table(write(tmp_path, rows))


def test_part_matching_problems_are_all_named(tmp_path):
    table = read_element_table(write(tmp_path, [
        "ground,ground*,opaque,,,0.1,0.3,\n",
        "roof,*roof*,opaque,,,0.1,0.3,\n",
        "water,river,opaque,,,0.1,0.3,\n",
    ]))
    with pytest.raises(ElementTableError) as error:
        table.assign_parts(["ground_roof", "ground", "tree_1"])
    text = str(error.value)
    assert "matched by no element: tree_1" in text
    assert "ground_roof (ground, roof)" in text
    assert "absent from the mock-up" in text and "water" in text


def test_table_bands_must_match_the_image(tmp_path):
    table = read_element_table(write(tmp_path, ["ground,g*,opaque,,B8 > B4,0.1,0.3,\n"]))
    with pytest.raises(ElementTableError, match="B2, B3"):
        table.require_bands(["B2", "B3", "B4"])
    with pytest.raises(ElementTableError, match="B8"):
        table.check_rules(["B2", "B3", "B4"])


def test_rules_are_parsed_with_precedence_and_evaluated_on_arrays():
    values = {"B4": np.array([0.05, 0.3, 0.1]), "B8": np.array([0.5, 0.2, 0.12]),
              "B8A": np.array([1.0, 0.0, 1.0])}
    assert parse_rule("B8 > B4").holds(values).tolist() == [True, False, True]
    ndvi = parse_rule("(B8 - B4) / (B8 + B4) > 0.3 & B8A >= 0.5")
    assert ndvi.holds(values).tolist() == [True, False, False]
    assert ndvi.bands == {"B4", "B8", "B8A"}
    either = parse_rule("B4 < 0.06 | -B8 <= -0.19 * 1")
    assert either.holds(values).tolist() == [True, True, False]
    assert parse_rule("2 * B4 + 1 > B8 - 3 * 2").holds(values).all()


@pytest.mark.parametrize("text", ["B8 >", "B8 > (B4", "B8 = B4", "__import__('os')",
                                  "B8 > B4)", "", "B8 + B4", "B8 > B4 ; rm"])
def test_malformed_rules_are_refused(text):
    with pytest.raises(RuleError):
        parse_rule(text)


def test_rule_naming_a_missing_band_says_which():
    with pytest.raises(RuleError, match="B12"):
        parse_rule("B12 > B4").check_bands(["B4", "B8"], "vegetation")


def test_rules_read_numbers_in_scientific_notation():
    values = {"B4": np.array([0.001, 0.002]), "B8": np.array([0.5, 0.5])}
    assert parse_rule("B4 < 1.5e-3").holds(values).tolist() == [True, False]
    assert parse_rule("B4 * 1E3 >= .15e1").holds(values).tolist() == [False, True]
    assert parse_rule("B8 > 2.e-1 & B8 < 6e-1").holds(values).all()
