from __future__ import annotations

import pytest

from ledger import codes
from ledger.errors import MalformedInput, UnknownCode

CLASSES = [
    "201",
    "202",
    "203",
    "204",
    "205",
    "206",
    "207",
    "208",
    "210",
    "211",
    "212",
    "213",
    "214",
    "215",
    "216",
    "217",
    "219",
    "220",
    "221",
    "222",
    "223",
    "224",
    "229",
    "231",
    "232",
    "234",
]


def test_every_class_of_the_published_table_is_known_by_name() -> None:
    table = codes.catalogue(codes.CodeKind.FUNCTION)
    assert [c for c in table if len(c) == 3] == CLASSES
    assert table["215"] == "资源勘探工业信息等支出"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("2150805", "中小企业发展专项"),
        ("2159904", "技术改造支出"),
        ("2080199", "其他人力资源和社会保障管理事务支出"),
        ("2111001", "能源节约利用"),
        ("2150210", "工艺品及其他制造业"),
        ("21508", "支持中小企业发展和管理支出"),
    ],
)
def test_the_function_codes_the_reference_prints_are_known(code: str, name: str) -> None:
    assert codes.function_code(code).name == name


def test_the_economic_codes_of_the_basic_expenditure_table_are_known() -> None:
    assert codes.economic_code("30226").name == "劳务费"
    assert codes.economic_code("312").name == "对企业补助"
    assert len([c for c in codes.catalogue(codes.CodeKind.ECONOMIC) if len(c) == 3]) == 7


@pytest.mark.parametrize("text", ["21508051", "2150", "21a0805", "", "２１５", " 21"])
def test_malformed_function_codes_are_refused_as_malformed(text: str) -> None:
    with pytest.raises(MalformedInput):
        codes.function_code(text)


def test_an_unknown_well_formed_code_is_refused_with_a_hint_of_its_siblings() -> None:
    with pytest.raises(UnknownCode) as caught:
        codes.function_code("2150806")
    assert "2150805 中小企业发展专项" in caught.value.message
    assert "ledger codes list" in caught.value.message


def test_codes_roll_up_from_item_to_class() -> None:
    assert codes.rollup(codes.CodeKind.FUNCTION, "2150805") == ["2150805", "21508", "215"]
    assert codes.rollup(codes.CodeKind.ECONOMIC, "30226") == ["30226", "302"]
    assert codes.function_code("2150805").parents() == ["21508", "215"]


def test_every_item_and_clause_has_its_parents_in_the_catalogue() -> None:
    for kind in codes.CodeKind:
        table = codes.catalogue(kind)
        for code in table:
            for parent in codes.rollup(kind, code)[1:]:
                assert parent in table, f"{code} lacks parent {parent}"
