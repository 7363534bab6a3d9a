"""The kept compiled methods of dataclasses (``ledger.startup``): classes made from the
kept code are the classes ``dataclasses`` makes, and a bad or unwritable file changes
nothing but the time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import marshal
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from ledger import startup

SOURCE = '''
import dataclasses
import datetime as dt

@dataclasses.dataclass(frozen=True, kw_only=True)
class Paid:
    on: dt.date
    amount: int
    payee: str = "某企业"
    notes: tuple[str, ...] = dataclasses.field(default_factory=tuple)
'''


def define(compiled: startup.CompiledSource | None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The class of ``SOURCE``, made with ``compiled`` as the dataclasses' ``exec`` (or the
    built-in one)."""
    with monkeypatch.context() as patch:
        if compiled is not None:
            patch.setattr(dataclasses, "exec", compiled.exec, raising=False)
        module = types.ModuleType("ledger_startup_probe")
        patch.setitem(sys.modules, module.__name__, module)
        exec(compile(SOURCE, "<probe>", "exec", dont_inherit=True), module.__dict__)
    made = module.Paid
    assert isinstance(made, type)
    return made


def same_class(one: Any, other: Any) -> None:
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        a, b = getattr(one, name), getattr(other, name)
        assert a.__code__.co_code == b.__code__.co_code, name
        assert a.__code__.co_flags == b.__code__.co_flags, name  # no __future__ flag crept in
        assert a.__annotations__.keys() == b.__annotations__.keys(), name
    assert one.__init__.__annotations__["on"] is dt.date  # real types, not strings
    assert [f.name for f in dataclasses.fields(one)] == [f.name for f in dataclasses.fields(other)]


def behaves(cls: Any) -> None:
    a = cls(on=dt.date(2024, 5, 1), amount=100)
    b = cls(on=dt.date(2024, 5, 1), amount=100)
    assert a == b and hash(a) == hash(b) and a != cls(on=dt.date(2024, 5, 1), amount=101)
    assert repr(a) == "Paid(on=datetime.date(2024, 5, 1), amount=100, payee='某企业', notes=())"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.amount = 5
    with pytest.raises(TypeError):
        cls(dt.date(2024, 5, 1), 100)  # keyword-only


def test_a_class_made_from_kept_code_is_the_class_dataclasses_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = define(None, monkeypatch)
    first = startup.CompiledSource(startup.load(tmp_path / "cache"))
    compiled_once = define(first, monkeypatch)
    assert first.compiled == 6  # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first.save(tmp_path / "cache")
    second = startup.CompiledSource(startup.load(tmp_path / "cache"))
    kept = define(second, monkeypatch)
    assert second.compiled == 0  # every method from the file
    for cls in (plain, compiled_once, kept):
        same_class(cls, plain)
        behaves(cls)


def test_a_file_that_is_not_ours_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = define(None, monkeypatch)
    for junk in (b"", b"\x00garbage", marshal.dumps([1, 2]), marshal.dumps({"k": "v", 1: b"x"})):
        (tmp_path / "cache").write_bytes(junk)
        assert startup.load(tmp_path / "cache") == {}
    # an entry whose bytes are not code: compiled afresh
    first = startup.CompiledSource({})
    define(first, monkeypatch)
    spoiled = {source: b"\x00not code" for source in first.used}
    again = startup.CompiledSource(spoiled)
    same_class(define(again, monkeypatch), plain)
    assert again.compiled == 6


def test_nothing_is_written_when_python_is_told_not_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = startup.CompiledSource({})
    define(compiled, monkeypatch)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    compiled.save(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_folder_that_cannot_be_written_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = startup.CompiledSource({})
    define(compiled, monkeypatch)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "file").write_text("一个文件，不是文件夹")
    compiled.save(tmp_path / "file" / "__pycache__" / "cache")  # no folder can be made under a file
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]


def test_an_overgrown_file_keeps_only_what_this_run_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = {f"# an old class {n}\n": marshal.dumps(compile("pass", "<string>", "exec")) for n in range(10)}
    compiled = startup.CompiledSource(stale)
    define(compiled, monkeypatch)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(startup, "MAX_ENTRIES", 12)
    compiled.save(tmp_path / "cache")
    assert startup.load(tmp_path / "cache").keys() == compiled.used.keys()


def test_the_program_keeps_its_methods_and_runs_from_them(tmp_path: Path) -> None:
    """``ledger`` writes the file once and then runs from it, doing what it did."""
    cache = tmp_path / "cache.marshal"
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ledger import startup\n"
        f"startup.CACHE = Path({str(cache)!r})\n"
        "install = startup.install\n"
        "def counted(path=None):\n"
        "    compiled = install(startup.CACHE)\n"
        "    import atexit\n"
        "    atexit.register(lambda: sys.stderr.write(f'[compiled {compiled.compiled}]'))\n"
        "    return compiled\n"
        "startup.install = counted\n"
        "sys.argv = ['ledger', 'payment', 'request', '--help']\n"
        "from ledger.launch import main\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, env=env, timeout=60) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr.decode()
    assert runs[0].stdout == runs[1].stdout and "用法".encode() in runs[0].stdout
    first, second = (int(r.stderr.decode().rpartition("[compiled ")[2].rstrip("]")) for r in runs)
    assert first > 100 and second == 0
    assert len(startup.load(cache)) == first
