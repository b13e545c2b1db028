"""Recovering a contact create whose first answer was lost (DESIGN.md section 7).

A create sent but never answered (a read timeout, a connection dropped after sending) may or may
not have been applied. For a company or a deal a retry could make a silent duplicate, so those
fail ``outcome_unknown``. A contact is different: its email is unique, so the retry either
creates it (the first try never landed) or gets HubSpot's 409 "Contact already exists. Existing
ID: 123". That 409 counts as success only when the contact it names is the one *this job*
created: the job must have had an outcome-unknown attempt, and the contact must have been created
after the job first started (minus a clock-skew allowance). Otherwise the email belonged to
someone else before the job ran, and the 409 stands, with the existing id in the job's error so
the agent can update that contact instead.

The recovered result is the contact read back with the properties the job set, so it has the
shape of a create's answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.logging import get_logger
from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotConflict
from hubspot_client.responses import HubSpotResponse
from schemas.jobs import UNKNOWN_OUTCOMES
from schemas.tools import HubSpotRequest
from schemas.tools.request import objects_path
from store.jobs import JobRecord

log = get_logger(__name__)

CONTACT_CREATE = "hubspot_contact_create"
#: How far HubSpot's clock may be behind ours when we judge who created the contact.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=2)


def recover_contact_create(
    job: JobRecord, conflict: HubSpotConflict, *, hubspot: HubSpotClient, access_token: str
) -> HubSpotResponse:
    """The contact this job created, read back; re-raises ``conflict`` when it is not ours.

    Whether to try at all (an earlier unknown outcome, a lapsed lease included, and an existing
    id in the 409) is the decision table's call (``worker.decisions``); checked again here so
    that a direct call can never misread someone else's contact as ours.
    """
    earlier_unknown = any(h.get("outcome") in UNKNOWN_OUTCOMES for h in job.history)
    if not conflict.existing_id or not earlier_unknown:
        raise conflict
    properties = ",".join(sorted(job.input))
    fetch = HubSpotRequest(
        method="GET",
        path=objects_path("contacts", conflict.existing_id),
        params={"properties": properties} if properties else {},
    )
    response = hubspot.send(fetch, access_token=access_token)
    if not created_during(job, response.body):
        log.info("job.duplicate_not_ours", contact_id=conflict.existing_id)
        raise conflict
    log.info("job.duplicate_recovered", contact_id=conflict.existing_id)
    return response


def created_during(job: JobRecord, body: object) -> bool:
    """Whether the contact in ``body`` was created after ``job`` first started."""
    if not isinstance(body, dict) or job.started_at is None:
        return False
    raw = body.get("createdAt")
    if not isinstance(raw, str):
        return False
    try:
        created = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return False
    return created >= job.started_at - CLOCK_SKEW_ALLOWANCE
