from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any

import pytest

from node.domain.errors import InvalidFieldError
from node.domain.identifiers import CreditCode
from node.domain.text import (
    CONTROL_CHARACTERS,
    CONTROL_CHARACTERS_BUT_LINES,
    TextListRule,
    TextRule,
)
from node.domain.values import (
    ApplicationContent,
    DataAsset,
    DataType,
    Holder,
    IndustrySection,
    Ownership,
    Right,
    Rights,
)
from tests.unit.domain.builders import QINGDAO, asset, holder


def test_enumerations_carry_chinese_labels() -> None:
    assert Ownership.STATE.label == "国有"
    assert Ownership("non-state").label == "非国有"
    assert DataType("semi-structured").label == "半结构化"
    assert Right.HOLDING.label == "数据资源持有权"
    assert Right.USE.label == "数据加工使用权"
    assert Right.OPERATION.label == "数据产品经营权"


def test_industry_sections_are_the_twenty_of_gbt_4754_2017() -> None:
    assert [s.value for s in IndustrySection] == list("ABCDEFGHIJKLMNOPQRST")
    assert IndustrySection.A.label == "农、林、牧、渔业"
    assert IndustrySection("I").label == "信息传输、软件和信息技术服务业"
    assert IndustrySection.T.label == "国际组织"
    assert len({s.label for s in IndustrySection}) == 20


# -- rights --------------------------------------------------------------------------------


def test_rights_parse_and_list_in_fixed_order() -> None:
    rights = Rights.parse(["operation", "holding"])
    assert rights == Rights.of(Right.HOLDING, Right.OPERATION)
    assert rights.to_list() == ["holding", "operation"]
    assert Right.OPERATION in rights
    assert Right.USE not in rights
    assert len(rights) == 2


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ([], "rights", "too_few"),
        ("holding", "rights", "wrong_type"),
        (None, "rights", "wrong_type"),
        (["holding", "holding"], "rights[1]", "duplicate"),
        (["holding", "ownership"], "rights[1]", "unknown_value"),
        ([1], "rights[0]", "wrong_type"),
    ],
)
def test_bad_rights(values: Any, field: str, code: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        Rights.parse(values)
    assert (excinfo.value.field, excinfo.value.code) == (field, code)


def test_empty_rights_cannot_be_constructed() -> None:
    with pytest.raises(InvalidFieldError, match="too_few"):
        Rights(frozenset())


# -- text rules ----------------------------------------------------------------------------


def test_text_is_trimmed_and_nfc_normalised() -> None:
    decomposed = "Cafe\u0301"
    assert TextRule(10).clean(f"  {decomposed}\n", "f") == "Caf\u00e9"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "blank"),
        ("   \n\t", "blank"),
        ("x" * 11, "too_long"),
        ("a\x00b", "control_character"),
        ("a\nb", "control_character"),
        (5, "wrong_type"),
        (None, "wrong_type"),
    ],
)
def test_text_rule_rejections(value: object, code: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        TextRule(10).clean(value, "asset.name")
    assert (excinfo.value.field, excinfo.value.code) == ("asset.name", code)


def test_length_limit_is_inclusive_and_counts_characters_not_bytes() -> None:
    assert TextRule(3).clean("数据集", "f") == "数据集"


def test_multiline_text_keeps_newlines_and_tabs() -> None:
    assert TextRule(20, multiline=True).clean("a\r\nb\tc", "f") == "a\nb\tc"


def test_text_list_rule() -> None:
    rule = TextListRule(TextRule(5), min_items=1, max_items=2)
    assert rule.clean([" a ", "b"], "s") == ("a", "b")
    for values, field, code in [
        ([], "s", "too_few"),
        (["a", "b", "c"], "s", "too_many"),
        (["a", " a"], "s[1]", "duplicate"),
        (["a", ""], "s[1]", "blank"),
        ("ab", "s", "wrong_type"),
    ]:
        with pytest.raises(InvalidFieldError) as excinfo:
            rule.clean(values, "s")
        assert (excinfo.value.field, excinfo.value.code) == (field, code)


# -- holder and asset ----------------------------------------------------------------------


def test_holder_normalises_its_name_and_is_immutable() -> None:
    h = Holder(" 某公司 ", CreditCode("913702002000000055"), Ownership.STATE, QINGDAO)
    assert h.name == "某公司"
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["", "  ", "名" * 201])
def test_holder_name_rules(name: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        holder(name=name)
    assert excinfo.value.field == "holder.name"


def test_holder_name_at_the_limit_is_accepted() -> None:
    assert len(holder(name="名" * 200).name) == 200


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"name": ""}, "asset.name", "blank"),
        ({"description": "述" * 5001}, "asset.description", "too_long"),
        ({"source": "源" * 1001}, "asset.source", "too_long"),
        ({"scale": "x" * 201}, "asset.scale", "too_long"),
        ({"update_frequency": "x" * 101}, "asset.update_frequency", "too_long"),
        ({"scenarios": ()}, "asset.scenarios", "too_few"),
        ({"scenarios": tuple(f"场景{i}" for i in range(21))}, "asset.scenarios", "too_many"),
        ({"scenarios": ("a", "b", "a")}, "asset.scenarios[2]", "duplicate"),
        ({"scenarios": ("a", "x" * 201)}, "asset.scenarios[1]", "too_long"),
    ],
)
def test_asset_rules(change: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(InvalidFieldError) as excinfo:
        dataclasses.replace(asset(), **change)
    assert (excinfo.value.field, excinfo.value.code) == (field, code)


def test_asset_limits_are_inclusive() -> None:
    big = dataclasses.replace(
        asset(),
        description="述" * 5000,
        source="源" * 1000,
        scenarios=tuple(f"场景{i}" for i in range(20)),
    )
    assert len(big.scenarios) == 20


def test_fingerprint_material_holds_identifying_fields_only() -> None:
    a = asset()
    assert a.fingerprint_material() == {
        "name": "数字农业产供销数据集",
        "data_type": "structured",
        "industry_section": "A",
        "source": "自有生产经营系统采集与合作社授权",
    }
    grown = dataclasses.replace(a, scale="约 2,000 万条记录", scenarios=("新场景",))
    assert grown.fingerprint_material() == a.fingerprint_material()
    renamed = dataclasses.replace(a, name="另一个数据集")
    assert renamed.fingerprint_material() != a.fingerprint_material()


def test_fingerprint_is_stable_under_whitespace_and_unicode_composition() -> None:
    plain = dataclasses.replace(asset(), name="Café 数据")
    messy = dataclasses.replace(asset(), name="  Cafe\u0301 数据 ")
    assert plain.fingerprint_material() == messy.fingerprint_material()


def test_content_to_dict_has_the_sample_shape() -> None:
    c = ApplicationContent(holder(), asset(), Rights.of(Right.USE))
    data = c.to_dict()
    assert set(data) == {"holder", "asset", "rights"}
    assert data["rights"] == ["use"]
    assert data["holder"] == {
        "name": "青岛示例农业数据科技有限公司",
        "credit_code": "913702002000000055",
        "ownership": "non-state",
        "region_code": "370200",
    }


def test_data_asset_accepts_a_list_of_scenarios_and_stores_a_tuple() -> None:
    a = DataAsset(
        "n",
        "d",
        DataType.UNSTRUCTURED,
        IndustrySection.Q,
        "s",
        "1",
        "每月",
        ["x"],  # type: ignore[arg-type]
    )
    assert a.scenarios == ("x",)


def test_the_refused_characters_are_exactly_unicodes_control_characters() -> None:
    every = "".join(map(chr, range(0x110000)))
    control = {char for char in every if unicodedata.category(char) == "Cc"}
    assert set(CONTROL_CHARACTERS.findall(every)) == control
    assert set(CONTROL_CHARACTERS_BUT_LINES.findall(every)) == control - {"\n", "\t"}
    assert TextRule(9, multiline=True).clean("a\tb\nc", "f") == "a\tb\nc"
    with pytest.raises(InvalidFieldError, match=r"U\+0085"):
        TextRule(9, multiline=True).clean("a\x85b", "f")
