"""``/v1/connected-accounts`` and ``/v1/authorization-links``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from producer.api.deps import ServicesDep
from producer.api.openapi import V1_ERRORS, error_responses
from producer.services import Services
from producer.verification import verify_user
from schemas.accounts import IDENTIFIER_PATTERN, AccountStatus
from schemas.json_guard import NO_NUL_PATTERN, find_problem
from store.accounts import AccountRecord

IDENTIFIER_HELP = "Your user's id: 1-255 characters, no '/', no whitespace, no NUL."
#: The identifier as a path segment, documented with the same pattern as in bodies.
IdentifierPath = Annotated[str, Path(pattern=IDENTIFIER_PATTERN, description=IDENTIFIER_HELP)]
ConnectionPath = Annotated[str, Path(pattern=NO_NUL_PATTERN)]

router = APIRouter(prefix="/v1", tags=["connected accounts"], responses=V1_ERRORS)
#: Routes naming a connection (and maybe an account) can find neither.
NOT_FOUND = error_responses(404)


def _account_body(services: Services, record: AccountRecord) -> dict[str, Any]:
    """The ``{"connected_account": ...}`` answer of every route about one account."""
    return {"connected_account": services.accounts.view(record).model_dump(mode="json")}


class AccountBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, raw: Any) -> Any:
        """A NUL character can name no account (PostgreSQL refuses it): 422, not a 500."""
        problem = find_problem(raw)
        if problem is not None:
            raise ValueError(problem.message)
        return raw

    connection_name: str = Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)
    identifier: str = Field(pattern=IDENTIFIER_PATTERN, description=IDENTIFIER_HELP)


class LinkBody(AccountBody):
    return_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=NO_NUL_PATTERN,
        description="Where the callback page sends the user afterwards (must be allow-listed).",
    )


@router.post("/connected-accounts", responses=NOT_FOUND)
def get_or_create_account(body: AccountBody, services: ServicesDep) -> dict[str, Any]:
    record = services.accounts.get_or_create(
        connection_name=body.connection_name, identifier=body.identifier
    )
    return _account_body(services, record)


class VerifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auth_request_id: str = Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)
    identifier: str = Field(
        min_length=1,
        max_length=255,
        pattern=IDENTIFIER_PATTERN,
        description="The user your own session says is logged in. " + IDENTIFIER_HELP,
    )


@router.post("/connected-accounts/verify", responses=error_responses(404, 409, 410))
def verify_account(body: VerifyBody, services: ServicesDep) -> dict[str, Any]:
    """Confirm that the user who completed a consent is ``identifier`` (OAUTH_USER_VERIFY_URL)."""
    record = verify_user(
        services.accounts, auth_request_id=body.auth_request_id, identifier=body.identifier
    )
    return _account_body(services, record)


@router.get("/connected-accounts/{connection_name}/{identifier}", responses=NOT_FOUND)
def get_account(
    connection_name: ConnectionPath, identifier: IdentifierPath, services: ServicesDep
) -> dict[str, Any]:
    record = services.accounts.get(connection_name=connection_name, identifier=identifier)
    return _account_body(services, record)


@router.get("/connected-accounts")
def list_accounts(
    services: ServicesDep,
    status: AccountStatus | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    after: str | None = Query(default=None, pattern=NO_NUL_PATTERN),
) -> dict[str, Any]:
    records, next_after = services.accounts.list_page(status=status, limit=limit, after=after)
    return {
        "connected_accounts": [services.accounts.view(r).model_dump(mode="json") for r in records],
        "next_after": next_after,
    }


@router.delete("/connected-accounts/{connection_name}/{identifier}", responses=NOT_FOUND)
def delete_account(
    connection_name: ConnectionPath, identifier: IdentifierPath, services: ServicesDep
) -> dict[str, Any]:
    record = services.accounts.delete(connection_name=connection_name, identifier=identifier)
    return _account_body(services, record)


@router.post("/authorization-links", responses=NOT_FOUND)
def create_authorization_link(body: LinkBody, services: ServicesDep) -> dict[str, Any]:
    link = services.accounts.authorization_link(
        connection_name=body.connection_name,
        identifier=body.identifier,
        return_url=services.accounts.checked_return_url(body.return_url),
    )
    return {"link": link.link, "expires_at": link.expires_at.isoformat()}
