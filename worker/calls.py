"""One job's HubSpot call, in the steps the decision table may ask for.

``JobCall.send`` is the attempt proper: the account may run jobs, the grant has the tool's
scopes, a usable token, the portal's budget has a slot, then the call. After it, the decision
table (``worker.decisions``) may ask for one more step before deciding the outcome:
``send_refreshed`` (a first 401: one forced single-flight refresh, one resend) or ``recover``
(a contact create's 409 after an unknown outcome: read back the contact the job may have made).
Each step returns HubSpot's answer or raises; none decides what an exception means.

The account check comes first, so a job of a revoked or disconnected account never reaches
HubSpot. The token is read before the budget's slot is taken so nothing slow (a database read,
an inline refresh) sits between the slot and the call: a deferred job costs one token read.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import AccountNotFound, MissingScopes
from core.logging import get_logger
from hubspot_client.client import HubSpotClient
from hubspot_client.errors import HubSpotConflict, HubSpotUnauthorized
from hubspot_client.responses import HubSpotResponse
from schemas.accounts import unavailable_error
from schemas.tools import HubSpotRequest, ToolSpec, get_tool, parse_tool_input
from store.accounts import AccountRecord
from store.jobs import JobRecord
from store.vault import TokenSet
from worker import job_metrics
from worker.recovery import recover_contact_create
from worker.refresh.tokens import AccessToken, TokenProvider
from worker.throttle import PortalThrottle

log = get_logger(__name__)


@dataclass(frozen=True)
class HubSpotCalls:
    """What every job call needs: tokens, the HubSpot client and the portal's budget."""

    tokens: TokenProvider
    hubspot: HubSpotClient
    throttle: PortalThrottle

    def start(
        self,
        job: JobRecord,
        account: AccountRecord | None,
        request: HubSpotRequest | None = None,
        tokens: TokenSet | None = None,
    ) -> JobCall:
        """``job``'s call; ``request`` replaces the one its input builds (a coalesced batch call
        made on behalf of ``job`` and others of the same tool, ``worker.coalesce``); ``tokens``
        were read with the claim (``TokenProvider.read``)."""
        return JobCall(self, job, account, request, tokens)


class JobCall:
    def __init__(
        self,
        calls: HubSpotCalls,
        job: JobRecord,
        account: AccountRecord | None,
        request: HubSpotRequest | None = None,
        tokens: TokenSet | None = None,
    ):
        self.calls = calls
        self.job = job
        self.claimed_account = account
        self.token: AccessToken | None = None
        self.request: HubSpotRequest | None = request
        self.claimed_tokens = tokens

    def send(self) -> HubSpotResponse:
        account = self._runnable_account()
        tool = get_tool(self.job.tool_name)
        if self.request is None:
            self.request = tool.build_request(parse_tool_input(tool.name, self.job.input))
        request = self.request
        _check_scopes(tool, account)
        # The token first, then the rate-limit slot: the slot is counted as used when taken, so
        # the call must follow it at once (a token read, or an inline refresh, between the two
        # lets a call reach HubSpot late and land in the next window with others: a 429).
        self.token = self.calls.tokens.get(account.id, read=self.claimed_tokens)
        self.calls.throttle.acquire(self.job.id, account, request)
        return self.calls.hubspot.send(request, access_token=self.token.value.get_secret_value())

    def send_refreshed(self, unauthorized: HubSpotUnauthorized) -> HubSpotResponse:
        """After a 401: refresh once (unless someone already did), resend once.

        Without a refresher (no app credentials) the 401 stands.
        """
        account, token, request = self._sent()
        fresh = self.calls.tokens.force_refresh(account.id, stale_version=token.version)
        if fresh is None:
            raise unauthorized
        log.info("job.retry_after_refresh", account_id=account.id)
        self.token = fresh
        self.calls.throttle.record(self.job.id, account, request)
        return self.calls.hubspot.send(request, access_token=fresh.value.get_secret_value())

    def recover(self, conflict: HubSpotConflict) -> HubSpotResponse:
        """The contact this job created, read back; re-raises ``conflict`` when not ours."""
        account, token, request = self._sent()
        self.calls.throttle.record(self.job.id, account, request)
        return recover_contact_create(
            self.job,
            conflict,
            hubspot=self.calls.hubspot,
            access_token=token.value.get_secret_value(),
        )

    def follow_up(self, request: HubSpotRequest) -> HubSpotResponse:
        """Another call after ``send`` reached HubSpot (a read that settles what the first call
        did), with the same token, counted in the portal's budget."""
        account, token, _ = self._sent()
        self.calls.throttle.record(self.job.id, account, request)
        return self.calls.hubspot.send(request, access_token=token.value.get_secret_value())

    def _runnable_account(self) -> AccountRecord:
        """The account as read when the job was claimed, if it may run jobs now."""
        account = self.claimed_account
        if account is None:
            raise AccountNotFound(f"no connected account for {self.job.identifier!r}")
        if not account.status.can_run_jobs:
            raise unavailable_error(account.status, account.identifier)
        job_metrics.CURRENT_PORTAL.set(account.hub_id)  # the calls chart's portal (metrics)
        return account

    def _sent(self) -> tuple[AccountRecord, AccessToken, HubSpotRequest]:
        # Only reached after ``send`` got as far as HubSpot (a 401 or a 409 came back).
        assert self.claimed_account is not None
        assert self.token is not None
        assert self.request is not None
        return self.claimed_account, self.token, self.request


def _check_scopes(tool: ToolSpec, account: AccountRecord) -> None:
    missing = [s for s in tool.required_scopes if s not in account.granted_scopes]
    if missing:
        raise MissingScopes(
            f"{tool.name} needs {', '.join(missing)}, which the account's grant lacks; "
            "the user must authorize the app again",
            missing_scopes=missing,
        )
