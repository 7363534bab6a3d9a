"""A frozen record without ``dataclasses``: a report run without click builds code books
and read-model rows of these and need not load ``dataclasses`` or ``inspect``."""

from __future__ import annotations


class Value:
    """A frozen record compared, hashed and shown by its fields (``__slots__``, in order):
    what ``@dataclass(frozen=True, slots=True)`` gives. ``__init__`` sets the fields with
    :meth:`_set`, by name."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({shown})"
