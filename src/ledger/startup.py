"""The compiled methods of dataclasses, kept between runs as Python keeps a module's.

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``
(and a frozen class's ``__setattr__`` and ``__delattr__``) as Python source and compiles it
with ``exec`` every time the class is defined. The event library makes every event class a
frozen dataclass and the commands are frozen records: a write command defines some 300 such
functions before it reads a word of its arguments, and compiling them was a third of its
start (measured: 76 ms of compiling where loading the same code takes 2 ms).

The source ``dataclasses`` writes for a class is the same from run to run, so its compiled
code can be kept: :func:`install` gives the ``dataclasses`` module an ``exec`` that looks the
source up in a file beside this module's ``.pyc`` files (``__pycache__``, one per Python
version as ``sys.implementation.cache_tag`` names it, and ``-O`` level) and compiles only what it has not seen,
exactly as the built-in ``exec`` compiles it (no inherited ``__future__`` flags: the
``dataclasses`` module has none). The source itself is the key: a changed class, field or
Python writes other source and is compiled afresh. What was compiled anew is added to the
file when the program ends, unless Python is told not to write bytecode
(``PYTHONDONTWRITEBYTECODE``); a file that cannot be read or written is passed over, and the
classes are then made as without it.

The ``.pyc`` files beside it are trusted to the same degree: whoever can write this folder
can change the program.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import marshal
import os
import sys
import types
from pathlib import Path
from typing import Any

#: the cache file of this Python's compiled dataclass methods (one per ``-O`` level, as
#: the ``.pyc`` files: ``compile`` follows the interpreter's)
CACHE = (
    Path(__file__).parent
    / "__pycache__"
    / f"dataclass-methods.{sys.implementation.cache_tag}.opt{sys.flags.optimize}.marshal"
)
#: more entries than this (old versions of changed classes pile up), and only those this
#: run used are kept
MAX_ENTRIES = 4000


class CompiledSource:
    """``exec`` for the ``dataclasses`` module: source it has compiled before is run from
    its kept code."""

    def __init__(self, stored: dict[str, bytes]) -> None:
        self.stored = stored
        self.used: dict[str, bytes] = {}
        self.compiled = 0  # sources not found in the file

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if globals is None:  # as exec itself: the caller's namespaces
            caller = sys._getframe(1)
            globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        kept = self.used.get(source) or self.stored.get(source)
        code = _code(kept)
        if code is None or kept is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
            kept = marshal.dumps(code)
        self.used[source] = kept
        builtins.exec(code, globals, locals)

    def save(self, path: Path) -> None:
        """Add what was compiled anew to the file (atomically: another run may be reading it)."""
        if not self.compiled or sys.dont_write_bytecode:
            return
        merged = {**self.stored, **self.used}
        if len(merged) > MAX_ENTRIES:
            merged = dict(self.used)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(exist_ok=True)
            temporary.write_bytes(marshal.dumps(merged))
            os.replace(temporary, path)
        except OSError:  # a read-only install: the next run compiles again
            with contextlib.suppress(OSError):
                temporary.unlink()


def _code(kept: bytes | None) -> types.CodeType | None:
    """The code kept as these bytes; ``None`` for none, or for bytes that are not code."""
    if kept is None:
        return None
    try:
        code = marshal.loads(kept)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def load(path: Path) -> dict[str, bytes]:
    """The kept code by source; empty when the file is missing, unreadable or not one of ours."""
    try:
        stored = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {k: v for k, v in stored.items() if isinstance(k, str) and isinstance(v, bytes)}


def install(path: Path = CACHE) -> CompiledSource:
    """Give ``dataclasses`` the keeping ``exec``, and save what it compiles at exit."""
    import dataclasses

    compiled = CompiledSource(load(path))
    dataclasses.exec = compiled.exec  # type: ignore[attr-defined]  # shadows the built-in there only
    atexit.register(compiled.save, path)
    return compiled
