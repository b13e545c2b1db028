"""Enumeration values are matched as the agent means them, and otherwise sent as given."""

from __future__ import annotations

import pytest

from schemas.hubspot_defaults import ENUMERATIONS, Option
from schemas.tools.enums import normalise_option, option_matcher
from tests.unit.tools.support import properties_sent


@pytest.mark.parametrize(
    ("object_type", "name", "given", "expected"),
    [
        ("deals", "hs_priority", "HIGH", "high"),
        ("deals", "hs_priority", "Low", "low"),
        ("deals", "dealstage", "Presentation scheduled", "presentationscheduled"),
        ("deals", "dealstage", "PRESENTATIONSCHEDULED", "presentationscheduled"),
        ("deals", "dealstage", "closed-won", "closedwon"),
        ("deals", "dealstage", "Decision maker bought in", "decisionmakerboughtin"),
        ("deals", "pipeline", "sales pipeline", "default"),
        ("deals", "dealtype", "new business", "newbusiness"),
        ("contacts", "hs_lead_status", "new", "NEW"),
        ("contacts", "hs_lead_status", "Attempted to contact", "ATTEMPTED_TO_CONTACT"),
        ("contacts", "hs_lead_status", "open deal", "OPEN_DEAL"),
        ("contacts", "lifecyclestage", "Lead", "lead"),
        ("contacts", "lifecyclestage", "SQL", "SQL"),
        ("deals", "dealstage", "1234567", "1234567"),
        ("companies", "industry", "software", "software"),
        ("deals", "amount", "HIGH", "HIGH"),
    ],
)
def test_values_and_labels_match_in_any_case(
    object_type: str, name: str, given: str, expected: str
) -> None:
    """Values and labels match case-insensitively; unknown values and properties pass through."""
    assert normalise_option(object_type, name, given) == expected


@pytest.mark.parametrize(
    ("object_type", "name"),
    [(t, name) for t, properties in ENUMERATIONS.items() for name in properties],
)
def test_every_default_option_maps_to_itself(object_type: str, name: str) -> None:
    """Each default option's value and label, in any case, give back its value."""
    for option in ENUMERATIONS[object_type][name]:
        for text in (option.value, option.label, option.label.upper(), option.value.lower()):
            assert normalise_option(object_type, name, text) == option.value


def test_exact_matches_win_over_loose_ones() -> None:
    """An option named exactly wins over another that only matches without punctuation."""
    match = option_matcher([Option("a_b", "First", 0), Option("ab", "Second", 1)])
    assert (match("AB"), match("A_B"), match("a-b")) == ("ab", "a_b", "a_b")


def test_enumeration_fields_of_the_tools_are_matched() -> None:
    """Each enumeration field of the create tools is matched through the same options."""
    contact = properties_sent(
        "hubspot_contact_create",
        {"email": "a@b.co", "lifecyclestage": "CUSTOMER", "hs_lead_status": "bad timing"},
    )
    assert (contact["lifecyclestage"], contact["hs_lead_status"]) == ("customer", "BAD_TIMING")
    deal = properties_sent(
        "hubspot_deal_create",
        {
            "dealname": "D",
            "dealstage": "contract sent",
            "dealtype": "NEWBUSINESS",
            "hs_priority": "Medium",
        },
    )
    assert (deal["dealstage"], deal["dealtype"], deal["hs_priority"]) == (
        "contractsent",
        "newbusiness",
        "medium",
    )
