"""exact_json (the GSTR-1 writer): same text as before its fast path."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pydantic_core
import pytest

from app.services.reports.export import exact_json


class Kind(enum.StrEnum):
    B2B = "b2b"


class Frozen(Mapping[str, Any]):
    """A mapping that is not a dict: written like one."""

    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_decimals_are_written_digit_for_digit() -> None:
    body = {"val": Decimal("100000.01"), "rt": Decimal("18"), "neg": Decimal("-0.50")}
    assert exact_json(body) == '{"val":100000.01,"rt":18,"neg":-0.50}'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+2"), "100"),  # str() would write 1E+2
        (Decimal("1.5E-8"), "0.000000015"),
        (Decimal("-0.00"), "-0.00"),
        (Decimal("0E-7"), "0.0000000"),
    ],
)
def test_decimals_never_use_an_exponent(value: Decimal, text: str) -> None:
    assert exact_json([value]) == f"[{text}]"


def test_scalars_text_and_containers_match_json_dumps() -> None:
    body = {
        "s": 'Ā "quoted" \\ back\nslash \u2028 \x01',
        "i": 12,
        "big": 10**30,
        "t": True,
        "f": False,
        "n": None,
        "list": [1, [2, {}], []],
        "tuple": ("a", 3),
        "kind": Kind.B2B,
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "mapping": Frozen(x=1, y="z"),
        7: "int key",
    }
    expected = json.dumps(
        {
            **{k: v for k, v in body.items() if k != 7},
            "mapping": {"x": 1, "y": "z"},
            "7": "int key",
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert exact_json(body) == expected
    assert json.loads(exact_json(body))["s"] == body["s"]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-sNaN")])
def test_non_finite_decimals_are_refused(value: Decimal) -> None:
    with pytest.raises(ValueError, match="cannot be written as a JSON number"):
        exact_json({"x": [value]})


@pytest.mark.parametrize("value", [1.5, {1, 2}, b"bytes", object()])
def test_floats_and_other_types_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="is not JSON serialisable"):
        exact_json({"x": value})


@pytest.mark.parametrize(
    "name",
    ['Śrī "Gaṇeś" Traders', "back\\slash / slash", "tab\tnew\nline \x01 \x7f", "₹ 😀 \u2028"],
)
def test_aging_text_is_escaped_as_the_model_would_escape_it(name: str) -> None:
    # The aging endpoint writes its JSON with json.dumps; pydantic writes the model's.
    ours = json.dumps({"name": name}, ensure_ascii=False, separators=(",", ":"))
    assert ours == pydantic_core.to_json({"name": name}).decode()
