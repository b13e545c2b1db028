"""The local HubSpot: a faithful stand-in reached only over HTTP.

Production code never imports it; only the CLI's ``sandbox`` and ``run`` commands start it, and
tests run it through ``tests/support/sandbox_server.py``. Behaviour follows ``hubspot-facts.md``;
the contract (paths, control API) is DESIGN.md section 10.

    config      SandboxConfig: token lifetime, rotation, limits, code lifetime
    server      serve(): one uvicorn process; app: create_app(), the ASGI entry point
    state       the resettable whole: registry, tokens, records, limits, faults, stats
    routes      every endpoint; routing: the matcher; http: the thin ASGI request/response
    auth        the CRM guard (401, 429, 403); limits: rolling windows; errors: HubSpot bodies
    faults      injected statuses, latency and drops; dropping: how a connection is cut
    stats       counters for /_sandbox/stats; control: the /_sandbox/* handlers; clock: time travel
    oauth/      registry (apps, portals), consent rules, authorize page, tokens, token endpoints
    crm/        properties, value checks, records, objects, search (filters), batch, schema
"""
