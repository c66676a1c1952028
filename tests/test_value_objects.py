"""Value objects are frozen, hashable, equal by value, readable, picklable (issue: hardening).

Every public attrs class with an example instance in ``test_contract._examples()`` is
checked: it cannot be mutated, hashes and compares by value, has a ``repr`` naming its
class and fields, survives ``pickle`` and ``attrs.evolve`` unchanged, and ``evolve`` with an
out-of-domain value runs the validators (they cannot be bypassed).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import cast

import attrs
import pytest
from attrs import AttrsInstance

from levrisk.exceptions import LevriskError
from test_contract import _EXAMPLES

# mypy's attrs plugin types evolve() only for concrete classes; these tests are generic.
_evolve = cast("Callable[..., AttrsInstance]", attrs.evolve)

VALUE_OBJECTS: list[AttrsInstance] = [
    cast("AttrsInstance", e) for e in _EXAMPLES if attrs.has(type(e))
]


def _id(obj: object) -> str:
    return type(obj).__name__


def test_examples_exist() -> None:
    """The registry holds value objects to check (the tests below cannot pass vacuously)."""
    assert len(VALUE_OBJECTS) >= 3


@pytest.mark.parametrize("obj", VALUE_OBJECTS, ids=_id)
class TestValueObjects:
    """The attrs idiom of STYLE.md, checked on every public value object."""

    def test_frozen(self, obj: AttrsInstance) -> None:
        """Assigning to a field raises."""
        first = attrs.fields(type(obj))[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(obj, first, getattr(obj, first))

    def test_equal_and_hashable_by_value(self, obj: AttrsInstance) -> None:
        """A field-by-field copy is equal and hashes the same."""
        copy = _evolve(obj)
        assert copy == obj
        assert copy is not obj
        assert hash(copy) == hash(obj)

    def test_repr(self, obj: AttrsInstance) -> None:
        """The repr names the class and every field."""
        text = repr(obj)
        assert text.startswith(type(obj).__name__ + "(")
        for field in attrs.fields(type(obj)):
            if field.repr:
                assert f"{field.name}=" in text

    def test_pickle_round_trip(self, obj: AttrsInstance) -> None:
        """Pickling returns an equal object."""
        assert pickle.loads(pickle.dumps(obj)) == obj  # noqa: S301 - our own bytes


def _decimal_fields(obj: AttrsInstance) -> list[str]:
    return [
        f.name
        for f in attrs.fields(type(obj))
        if f.init and isinstance(getattr(obj, f.name), Decimal)
    ]


@pytest.mark.parametrize("obj", [o for o in VALUE_OBJECTS if _decimal_fields(o)], ids=_id)
def test_evolve_runs_validators(obj: AttrsInstance) -> None:
    """Evolving any Decimal field to an out-of-domain value raises a LevriskError."""
    for name in _decimal_fields(obj):
        with pytest.raises(LevriskError):
            _evolve(obj, **{name: "not a number"})
