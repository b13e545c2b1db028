"""The web application: ``create_app(settings)`` wires routes, errors, auth and long-polls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from broker.redis_broker import redis_client
from core.settings import Settings
from producer.api import (
    routes_accounts,
    routes_health,
    routes_jobs,
    routes_mcp,
    routes_oauth,
    routes_retry,
    routes_webhooks,
)
from producer.api.auth import ApiKeyMiddleware
from producer.api.errors import install_error_handlers
from producer.api.limits import RequestLimits
from producer.console import install_console
from producer.mcp.http import MCP_PATH, McpHttp
from producer.services import Services
from producer.waiting import JobWaiter


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    services = services or Services.from_settings(settings)
    url = settings.redis_url
    waiter = JobWaiter((lambda: redis_client(url)) if url else None)
    mcp = McpHttp(services=services, waiter=waiter)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.bootstrap_api_key is not None:
            # Accepted from start: stored hashed (idempotent across restarts and processes).
            await run_in_threadpool(
                services.ctx.api_keys.ensure,
                name="bootstrap",
                plaintext=settings.bootstrap_api_key.get_secret_value(),
            )
        try:
            async with mcp.run():
                yield
        finally:
            waiter.close()
            services.ctx.close()

    app = FastAPI(
        title="hubspot-actions",
        version="0.1.0",
        description="Run HubSpot CRM tools for your users: accounts, OAuth, jobs.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.waiter = waiter
    install_error_handlers(app)
    routers = (
        routes_accounts,
        routes_jobs,
        routes_retry,
        routes_webhooks,
        routes_mcp,
        routes_oauth,
        routes_health,
    )
    for module in routers:
        app.include_router(module.router)
    # An ASGI app, not an endpoint: it answers GET, POST and DELETE; McpTokenAuth guards all.
    app.router.routes.append(Route(MCP_PATH, mcp.app, methods=["GET", "POST", "DELETE"]))
    install_console(app, settings)

    def verify(key: str) -> bool:
        return services.ctx.api_keys.verify(key) is not None

    # Added last runs first: the key is checked, then the URL and the body's size.
    app.add_middleware(RequestLimits, max_request_bytes=settings.max_request_bytes)
    app.add_middleware(ApiKeyMiddleware, verify=verify)
    return app
