"""Data of the public guide's examples (DESIGN.md section 5), for the tests that replay them."""

from __future__ import annotations

#: The guide's contact create input; HubSpot must receive these six properties unchanged.
GUIDE_CONTACT = {
    "email": "jane@acmecorp.com",
    "firstname": "Jane",
    "lastname": "Smith",
    "jobtitle": "VP of Engineering",
    "company": "Acme Corp",
    "lifecyclestage": "lead",
}
