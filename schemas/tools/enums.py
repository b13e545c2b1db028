"""Enumeration values matched the way an agent means them.

HubSpot wants an option's internal value (``presentationscheduled``) while agents write labels
(``"Presentation scheduled"``) or shout (``"HIGH"``). A value that matches one of the default
portal's options, by value or label, case-insensitively and ignoring spaces and punctuation, becomes
that option's internal value. Anything else is sent as given: portals customise their options, and
HubSpot's own ``INVALID_OPTION`` answer lists the real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from schemas.hubspot_defaults import (
    DEAL_PRIORITIES,
    DEAL_STAGES,
    DEAL_TYPES,
    DEFAULT_PIPELINE_ID,
    ENUMERATIONS,
    LEAD_STATUSES,
    LIFECYCLE_STAGES,
    PIPELINES,
    Option,
)
from schemas.tools.values import optional_text, required_text


def _squashed(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def option_matcher(options: Iterable[Option]) -> Callable[[str], str]:
    """A function mapping what an agent wrote to the option's internal value, or back unchanged."""
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for option in options:
        for text in (option.value, option.label):
            exact.setdefault(text.casefold(), option.value)
            loose.setdefault(_squashed(text), option.value)

    def match(text: str) -> str:
        return exact.get(text.casefold()) or loose.get(_squashed(text)) or text

    return match


def _optional(value: str | None, match: Callable[[str], str]) -> str | None:
    return None if value is None else match(value)


def options_hint(options: Iterable[Option]) -> str:
    """The default options for a field description: ``lead ("Lead"), customer ("Customer")``."""
    return ", ".join(f'{o.value} ("{o.label}")' for o in options)


_MATCHERS: dict[str, dict[str, Callable[[str], str]]] = {
    object_type: {name: option_matcher(options) for name, options in properties.items()}
    for object_type, properties in ENUMERATIONS.items()
}


def normalise_option(object_type: str, property_name: str, text: str) -> str:
    """``text`` as the internal value when ``property_name`` is a known enumeration of the type."""
    match = _MATCHERS.get(object_type, {}).get(property_name)
    return text if match is None else match(text)


def _optional_enum(options: Iterable[Option]) -> AfterValidator:
    match = option_matcher(options)
    return AfterValidator(lambda value: _optional(value, match))


_match_pipeline = option_matcher(PIPELINES)


def _pipeline_or_default(value: object) -> str:
    text = optional_text(value)
    return DEFAULT_PIPELINE_ID if text is None else _match_pipeline(text)


LifecycleStage = Annotated[
    str | None, BeforeValidator(optional_text), _optional_enum(LIFECYCLE_STAGES)
]
LeadStatus = Annotated[str | None, BeforeValidator(optional_text), _optional_enum(LEAD_STATUSES)]
DealStage = Annotated[str | None, BeforeValidator(optional_text), _optional_enum(DEAL_STAGES)]
RequiredDealStage = Annotated[
    str, BeforeValidator(required_text), AfterValidator(option_matcher(DEAL_STAGES))
]
Pipeline = Annotated[str | None, BeforeValidator(optional_text), _optional_enum(PIPELINES)]
#: A pipeline that falls back to the portal's default one, so a deal create is always explicit.
PipelineOrDefault = Annotated[str, BeforeValidator(_pipeline_or_default)]
DealPriority = Annotated[
    str | None, BeforeValidator(optional_text), _optional_enum(DEAL_PRIORITIES)
]
DealType = Annotated[str | None, BeforeValidator(optional_text), _optional_enum(DEAL_TYPES)]
