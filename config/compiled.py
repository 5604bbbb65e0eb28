"""Querysets compiled once per process and shape, then run with other values.

On the hottest reads the ORM spends more CPU building and compiling the SQL than Postgres takes to
run it: the idea page's idea (seven relations, two subqueries) took 0.4 ms to build and 2 ms to
compile, for 0.5 ms of execution. A ``CompiledQuery`` wraps a function that builds the queryset
from a *shape* (what changes the SQL's text: roles, options, a slice) and integer *values* (what
only changes its parameters: ids). The first call for a shape builds it twice, with two sets of
stand-in values, and keeps the SQL, which parameter is which value, and the compiler's description
of the columns; later calls put the values in and run it, and Django's own iterable builds the
instances, their joined relations and annotations as ``list(queryset)`` would.

The double build is the guard: a builder whose SQL depends on anything but its shape and values
(the clock, a setting read at call time) gives two different texts or constants, and is refused
with ``ImproperlyConfigured`` instead of being frozen. A builder must not branch on a value (the
guard sees a branch only where the two stand-ins take different sides): what changes the text
belongs in the shape. ``tests/config/test_compiled.py`` checks that
each compiled read returns what its queryset returns.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models.query import ModelIterable, QuerySet, prefetch_related_objects

# Stand-ins for the values: integers inside every id column's range (a value out of a column's
# range makes Django drop the condition), far above any id a deployment reaches.
_STAND_INS = (2_000_000_000, 2_100_000_000)
_MAX_SHAPES = 512
_BIGINT = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class _Compiled:
    model: type[models.Model]
    sql: str
    slots: tuple  # per parameter: ("value", name) or ("constant", value)
    compiler: object
    prefetch: tuple


class CompiledQuery:
    """``build(*shape, **values) -> QuerySet``, compiled once per database and shape."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._shapes: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def fetch(self, shape: tuple[Hashable, ...], using: str = "default", **values: int) -> list[models.Model]:
        """What ``list(build(*shape, **values))`` returns (prefetches included)."""
        for name, value in values.items():
            if type(value) is not int:
                raise TypeError(f"{name}={value!r}: a compiled query takes integers (ids) as values")
        if any(not _BIGINT[0] <= value <= _BIGINT[1] for value in values.values()):
            return []  # an id no column holds (Django too finds nothing, without asking the database)
        key = (using, shape, tuple(sorted(values)))
        compiled = self._shapes.get(key)
        if compiled is None:
            compiled = self._compile(shape, using, sorted(values))
            with self._lock:
                if len(self._shapes) >= _MAX_SHAPES:
                    self._shapes.clear()
                self._shapes[key] = compiled
        params = tuple(values[part] if kind == "value" else part for kind, part in compiled.slots)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]  # this thread's connection
        compiler.as_sql = lambda *_args, **_kwargs: (compiled.sql, params)
        queryset = QuerySet(model=compiled.model, using=using)
        queryset.query.get_compiler = lambda *_args, **_kwargs: compiler
        rows = list(ModelIterable(queryset))
        if compiled.prefetch and rows:
            prefetch_related_objects(rows, *compiled.prefetch)
        return rows

    def first(
        self, shape: tuple[Hashable, ...], using: str = "default", **values: int
    ) -> models.Model | None:
        """The first row ``fetch`` returns, or None (for builders sliced to one row)."""
        rows = self.fetch(shape, using, **values)
        return rows[0] if rows else None

    def _compile(self, shape: tuple, using: str, names: list[str]) -> _Compiled:
        builds = []
        for base in _STAND_INS:
            stand_ins = {name: base + index for index, name in enumerate(names)}
            queryset = self.build(*shape, **stand_ins).using(using)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()  # also sets up the compiler's columns for the iterable
            builds.append((sql, tuple(params), {value: name for name, value in stand_ins.items()}))
        (sql, params, name_of), (sql_b, params_b, name_of_b) = builds
        if sql != sql_b or len(params) != len(params_b):
            raise ImproperlyConfigured(f"{self.build.__qualname__}: its SQL depends on more than {shape!r}")
        slots = []
        for value, value_b in zip(params, params_b, strict=True):
            if value in name_of and name_of_b.get(value_b) == name_of[value]:
                slots.append(("value", name_of[value]))
            elif value == value_b and value not in name_of:
                slots.append(("constant", value))
            else:
                raise ImproperlyConfigured(
                    f"{self.build.__qualname__}: a parameter ({value!r}) depends on more than its "
                    f"shape {shape!r} and values {names}"
                )
        return _Compiled(
            model=queryset.model,
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            prefetch=tuple(queryset._prefetch_related_lookups),
        )


def compiled_query(build: Callable[..., QuerySet]) -> CompiledQuery:
    """Decorator: ``@compiled_query def build(*shape, **values): return queryset``."""
    return CompiledQuery(build)
