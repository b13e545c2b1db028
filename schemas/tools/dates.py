"""Deal close dates: a calendar date in, HubSpot's midnight-UTC timestamp out.

Agents write ``2026-06-30`` (what DESIGN.md's example sends) or a full ISO datetime. A close date
is a day, not an instant, so a datetime keeps the calendar date as written
(``2026-06-30T23:00-05:00`` is June 30th, not July 1st in UTC). The model stores the date;
``hubspot_datetime`` renders it the way HubSpot's date-time properties expect, with milliseconds.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from schemas.tools.values import fail, type_name

_ISO_DATE_OR_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ].+)?")


def close_date(value: object) -> date | None:
    """A real calendar date from ``YYYY-MM-DD`` or an ISO datetime; ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        fail("date_type", f"must be a date string like '2026-06-30', got {type_name(value)}")
    text = value.strip()
    if not text:
        return None
    if not _ISO_DATE_OR_DATETIME.fullmatch(text):
        fail("date_format", f"{text!r:.40} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        fail("date_invalid", f"{text!r:.40} is not a real calendar date")


def hubspot_datetime(day: date) -> str:
    """``2026-06-30`` -> ``"2026-06-30T00:00:00.000Z"``."""
    return f"{day.isoformat()}T00:00:00.000Z"


#: An optional close date; blank means absent.
CloseDate = Annotated[
    date | None,
    BeforeValidator(close_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
