"""The event store's transcoder: the library's JSON, written by msgspec.

The bytes are the library's ``JSONTranscoder``'s, byte for byte — compact separators,
text unescaped but for the characters JSON must escape, every registered type written
as ``{"_type_": name, "_data_": …}`` — so a store holds the same rows whichever of the
two wrote them, and the hash chain, the SQL folds and ``verify`` read them alike.

msgspec writes dates, times and UUIDs in its own way and never asks how, so each value
is first turned into plain JSON values here, with the registered transcodings. Anything
the fast way does not cover exactly as the library does (a float, a subclass of a JSON
type, a key that is not text, a value no transcoding is registered for) is handed to
the library's own encoder, which writes it, or refuses it, as it always has.
"""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder

#: values written as they are, by exact type (a subclass goes the library's way)
PLAIN = frozenset({str, int, bool, type(None)})
#: the library writes a subclass of these as the type itself, before any transcoding
JSON_TYPES = (str, int, float, list, tuple, dict)


class Unusual(Exception):
    """A value the fast path leaves to the library's encoder."""


class MsgspecTranscoder(JSONTranscoder):
    """``JSONTranscoder`` with msgspec doing the writing; decoding is the library's."""

    def __init__(self) -> None:
        super().__init__()
        self._write = msgspec.json.Encoder().encode

    def encode(self, obj: Any) -> bytes:
        try:
            return self._write(self._plain(obj))
        except Exception:
            return super().encode(obj)  # the library's bytes, or the library's refusal

    def _plain(self, o: Any) -> Any:
        kind = type(o)
        if kind in PLAIN:
            return o
        if kind is dict:
            out = {}
            for key, value in o.items():
                if type(key) is not str:
                    raise Unusual
                out[key] = value if type(value) in PLAIN else self._plain(value)
            return out
        if kind is list or kind is tuple:
            return [self._plain(value) for value in o]
        if isinstance(o, JSON_TYPES):  # a float, or a subclass of a JSON type
            raise Unusual
        transcoding = self.types.get(kind)
        if transcoding is None:
            raise Unusual
        return {"_type_": transcoding.name, "_data_": self._plain(transcoding.encode(o))}
