"""Converters and validators for the ``Decimal`` fields of levrisk's value objects.

mypy's attrs plugin only understands named functions as converters, and a converter does
not know the field it converts. So :func:`number` never raises: a value that is not a
finite number becomes a :class:`_Rejected` NaN that remembers the raw input, and the
field's validator (which knows the field's name) raises the documented error. Every
``Decimal`` field therefore reads::

    price: Decimal = attrs.field(converter=number, validator=positive)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from types import MemberDescriptorType
from typing import Any, Final, TypeVar

import attrs

from levrisk import _typing
from levrisk.exceptions import InvalidInputError
from levrisk.numbers import NumberLike, _convert, plain_positive


class _Rejected(Decimal):
    """A NaN standing for an input :func:`number` could not convert.

    ``raw`` keeps the input; ``reason`` the numeric contract's message without the name
    (``" must lie within 1E-9999 and 1E+10000 in magnitude, got ..."``).
    """

    raw: object
    reason: str


def number(value: NumberLike) -> Decimal:
    """Convert a field's value by the numeric contract, deferring errors to validation."""
    try:
        return _convert(value, "")
    except InvalidInputError as error:
        rejected = _Rejected("NaN")
        rejected.raw = value
        rejected.reason = str(error)
        return rejected


def optional_number(value: NumberLike | None) -> Decimal | None:
    """Like :func:`number`, but ``None`` stays ``None``."""
    return None if value is None else number(value)


def _check_number(attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, _Rejected):
        msg = f"{attribute.name}{value.reason}"
        raise InvalidInputError(msg)


def finite(_instance: object, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
    """Validate that a converted field is a finite number (any sign)."""
    _check_number(attribute, value)


def positive(_instance: object, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
    """Validate that a converted field is a number > 0 (``None`` passes)."""
    _check_number(attribute, value)
    if value is not None and value <= 0:
        msg = f"{attribute.name} must be positive, got {value!r}"
        raise InvalidInputError(msg)


def non_negative(_instance: object, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
    """Validate that a converted field is a number ≥ 0 (``None`` passes)."""
    _check_number(attribute, value)
    if value is not None and value < 0:
        msg = f"{attribute.name} must not be negative, got {value!r}"
        raise InvalidInputError(msg)


def fraction(_instance: object, attribute: attrs.Attribute[Any], value: Decimal | None) -> None:
    """Validate that a converted field is a rate with ``0 ≤ value < 1`` (``None`` passes)."""
    _check_number(attribute, value)
    if value is not None and not 0 <= value < 1:
        msg = f"{attribute.name} must be a fraction in [0, 1), got {value!r}"
        raise InvalidInputError(msg)


def instance_of(*types: type) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """Validate a field's type, raising the documented error (attrs' own raises TypeError).

    ``bool`` never passes for ``int``: a ``True`` where a count is expected is a bug.
    """
    names = " or ".join(t.__name__ for t in types)

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            msg = f"{attribute.name} must be {names}, got {value!r}"
            raise InvalidInputError(msg)

    return validate


# ------------------------------------------------------------------ function arguments
# The same checks for plain function arguments: convert by the numeric contract and raise
# the documented error naming the argument and showing the value as the caller passed it.


def positive_number(value: object, name: str) -> Decimal:
    """``value`` as a Decimal > 0, or InvalidInputError naming ``name``."""
    result = _convert(value, name)
    if result <= 0:
        msg = f"{name} must be positive, got {value!r}"
        raise InvalidInputError(msg)
    return result


def non_negative_number(value: object, name: str) -> Decimal:
    """``value`` as a Decimal ≥ 0, or InvalidInputError naming ``name``."""
    result = _convert(value, name)
    if result < 0:
        msg = f"{name} must not be negative, got {value!r}"
        raise InvalidInputError(msg)
    return result


def fraction_number(value: object, name: str) -> Decimal:
    """``value`` as a rate with ``0 ≤ value < 1``, or InvalidInputError naming ``name``."""
    result = _convert(value, name)
    if not 0 <= result < 1:
        msg = f"{name} must be a fraction in [0, 1), got {value!r}"
        raise InvalidInputError(msg)
    return result


def aware_datetime(value: object, name: str) -> datetime:
    """``value`` as its instant in UTC when it is a timezone-aware datetime, else InvalidInputError.

    Two datetimes that share a ``tzinfo`` compare by wall clock (01:45 EDT sorts after
    01:15 EST on the night clocks fall back, though it comes first): instants returned
    here carry ``timezone.utc``, so every comparison between them is one of real time.
    """
    if not isinstance(value, datetime):
        msg = f"{name} must be a timezone-aware datetime, got {value!r}"
        raise InvalidInputError(msg)
    if value.utcoffset() is None:
        msg = f"{name} must be timezone-aware, got the naive datetime {value!r}"
        raise InvalidInputError(msg)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        msg = f"{name} must lie within datetime's range once converted to UTC, got {value!r}"
        raise InvalidInputError(msg) from None


_T = TypeVar("_T")


def entries(value: object, message: str, error: type[Exception] = InvalidInputError) -> list[Any]:
    """The entries of a collection argument as a list, or ``error(message)``.

    Refused: a ``str``, ``bytes`` or mapping (a collection of entries is meant), anything
    not iterable, and an object whose iteration fails (a 0-d NumPy array is ``Iterable``
    yet raises ``TypeError`` when iterated).
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise error(message)
    try:
        return list(value)
    except TypeError:
        raise error(message) from None


def require(value: object, kind: type[_T], name: str) -> _T:
    """``value`` when it is an instance of ``kind``, else InvalidInputError naming ``name``.

    The one argument type check of the library: ``position must be a Position, got 1``.
    """
    if not isinstance(value, kind):
        msg = f"{name} must be a {kind.__name__}, got {value!r}"
        raise InvalidInputError(msg)
    return value


_OPTIONS: dict[int, tuple[object, frozenset[str]]] = {}
"""Each ``Literal`` alias :func:`option` has seen, by ``id`` (hashing an alias is slow)."""


def option(value: object, alias: Any, name: str) -> Any:  # noqa: ANN401 - the alias' type
    """:func:`levrisk._typing.choice`, answered at once for a plain ``str`` option.

    Anything else (a ``str`` subclass, another type, an unknown option) goes to ``choice``,
    which returns the alias' own string or raises its error. The options of each alias
    (a module-level constant) are computed once.
    """
    known = _OPTIONS.get(id(alias))
    if known is None or known[0] is not alias:
        known = _OPTIONS[id(alias)] = (alias, frozenset(_typing.options(alias)))
    if type(value) is str and value in known[1]:
        return value
    return _typing.choice(value, alias, name)


def fee_rate(value: object, name: str) -> Decimal:
    """A trading or liquidation fee rate: a fraction in ``[0, 1)`` (``0.001`` is 0.1 %)."""
    return fraction_number(value, name)


class FrozenMap(Mapping[str, Decimal]):
    """A read-only, hashable mapping of asset (or symbol) to number, shown like a ``dict``."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Decimal]) -> None:
        """Copy ``data``."""
        self._data = dict(data)

    def __getitem__(self, key: str) -> Decimal:
        """The value of ``key``."""
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        """The keys, in insertion order."""
        return iter(self._data)

    def __len__(self) -> int:
        """The number of keys."""
        return len(self._data)

    def __hash__(self) -> int:
        """A hash over the sorted items (the mapping never changes)."""
        return hash(tuple(sorted(self._data.items())))

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same items."""
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        """The ``dict`` repr."""
        return repr(self._data)


def price_map(
    value: object, names: Iterable[str], *, argument: str, of: str, missing: Callable[[str], str]
) -> dict[str, Decimal]:
    """The positive price of each of ``names`` from the mapping ``value`` (in that order).

    ``argument`` names the mapping, ``of`` what it maps (``"symbol"``, ``"asset"``), and
    ``missing(name)`` is the message for a name the mapping lacks.
    """
    if type(value) is not dict and not isinstance(value, Mapping):  # a dict: no ABC check
        msg = f"{argument} must be a mapping of {of} to price, got {value!r}"
        raise InvalidInputError(msg)
    for key in value:
        if not isinstance(key, str):
            msg = f"{argument} must map each {of} as a str, got the key {key!r}"
            raise InvalidInputError(msg)
    result: dict[str, Decimal] = {}
    for name in names:
        if name not in value:
            raise InvalidInputError(missing(name))
        raw = value[name]  # read once: a mapping's __getitem__ may do work
        result[name] = plain_positive(raw) or _positive_value(raw, name, argument)
    return result


def positive_entry(value: Mapping[str, Any], name: str, argument: str) -> Decimal:
    """``value[name]`` as a Decimal > 0, or InvalidInputError naming ``argument[name]``.

    The name is worded only when the error is raised (a mapping may hold a thousand).
    """
    raw = value[name]
    return plain_positive(raw) or _positive_value(raw, name, argument)


def _positive_value(raw: object, name: str, argument: str) -> Decimal:
    """``raw`` (the mapping's value at ``name``) converted by the numeric contract, > 0."""
    price = number(raw)  # type: ignore[arg-type]  # any input: a rejected one is caught below
    if isinstance(price, _Rejected) or price <= 0:
        positive_number(raw, f"{argument}[{name!r}]")
    return price


_A = TypeVar("_A", bound=attrs.AttrsInstance)

_BUILDERS: dict[type, Callable[..., Any]] = {}
"""Each class' :func:`builder` function, generated once."""

_BUILDER_NAMES: Final = frozenset({"_self", "_cls", "_new"})
"""The names a generated builder uses besides its fields and ``_store<i>``."""


def _store(cls: type, name: str) -> Callable[[object, object], None]:
    """How a builder stores the field ``name`` of ``cls``, past a frozen class' ``__setattr__``.

    The slot's own descriptor on a slotted class (the cheapest call), else
    ``object.__setattr__`` of the name.
    """
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if isinstance(slot, MemberDescriptorType):
            return slot.__set__
    return functools.partial(_set_attribute, name=name)


def _set_attribute(instance: object, value: object, *, name: str) -> None:
    """``object.__setattr__(instance, name, value)``: a field of a class without slots."""
    object.__setattr__(instance, name, value)


def builder(cls: type[_A]) -> Callable[..., _A]:
    """The fast internal constructor of the frozen attrs class ``cls``: every field, as given.

    For the modules that build a kind of result object on every call (they take it once,
    at import): ``builder(cls)(**fields)`` takes every field by keyword and stores each
    as it is, with no converter or validator, like :func:`trusted`, but generated once
    per class (as attrs generates ``__init__``), and storing a ``Decimal`` zero as given:
    its callers pass no ``-0`` (zeros computed from checked, normalised inputs by sums,
    differences and products of numbers ≥ 0 are ``+0``; tests/test_margin_fast.py).
    """
    known: Callable[..., _A] | None = _BUILDERS.get(cls)
    if known is not None:
        return known
    names = [field.name for field in attrs.fields(cls)]
    own = _BUILDER_NAMES.union(f"_store{i}" for i in range(len(names)))
    clash = sorted(own.intersection(names))
    if clash:
        msg = f"{cls.__name__} has fields named as a builder's own names: {clash}"
        raise TypeError(msg)
    scope: dict[str, Any] = {"_cls": cls, "_new": object.__new__}
    lines = [f"def build(*, {', '.join(names)}):", "    _self = _new(_cls)"]
    for i, name in enumerate(names):
        scope[f"_store{i}"] = _store(cls, name)
        lines.append(f"    _store{i}(_self, {name})")
    lines.append("    return _self")
    exec("\n".join(lines), scope)  # noqa: S102 - source generated here from field names
    build: Callable[..., _A] = scope["build"]
    _BUILDERS[cls] = build
    return build


def trusted(cls: type[_A], **values: object) -> _A:
    """A frozen attrs instance of ``cls`` built from values the library has already checked.

    The internal constructor of result objects: no converter and no validator runs (the
    values come out of checked inputs and the library's own formulas), except that a
    ``Decimal`` zero is stored as ``0``, as the ``number`` converter stores it. Every
    field must be given. Thread-safe: nothing global is switched off (unlike
    ``attrs.validators.disabled()``); users' construction is validated as always.
    """
    instance = object.__new__(cls)
    store = object.__setattr__
    for name, value in values.items():
        if isinstance(value, Decimal) and not value:
            store(instance, name, value.copy_abs())
        else:
            store(instance, name, value)
    return instance
