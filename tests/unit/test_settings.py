"""The LEDGER_* settings: read once, refused in Chinese when malformed (no I/O)."""

from __future__ import annotations

import pytest

from ledger import settings
from ledger.errors import MalformedInput


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 50000), ("", 50000), ("1", 1), (" 200 ", 200), ("１０", 10), ("10000000", 10_000_000)],
)
def test_a_whole_number_setting_reads_its_value_or_its_default(value: str | None, expected: int) -> None:
    env = {} if value is None else {"LEDGER_CATCHUP_PAGE": value}
    assert settings.CATCHUP_PAGE.read(env) == expected


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "1e3", "abc", "10000001", "9" * 5000, "NaN"])
def test_a_whole_number_setting_out_of_range_or_malformed_is_refused_by_name(value: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        settings.CATCHUP_PAGE.read({"LEDGER_CATCHUP_PAGE": value})
    assert "LEDGER_CATCHUP_PAGE" in refused.value.message and "1 到 10000000" in refused.value.message


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_an_iana_zone_is_accepted(zone: str) -> None:
    assert settings.zone_name({"LEDGER_TZ": zone}) == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Beijing", "../etc/passwd", "/etc/localtime", "+08:00"])
def test_anything_but_an_iana_zone_is_refused(zone: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        settings.zone_name({"LEDGER_TZ": zone})
    assert "LEDGER_TZ" in refused.value.message and "Asia/Shanghai" in refused.value.message


def test_the_default_zone_is_shanghai() -> None:
    assert settings.zone_name({}) == "Asia/Shanghai"


def test_the_actor_setting_is_held_to_the_rules_of_the_actor_option() -> None:
    assert settings.actor_name({"LEDGER_ACTOR": " 张三 "}) == "张三"
    assert settings.actor_name({}) is None
    with pytest.raises(MalformedInput) as refused:
        settings.actor_name({"LEDGER_ACTOR": "张三\x07"})
    assert "LEDGER_ACTOR" in refused.value.message


def test_check_reads_every_setting() -> None:
    settings.check({})
    for name, bad in [("LEDGER_TZ", "X/Y"), ("LEDGER_LOCK_TIMEOUT", "0"), ("LEDGER_IMPORT_MAX_MB", "x")]:
        with pytest.raises(MalformedInput):
            settings.check({name: bad})
