"""A name -> class registry per plug-in kind, fed by entry points and explicit calls."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from swordnet.domain.errors import DuplicatePluginError, UnknownPluginError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps unique plug-in names to classes deriving from ``base``.

    ``group`` is the entry-point group (``swordnet.signals`` ...) that ``load_entry_points``
    reads. Registering a second class under a name already taken raises
    ``DuplicatePluginError``: two plug-ins silently shadowing each other is a bug.
    """

    def __init__(self, group: str, base: type) -> None:
        # ``base`` is typed loosely because interfaces are abstract classes, which mypy
        # refuses where ``type[T]`` is expected; the annotation of the registry gives T.
        self.group = group
        self.base = base
        self._classes: dict[str, type[T]] = {}
        self._loaded = False

    def register(self, cls: type[T]) -> type[T]:
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(f"{cls!r} is not a {self.base.__name__}")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__qualname__} has no plug-in name")
        existing = self._classes.get(name)
        if existing is not None and existing is not cls:
            raise DuplicatePluginError(
                f"{self.group}: name {name!r} is taken by {existing.__module__}."
                f"{existing.__qualname__}; {cls.__module__}.{cls.__qualname__} cannot register it"
            )
        self._classes[name] = cls
        return cls

    def load_entry_points(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for entry_point in entry_points(group=self.group):
            self.register(entry_point.load())

    def get(self, name: str) -> type[T]:
        self.load_entry_points()
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise UnknownPluginError(
                f"no {self.group} plug-in named {name!r} (known: {known})"
            ) from None

    def names(self) -> list[str]:
        self.load_entry_points()
        return sorted(self._classes)

    def __iter__(self) -> Iterator[type[T]]:
        self.load_entry_points()
        return iter([self._classes[name] for name in sorted(self._classes)])

    def __len__(self) -> int:
        self.load_entry_points()
        return len(self._classes)
