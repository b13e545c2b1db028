"""The single-value parsers (numbers, ids, text, dates) refuse with PydanticCustomError only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic_core import PydanticCustomError

from schemas.tools.dates import close_date, hubspot_datetime
from schemas.tools.values import (
    decimal,
    decimal_text,
    integer,
    non_negative_integer_text,
    optional_text,
    record_id,
    type_name,
)
from tests.unit.tools.support import problems_for


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Decimal("75000"), "75000"),
        (Decimal("75000.000"), "75000"),
        (Decimal("1234.50"), "1234.5"),
        (Decimal("7.5E+4"), "75000"),
        (Decimal("-0"), "0"),
        (Decimal("0.00000000001"), "0"),
        (Decimal("0.12345678915"), "0.1234567892"),
        (Decimal("999999999999999999.5"), "999999999999999999.5"),
    ],
)
def test_decimal_text_is_plain_and_short(number: Decimal, text: str) -> None:
    """Numbers are written without exponent or trailing zeros, to at most 10 decimal places."""
    assert decimal_text(number) == text


@pytest.mark.parametrize(
    "value", [float("inf"), float("nan"), "Infinity", "-nan", "", "1e18", 10**18]
)
def test_decimal_refuses_non_finite_and_huge(value: object) -> None:
    """Infinity, NaN, blanks and numbers of 10**18 or more are refused."""
    with pytest.raises(PydanticCustomError):
        decimal(value)


def test_integer_accepts_the_usual_spellings() -> None:
    """Ints, whole floats and numeric strings are integers; booleans and fractions are not."""
    assert [integer(5), integer(5.0), integer(" 5 "), integer("+5"), integer("-5")] == [
        5,
        5,
        5,
        5,
        -5,
    ]
    for bad in (True, 5.5, "5.0", "five", None, [5], "9" * 40):
        with pytest.raises(PydanticCustomError):
            integer(bad)


def test_record_ids_are_canonical() -> None:
    """Ids lose leading zeros and surrounding space, so equal ids compare equal."""
    assert record_id(" 007 ") == record_id(7) == "7"
    with pytest.raises(PydanticCustomError):
        record_id("1" * 21)


def test_whole_numbers_only_for_counts() -> None:
    """A count accepts 10.0 and '1e2' but not 10.5."""
    assert (non_negative_integer_text(10.0), non_negative_integer_text("1e2")) == ("10", "100")
    with pytest.raises(PydanticCustomError):
        non_negative_integer_text("10.5")


def test_text_refuses_lone_surrogates() -> None:
    """Text that cannot be encoded as UTF-8 is refused before it reaches a request."""
    with pytest.raises(PydanticCustomError):
        optional_text("Jane\udc80")
    assert (
        "valid Unicode"
        in problems_for("hubspot_contact_get", {"contact_id": "j\udc80@a.co"})["contact_id"]
    )


def test_type_names_are_json_names() -> None:
    """Messages speak JSON: null, boolean, number, string, array, object."""
    values: tuple[object, ...] = (None, True, 1, 1.5, "", [], (), {})
    assert [type_name(v) for v in values] == [
        "null", "boolean", "number", "number", "string", "array", "array", "object",
    ]  # fmt: skip
    assert type_name(b"x") == "bytes"


def test_close_dates_from_python_objects() -> None:
    """Dates and datetimes passed from Python code keep their calendar day."""
    moment = datetime(2026, 6, 30, 23, 59, tzinfo=UTC)
    assert close_date(moment) == close_date(date(2026, 6, 30)) == date(2026, 6, 30)
    assert hubspot_datetime(date(2026, 1, 2)) == "2026-01-02T00:00:00.000Z"
