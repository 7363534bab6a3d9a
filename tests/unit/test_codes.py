"""The shipped 《政府收支分类科目》 books, the code rules, and the local additions laid over them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from ledger import codes
from ledger.codes import CodeKind, LocalCode
from ledger.errors import AlreadyExists, MalformedInput, UnknownCode

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "002_ada3e610281bf11c.txt"
BOOKS = [(kind, year) for kind in CodeKind for year in codes.SHIPPED_YEARS]


@pytest.fixture(autouse=True)
def no_local_codes() -> Iterator[None]:
    codes.use_local(())
    yield
    codes.use_local(())


def raw_rows(kind: CodeKind, year: int) -> list[tuple[str, str]]:
    text = resources.files("ledger.data").joinpath("codes", f"{kind.value}-{year}.tsv").read_text("utf-8")
    return [
        (code, name)
        for code, name in (
            line.split("\t") for line in text.splitlines() if line and not line.startswith("#")
        )
    ]


@pytest.mark.parametrize(("kind", "year"), BOOKS)
def test_each_book_names_its_source_and_has_no_duplicate_or_malformed_code(kind: CodeKind, year: int) -> None:
    assert f"《{year}年政府收支分类科目》" in codes.source_of(kind, year)
    rows = raw_rows(kind, year)
    duplicates = [c for c, n in Counter(c for c, _ in rows).items() if n > 1]
    assert duplicates == []
    for code, name in rows:
        assert code.isascii() and code.isdigit() and len(code) in kind.lengths, code
        assert name and name == name.strip() and "\t" not in name, code
        assert "(" not in name and ")" not in name, f"{code}: the book prints full-width brackets"


@pytest.mark.parametrize(("kind", "year"), BOOKS)
def test_every_clause_has_its_class_and_every_item_its_clause(kind: CodeKind, year: int) -> None:
    table = codes.shipped(kind, year)
    for code in table:
        for parent in codes.rollup(kind, code)[1:]:
            assert parent in table, f"{year} {code} lacks its parent {parent}"


@pytest.mark.parametrize("year", codes.SHIPPED_YEARS)
def test_every_class_has_clauses_except_the_reserve_fund(year: int) -> None:
    for kind in CodeKind:
        table = codes.shipped(kind, year)
        bare = [c for c in table if len(c) == 3 and not any(k.startswith(c) and len(k) == 5 for k in table)]
        assert bare == (["227"] if kind is CodeKind.FUNCTION else []), bare  # 预备费 has no 款


def test_the_books_hold_the_whole_classification_not_one_units_codes() -> None:
    function = codes.shipped(CodeKind.FUNCTION, 2024)
    assert len([c for c in function if len(c) == 3]) >= 28
    assert len([c for c in function if len(c) == 5]) >= 250
    assert len([c for c in function if len(c) == 7]) >= 1300
    for code, name in [
        ("2010601", "行政运行"),
        ("20106", "财政事务"),
        ("2050101", "行政运行"),
        ("2080505", "机关事业单位基本养老保险缴费支出"),
        ("2080506", "机关事业单位职业年金缴费支出"),
        ("2101101", "行政单位医疗"),
        ("2101102", "事业单位医疗"),
        ("2210201", "住房公积金"),
        ("2120101", "行政运行"),
        ("2200101", "行政运行"),
    ]:
        assert function[code] == name
    assert codes.shipped(CodeKind.ECONOMIC, 2024)["30108"] == "机关事业单位基本养老保险缴费"
    assert codes.shipped(CodeKind.GOV_ECONOMIC, 2024)["501"] == "机关工资福利支出"


def test_every_class_of_the_published_table_is_known_by_name() -> None:
    table = codes.catalogue(CodeKind.FUNCTION, 2024)
    assert set(codes.PUBLISHED_CLASSES) <= set(table)
    assert len(codes.PUBLISHED_CLASSES) == 26
    assert table["215"] == "资源勘探工业信息等支出"


def seed_pairs() -> list[tuple[str, str, int]]:
    """(code, name, line) for every code the published 决算 prints beside its name."""
    pairs = []
    for n, line in enumerate(SEED.read_text("utf-8").splitlines(), start=1):
        match = re.match(
            r"^(?:（[一二三四五六七八九十]+）)?(\d{3}|\d{5}|\d{7})[\t\s-]+([^\t\d]+?)(?:\t|\s\d|$)", line
        )
        if match and match[1][0] in "23" and len(match[2].strip()) >= 2:
            pairs.append((match[1], match[2].strip(), n))
    return pairs


def test_every_code_and_name_the_seed_prints_matches_the_2024_book() -> None:
    pairs = seed_pairs()
    assert len({c for c, _, _ in pairs}) >= 30
    mismatched = []
    for code, name, line in pairs:
        kind = CodeKind.FUNCTION if code[0] == "2" else CodeKind.ECONOMIC
        ours = codes.shipped(kind, 2024).get(code)
        if ours != name:
            mismatched.append((code, name, line, ours))
    # the seed's 公开05 drops 保障 from two names that every other table prints whole
    assert [(c, n, line) for c, n, line, _ in mismatched] == [
        ("20801", "人力资源和社会管理事务", 318),
        ("2080199", "其他人力资源和社会管理事务支出", 319),
    ]


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
    assert codes.function_code(code, 2024).name == name
    assert codes.function_code(code, 2025).name == name


def test_an_act_reads_the_book_of_its_year_or_the_nearest_shipped_one() -> None:
    assert codes.book_year(2024) == 2024
    assert codes.book_year(2025) == 2025
    assert codes.book_year(2026) == 2025
    assert codes.book_year(2020) == 2024
    assert codes.book_year(None) == 2025


@pytest.mark.parametrize("text", ["21508051", "2150", "21a0805", "", "２１５", " 21", "2１5"])
def test_malformed_function_codes_are_refused_as_malformed(text: str) -> None:
    with pytest.raises(MalformedInput):
        codes.function_code(text)


def test_an_unknown_code_is_refused_with_the_nearest_codes_and_the_command_that_admits_it() -> None:
    with pytest.raises(UnknownCode) as caught:
        codes.function_code("2150898", 2024)
    message = caught.value.message
    assert "2150899 其他支持中小企业发展和管理支出" in message
    assert "ledger codes add 2150898 科目名称 --kind function --year 2024" in message
    assert "2024 年科目表" in message


def test_codes_roll_up_from_item_to_class() -> None:
    assert codes.rollup(CodeKind.FUNCTION, "2150805") == ["2150805", "21508", "215"]
    assert codes.rollup(CodeKind.ECONOMIC, "30226") == ["30226", "302"]
    assert codes.function_code("2150805").parents() == ["21508", "215"]


def test_a_local_code_is_admitted_once_and_known_only_in_its_year() -> None:
    assert codes.admit(CodeKind.FUNCTION, "2150898", "某地专项", 2024) is True
    assert codes.function_code("2150898", 2024).name == "某地专项"
    assert codes.is_local(CodeKind.FUNCTION, "2150898", 2024)
    with pytest.raises(UnknownCode):
        codes.function_code("2150898", 2025)
    assert codes.admit(CodeKind.FUNCTION, "2150898", "某地专项", 2024) is False
    with pytest.raises(AlreadyExists):
        codes.admit(CodeKind.FUNCTION, "2150898", "另一个名称", 2024)


def test_a_code_read_once_is_read_again_against_the_local_codes_as_they_now_stand() -> None:
    codes.use_local([LocalCode(CodeKind.ECONOMIC, 2024, "30298", "本地费用")])
    assert codes.economic_code("30298", 2024).name == "本地费用"
    assert codes.economic_code(" 30298", 2024) == codes.economic_code("30298", 2024)
    codes.use_local(())  # another store's codes, or the code book reloaded without it
    with pytest.raises(UnknownCode):
        codes.economic_code("30298", 2024)
    assert codes.admit(CodeKind.ECONOMIC, "30298", "另一项本地费用", 2024) is True
    assert codes.economic_code("30298", 2024).name == "另一项本地费用"


def test_a_code_admitted_for_every_year_is_known_in_each() -> None:
    codes.use_local([LocalCode(CodeKind.ECONOMIC, codes.EVERY_YEAR, "30298", "本地费用")])
    assert codes.economic_code("30298", 2024).name == "本地费用"
    assert codes.economic_code("30298", 2031).name == "本地费用"
    assert codes.name_of(CodeKind.ECONOMIC, "30298", 2025) == "本地费用"


def test_a_shipped_code_keeps_its_printed_name() -> None:
    assert codes.admit(CodeKind.FUNCTION, "2080505", "机关事业单位基本养老保险缴费支出", 2024) is False
    assert codes.admit(CodeKind.ECONOMIC, "30212", "因公出国(境)费用", 2024) is False  # half-width brackets
    with pytest.raises(AlreadyExists) as caught:
        codes.admit(CodeKind.FUNCTION, "2080505", "养老保险", 2024)
    assert "机关事业单位基本养老保险缴费支出" in caught.value.message


def test_a_local_item_needs_a_known_clause() -> None:
    with pytest.raises(UnknownCode) as caught:
        codes.admit(CodeKind.FUNCTION, "2159801", "某支出", 2024)
    assert "ledger codes add 21598" in caught.value.message
    assert codes.admit(CodeKind.FUNCTION, "21598", "某款", 2024)
    assert codes.admit(CodeKind.FUNCTION, "2159801", "某支出", 2024)
