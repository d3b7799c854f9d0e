"""Model instances read in SQL written once, for the lookups every WebSocket join and every send makes.

A join reads its room and membership, then the room again (fresh) for the snapshot; a send reads its member with
their user and room. Through the ORM each of these lookups by index cost more CPU in building the query than the
database spent answering it, and a process's joins per second were bound by that CPU (docs/benchmarks.md,
handshakes/s). ``read_one`` selects every
concrete column, converts the values as the ORM would (SQLite gives timestamps as text and booleans as
integers) and builds the instances with ``Model.from_db``, so callers get what ``objects.get`` gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Model


@dataclass(frozen=True)
class _Shape:
    """How one model's row is read on one kind of database."""

    columns: list[str]  # quoted, in from_db order
    attnames: list[str]
    converters: list[tuple]  # per column: (its Col expression, the ORM's converters for it)


_shapes: dict[tuple[str, type[Model]], _Shape] = {}


def _field_converters(model: type[Model], field) -> tuple:
    """The field's Col expression and the converters the ORM applies to its raw values on this connection."""
    col = field.get_col(model._meta.db_table)
    return col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)


def _shape(model: type[Model]) -> _Shape:
    key = (connection.vendor, model)
    shape = _shapes.get(key)
    if shape is None:
        fields = model._meta.concrete_fields
        shape = _shapes[key] = _Shape(
            [connection.ops.quote_name(f.column) for f in fields],
            [f.attname for f in fields],
            [_field_converters(model, f) for f in fields],
        )
    return shape


def _convert(value, col, converters):
    for converter in converters:
        value = converter(value, col, connection)
    return value


def _build(model: type[Model], shape: _Shape, values) -> Model:
    converted = [
        _convert(value, col, converters) for value, (col, converters) in zip(values, shape.converters, strict=True)
    ]
    return model.from_db(connection.alias, shape.attnames, converted)


_single_fields: dict[tuple[str, type[Model], str], tuple] = {}


def value_of(model: type[Model], name: str, value):
    """A raw value of ``model``'s field ``name``, read by hand-written SQL, converted as the ORM would."""
    key = (connection.vendor, model, name)
    found = _single_fields.get(key)
    if found is None:
        found = _single_fields[key] = _field_converters(model, model._meta.get_field(name))
    return _convert(value, *found)


def read_one(models: tuple[type[Model], ...], tables: str, condition: str, params: list) -> tuple[Model, ...] | None:
    """Read one row of ``models``, aliased t0, t1, ... in ``tables`` (the FROM clause), matching ``condition``.

    ``tables`` and ``condition`` are SQL written in this package, never built from input; values go in
    ``params``. Return one instance per model, or None when no row matches.
    """
    shapes = [_shape(model) for model in models]
    select = ", ".join(f"t{index}.{column}" for index, shape in enumerate(shapes) for column in shape.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {tables} WHERE {condition} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, shape in zip(models, shapes, strict=True):
        instances.append(_build(model, shape, row[start : start + len(shape.columns)]))
        start += len(shape.columns)
    return tuple(instances)


def table(model: type[Model]) -> str:
    """The model's table name, quoted for this connection."""
    return connection.ops.quote_name(model._meta.db_table)
