"""What a default HubSpot portal knows: enumeration options and the default deal pipeline.

Pure data from ``hubspot-facts.md`` section 5, shared by the tools (to normalise what an agent
means, e.g. ``"HIGH"`` -> ``high``) and by the sandbox (to validate like HubSpot does). Accounts
can customise all of these; the tools therefore send unknown values as given and let HubSpot
answer ``INVALID_OPTION``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    """One enumeration option: ``value`` is HubSpot's internal name, ``label`` what users see."""

    value: str
    label: str
    display_order: int


@dataclass(frozen=True, slots=True)
class Stage:
    """A deal stage of a pipeline; ``probability`` and ``is_closed`` are HubSpot's metadata."""

    id: str
    label: str
    display_order: int
    probability: float
    is_closed: bool


def _options(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(value, label, i) for i, (value, label) in enumerate(pairs))


#: Contacts' ``lifecyclestage`` (DOC-CONTACTS; ``other`` is common in portals).
LIFECYCLE_STAGES = _options(
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

#: Contacts' ``hs_lead_status`` defaults (third-party guides; portals customise them).
LEAD_STATUSES = _options(
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)

#: Deals' ``hs_priority`` (lowercase values, per community usage).
DEAL_PRIORITIES = _options(("low", "Low"), ("medium", "Medium"), ("high", "High"))

#: Deals' ``dealtype``.
DEAL_TYPES = _options(("newbusiness", "New Business"), ("existingbusiness", "Existing Business"))

#: The id every portal's default deal pipeline has.
DEFAULT_PIPELINE_ID = "default"
DEFAULT_PIPELINE_LABEL = "Sales Pipeline"

#: The default pipeline's stages, in display order.
DEFAULT_DEAL_STAGES: tuple[Stage, ...] = (
    Stage("appointmentscheduled", "Appointment scheduled", 0, 0.2, False),
    Stage("qualifiedtobuy", "Qualified to buy", 1, 0.4, False),
    Stage("presentationscheduled", "Presentation scheduled", 2, 0.6, False),
    Stage("decisionmakerboughtin", "Decision maker bought-in", 3, 0.8, False),
    Stage("contractsent", "Contract sent", 4, 0.9, False),
    Stage("closedwon", "Closed won", 5, 1.0, True),
    Stage("closedlost", "Closed lost", 6, 0.0, True),
)

#: Deals' ``dealstage`` options as an enumeration (the default pipeline's stages).
DEAL_STAGES = tuple(Option(s.id, s.label, s.display_order) for s in DEFAULT_DEAL_STAGES)

#: Deals' ``pipeline`` options.
PIPELINES = (Option(DEFAULT_PIPELINE_ID, DEFAULT_PIPELINE_LABEL, 0),)

#: Enumeration properties by object type, as the tools and the sandbox know them.
ENUMERATIONS: dict[str, dict[str, tuple[Option, ...]]] = {
    "contacts": {"lifecyclestage": LIFECYCLE_STAGES, "hs_lead_status": LEAD_STATUSES},
    "companies": {},
    "deals": {
        "dealstage": DEAL_STAGES,
        "pipeline": PIPELINES,
        "hs_priority": DEAL_PRIORITIES,
        "dealtype": DEAL_TYPES,
    },
}

#: HubSpot's object type ids.
OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3"}
