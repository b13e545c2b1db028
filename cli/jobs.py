"""CLI commands that run tools: ``tools list``, ``submit``, ``jobs show``, ``bulk``.

They talk to the HTTP API, like any client of a running system, rather than to the database:
they work from any machine that can reach the API, need no database or Redis settings, and
exercise the same validation and limits as agents do. Where to find it: ``--base-url`` or
``HUBSPOT_ACTIONS_URL`` (default ``http://localhost:$PORT``); the key: ``--api-key`` or
``HUBSPOT_ACTIONS_API_KEY``, else the local key file that ``hubspot-actions run`` writes
(``.hubspot-actions/api-key``), so on a laptop running ``run`` no flag is needed.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from cli.common import cli_settings
from cli.local_setup import LOCAL_API_KEY_FILE

tools_app = typer.Typer(help="The HubSpot tools.", no_args_is_help=True)
jobs_app = typer.Typer(help="Tool jobs.", no_args_is_help=True)

#: Jobs per ``POST /v1/jobs/batch`` (the API's maximum).
BATCH_SIZE = 100
TERMINAL = ("succeeded", "failed", "cancelled")

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url", envvar="HUBSPOT_ACTIONS_URL", help="API URL (default http://localhost:$PORT)"
    ),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="HUBSPOT_ACTIONS_API_KEY",
        help=f"API key (default: the key in {LOCAL_API_KEY_FILE} that `run` writes)",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(tools_app, name="tools")
    app.add_typer(jobs_app, name="jobs")
    app.command("submit")(submit)
    app.command("bulk")(bulk)


#: A sentence ends at a period followed by a capital, never inside "e.g." or "i.e.".
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.\s+(?=[A-Z])")


def first_sentence(text: str) -> str:
    """The description's first sentence, whole (``e.g.`` and ``i.e.`` do not end it)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0].rstrip(".")


def _client(base_url: str | None, api_key: str | None) -> httpx.Client:
    if base_url is None:
        base_url = f"http://localhost:{cli_settings('cli', local_run=True).port}"
    if api_key is None and LOCAL_API_KEY_FILE.exists():
        api_key = LOCAL_API_KEY_FILE.read_text().strip()
    if not api_key:
        _fail(
            "no API key: pass --api-key, set HUBSPOT_ACTIONS_API_KEY, or run "
            "`hubspot-actions run` here (it writes .hubspot-actions/api-key)"
        )
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=httpx.Timeout(60.0, connect=10.0),
    )


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"hubspot-actions: {message}", err=True)
    raise typer.Exit(code)


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach the API at {client.base_url} ({type(exc).__name__})")
    body = response.json() if response.content else {}
    if response.is_error:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        _fail(f"{error.get('code', response.status_code)}: {error.get('message', response.text)}")
    return body


def _wait_for(client: httpx.Client, job: dict[str, Any], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while job["status"] not in TERMINAL and time.monotonic() < deadline:
        wait = min(30.0, max(0.1, deadline - time.monotonic()))
        job = _call(client, "GET", f"/v1/jobs/{job['id']}", params={"wait": wait})["job"]
    return job


def _show(job: dict[str, Any]) -> None:
    typer.echo(json.dumps(job, indent=2, ensure_ascii=False))


@tools_app.command("list")
def tools_list(
    *,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    as_json: Annotated[bool, typer.Option("--json", help="The full catalog as JSON")] = False,
) -> None:
    """The tools, their scopes and what they do."""
    with _client(base_url, api_key) as client:
        tools = _call(client, "GET", "/v1/tools")["tools"]
    if as_json:
        typer.echo(json.dumps(tools, indent=2))
        return
    for tool in tools:
        kind = "read " if tool["read_only"] else "write"
        summary = first_sentence(tool["description"])
        typer.echo(f"{tool['name']:<26} {kind} {summary}")


def submit(
    tool: Annotated[str, typer.Argument(help="Tool name, e.g. hubspot_contacts_search")],
    *,
    identifier: Annotated[str, typer.Option(help="The user (connected account) to act as")],
    input_json: Annotated[str, typer.Option("--input", help="Tool input as a JSON object")] = "{}",
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the job to finish")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most")] = 120.0,
    lane: Annotated[str, typer.Option(help="interactive or bulk")] = "interactive",
    idempotency_key: Annotated[str | None, typer.Option(help="Same key, same job")] = None,
    connection: Annotated[str, typer.Option(help="Connection name")] = "hubspot",
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Submit one tool job; print it (with --wait: once finished; exit 1 unless it succeeded)."""
    try:
        tool_input = json.loads(input_json)
    except ValueError:
        _fail("--input is not valid JSON")
    body: dict[str, Any] = {
        "identifier": identifier,
        "connection_name": connection,
        "tool_name": tool,
        "tool_input": tool_input,
        "lane": lane,
    }
    if idempotency_key:
        body["idempotency_key"] = idempotency_key
    with _client(base_url, api_key) as client:
        job = _call(client, "POST", "/v1/jobs", json=body)["job"]
        if wait:
            job = _wait_for(client, job, timeout)
    _show(job)
    if wait and job["status"] != "succeeded":
        raise typer.Exit(1)


@jobs_app.command("show")
def jobs_show(
    job_id: Annotated[str, typer.Argument(help="The job id")],
    *,
    wait: Annotated[float, typer.Option(help="Seconds to wait for it to finish")] = 0.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Print a job (status, attempts, history, result or error)."""
    with _client(base_url, api_key) as client:
        params = {"wait": wait} if wait else {}
        _show(_call(client, "GET", f"/v1/jobs/{job_id}", params=params)["job"])


def bulk(
    file: Annotated[Path, typer.Argument(help="JSON Lines: one POST /v1/jobs body per line")],
    *,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the jobs to the end")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds --wait waits at most")] = 3600.0,
    lane: Annotated[str, typer.Option(help="Lane for lines that name none")] = "bulk",
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Write refused lines and failed jobs here (JSONL)"),
    ] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Submit many jobs through the batch API with a progress bar, then print a summary.

    The summary counts outcomes by error code with sample messages and job ids; ``--errors``
    writes every refused line and failed job's submission as JSONL, to fix and submit again.
    """
    from cli.bulk import BulkRun

    lines = _read_jobs(file, lane)
    with _client(base_url, api_key) as client:
        run = BulkRun(call=lambda *a, **kw: _call(client, *a, **kw), batch_size=BATCH_SIZE)
        run.submit(lines)
        if wait:
            run.follow(timeout)
    typer.echo(run.summary())
    if errors is not None:
        written = run.write_errors(errors)
        typer.echo(f"wrote {written} line(s) to resubmit to {errors}")
    raise typer.Exit(0 if run.all_succeeded(waited=wait) else 1)


def _read_jobs(file: Path, lane: str) -> list[Any]:
    if str(file) != "-" and not file.exists():
        _fail(f"no such file: {file}")
    items: list[Any] = []
    text = sys.stdin.read() if str(file) == "-" else file.read_text()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            _fail(f"{file}:{number}: not valid JSON")
        if isinstance(item, dict):
            item.setdefault("lane", lane)
        items.append(item)
    if not items:
        _fail(f"{file}: no jobs")
    return items
