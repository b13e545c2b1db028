"""JSON columns are written and read by orjson, with the standard library as the fallback."""

from __future__ import annotations

import json

from store.types import dumps_json, loads_json


def test_round_trip_keeps_values_and_unicode() -> None:
    """Nested values, unicode and escapes come back equal to what was stored."""
    value = {"name": 'Zoë \u2014 "quoted"', "list": [1, 2.5, None, True], "nested": {"a": {}}}
    assert loads_json(dumps_json(value)) == value


def test_values_orjson_refuses_still_store() -> None:
    """An integer beyond 64 bits (orjson refuses it) is written by the standard library."""
    value = {"big": 2**70}
    assert dumps_json(value) == json.dumps(value)
    assert loads_json(dumps_json(value)) == value


def test_non_string_keys_are_written_as_strings() -> None:
    """Integer keys become strings, as the standard library writes them."""
    assert json.loads(dumps_json({1: "a"})) == {"1": "a"}
