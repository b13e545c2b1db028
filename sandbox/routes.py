"""Every endpoint of the sandbox in one table: HubSpot's paths, then the control API.

CRM routes are registered under both spellings of the object type (``contacts`` and ``0-1``) and
counted in the stats under the name; each names the scopes any one of which admits it. Read
scopes follow HubSpot's 403 example (facts 2.4), write scopes are assumed by analogy. Schema
writes (custom properties, deal pipelines) need ``crm.schemas.{type}.write`` (facts 4.2, 5b; the
pipelines spec lists ``crm.schemas.deals.write`` for deal pipeline writes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sandbox import control
from sandbox.crm import batch, objects, schema, schema_writes, search
from sandbox.http import Request, Response
from sandbox.oauth import authorize, endpoints
from sandbox.routing import Access, Router

if TYPE_CHECKING:
    from sandbox.state import Sandbox

TypedHandler = Callable[["Sandbox", Request, str], Response]

OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3"}


def read_scopes(object_type: str) -> tuple[str, ...]:
    """Scopes any one of which lets a token read ``object_type`` records."""
    return (
        f"crm.schemas.{object_type}.read",
        f"crm.objects.{object_type}.sensitive.read.v2",
        f"crm.objects.{object_type}.read",
        f"crm.objects.{object_type}.highly_sensitive.read.v2",
    )


def write_scopes(object_type: str) -> tuple[str, ...]:
    """Scopes any one of which lets a token write ``object_type`` records."""
    return (
        f"crm.objects.{object_type}.write",
        f"crm.objects.{object_type}.sensitive.write.v2",
        f"crm.objects.{object_type}.highly_sensitive.write.v2",
    )


def _bind(handler: TypedHandler, object_type: str) -> Callable[[Sandbox, Request], Response]:
    def bound(sandbox: Sandbox, request: Request) -> Response:
        return handler(sandbox, request, object_type)

    bound.__doc__ = handler.__doc__
    return bound


def _object_routes(router: Router, object_type: str) -> None:
    read = Access(read_scopes(object_type))
    write = Access(write_scopes(object_type))
    searching = Access(read.scopes, search=True)
    schema_write = Access((f"crm.schemas.{object_type}.write",))
    schemas = Access(
        (
            f"crm.objects.{object_type}.read",
            f"crm.objects.{object_type}.write",
            f"crm.schemas.{object_type}.read",
        )
    )
    table: list[tuple[str, str, TypedHandler, Access]] = [
        ("POST", "/crm/v3/objects/{t}", objects.create, write),
        ("GET", "/crm/v3/objects/{t}", objects.list_page, read),
        ("GET", "/crm/v3/objects/{t}/{id}", objects.read, read),
        ("PATCH", "/crm/v3/objects/{t}/{id}", objects.update, write),
        ("DELETE", "/crm/v3/objects/{t}/{id}", objects.archive, write),
        ("POST", "/crm/v3/objects/{t}/search", search.search, searching),
        ("POST", "/crm/v3/objects/{t}/batch/create", batch.batch_create, write),
        ("POST", "/crm/v3/objects/{t}/batch/read", batch.batch_read, read),
        ("POST", "/crm/v3/objects/{t}/batch/update", batch.batch_update, write),
        ("POST", "/crm/v3/objects/{t}/batch/upsert", batch.batch_upsert, write),
        ("POST", "/crm/v3/objects/{t}/batch/archive", batch.batch_archive, write),
        ("GET", "/crm/v3/properties/{t}", schema.list_properties, schemas),
        ("GET", "/crm/v3/properties/{t}/{name}", schema.read_property, schemas),
        ("POST", "/crm/v3/properties/{t}", schema_writes.create_property, schema_write),
    ]
    for method, pattern, handler, access in table:
        key = f"{method} {pattern.replace('{t}', object_type)}"
        for alias in (object_type, OBJECT_TYPE_IDS[object_type]):
            template = pattern.replace("{t}", alias)
            router.add(method, template, _bind(handler, object_type), key=key, access=access)


def _pipeline_routes(router: Router) -> None:
    access = Access(("crm.objects.deals.read", "crm.objects.deals.write", "crm.schemas.deals.read"))
    table = [
        ("", schema.list_pipelines),
        ("/{pipeline_id}", schema.read_pipeline),
        ("/{pipeline_id}/stages", schema.list_stages),
    ]
    for suffix, handler in table:
        key = f"GET /crm/v3/pipelines/deals{suffix}"
        for alias in ("deals", "0-3"):
            template = f"/crm/v3/pipelines/{alias}{suffix}"
            router.add("GET", template, handler, key=key, access=access)
    write = Access(("crm.schemas.deals.write",))
    for alias in ("deals", "0-3"):
        router.add(
            "POST",
            f"/crm/v3/pipelines/{alias}",
            schema_writes.create_pipeline,
            key="POST /crm/v3/pipelines/deals",
            access=write,
        )


def _oauth_routes(router: Router) -> None:
    router.add("GET", "/oauth/authorize", authorize.show)
    router.add("POST", "/oauth/authorize", authorize.submit)
    router.add("POST", "/oauth/v1/token", endpoints.token_handler(legacy=True))
    for version in ("v3", "2026-03"):
        router.add("POST", f"/oauth/{version}/token", endpoints.token_handler(legacy=False))
        router.add("POST", f"/oauth/{version}/token/introspect", endpoints.introspect)
        router.add("POST", f"/oauth/{version}/token/revoke", endpoints.revoke)
    router.add("GET", "/oauth/v1/access-tokens/{token}", endpoints.access_token_info)
    router.add("GET", "/oauth/v1/refresh-tokens/{token}", endpoints.refresh_token_info)
    router.add("DELETE", "/oauth/v1/refresh-tokens/{token}", endpoints.delete_refresh_token)


def _control_routes(router: Router) -> None:
    table = [
        ("POST", "/_sandbox/apps", control.register_app),
        ("POST", "/_sandbox/portals", control.create_portal),
        ("POST", "/_sandbox/consent", control.consent),
        ("POST", "/_sandbox/portals/{hub_id}/uninstall", control.uninstall),
        ("POST", "/_sandbox/clock", control.advance_clock),
        ("POST", "/_sandbox/limits", control.set_limits),
        ("POST", "/_sandbox/faults", control.add_fault),
        ("DELETE", "/_sandbox/faults", control.clear_faults),
        ("GET", "/_sandbox/stats", control.stats),
        ("POST", "/_sandbox/reset", control.reset),
    ]
    for method, template, handler in table:
        router.add(method, template, handler, control=True)


def build_router() -> Router:
    """The sandbox's complete route table."""
    router = Router()
    for object_type in OBJECT_TYPE_IDS:
        _object_routes(router, object_type)
    _pipeline_routes(router)
    _oauth_routes(router)
    _control_routes(router)
    return router
