"""The producer's services, built once per process over one context."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings
from producer.accounts import AccountService
from producer.context import ProducerContext
from producer.jobs import JobService
from producer.mcp.sessions import McpSessionService
from producer.webhooks import WebhookService


@dataclass
class Services:
    ctx: ProducerContext
    accounts: AccountService = field(init=False)
    jobs: JobService = field(init=False)
    mcp_sessions: McpSessionService = field(init=False)
    webhooks: WebhookService = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = AccountService(self.ctx)
        self.jobs = JobService(self.ctx, self.accounts)
        self.mcp_sessions = McpSessionService(self.ctx, self.accounts)
        self.webhooks = WebhookService(self.ctx)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(ProducerContext(settings))
