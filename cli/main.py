"""``hubspot-actions``: the command line (typer).

Each command reads settings from the environment, configures logging and runs one thing. Setting
problems end the command with one clear message naming the variable (exit code 2), never a
traceback.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.accounts import register as register_account_commands
from cli.common import cli_settings
from cli.jobs import register as register_job_commands
from cli.mcp import register as register_mcp_command
from core.errors import ConfigurationError
from core.settings import DEFAULT_SANDBOX_STATE_FILE, load_settings

app = typer.Typer(
    name="hubspot-actions",
    help="Run HubSpot CRM tools for your users: web API, worker, scheduler, local sandbox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def run() -> None:
    """Everything locally: migrations, embedded Redis, sandbox, web, worker and scheduler."""
    from cli.run import Runner

    settings = cli_settings("run")
    raise typer.Exit(Runner(settings).run())


@app.command()
def web(port: Annotated[int | None, typer.Option(help="Port (default: PORT)")] = None) -> None:
    """The HTTP API."""
    import uvicorn

    from producer.api.app import create_app

    overrides: dict[str, Any] = {"port": port} if port else {}
    settings = cli_settings("web", **overrides)
    settings.require_redis_url("web")
    host = "0.0.0.0" if settings.is_production else "127.0.0.1"  # noqa: S104 - behind a proxy
    uvicorn.run(
        create_app(settings),
        host=host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


@app.command()
def worker() -> None:
    """Dramatiq worker processes (WORKER_PROCESSES x WORKER_THREADS)."""
    from worker.main import run_workers

    run_workers(load_settings())


@app.command()
def scheduler() -> None:
    """Claims due refreshes and jobs, sweeps stranded work."""
    import signal

    from broker.redis_broker import build_broker
    from worker.runtime import WorkerRuntime
    from worker.scheduler import run_scheduler

    settings = cli_settings("scheduler")
    runtime = WorkerRuntime(
        settings=settings,
        broker=build_broker(settings.require_redis_url("scheduler"), wakeups=False),
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        run_scheduler(runtime, stop)
    finally:
        runtime.close()


@app.command()
def sandbox(
    port: Annotated[int | None, typer.Option(help="Port (default: SANDBOX_PORT)")] = None,
    state: Annotated[
        str | None,
        typer.Option(help="`memory` or a SQLite file to keep state in (default: SANDBOX_STATE)"),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete the state file (default: run's) and exit")
    ] = False,
) -> None:
    """The local HubSpot sandbox (for development and tests)."""
    from sandbox.config import SandboxConfig, state_path
    from sandbox.persistence import StateFileError
    from sandbox.server import serve

    settings = cli_settings("sandbox")
    chosen = state or settings.sandbox_state
    try:
        if reset:
            _reset_sandbox_state(state_path(chosen or str(DEFAULT_SANDBOX_STATE_FILE)))
            return
        serve(
            port=port or settings.sandbox_port,
            config=SandboxConfig(
                token_ttl=settings.sandbox_token_ttl,
                rotate_refresh_tokens=settings.sandbox_rotate_refresh_tokens,
                search_index_delay_ms=settings.sandbox_search_index_delay_ms,
                state_path=state_path(chosen),
            ),
        )
    except StateFileError as exc:
        raise ConfigurationError(f"SANDBOX_STATE: {exc}") from None


def _reset_sandbox_state(path: Path | None) -> None:
    """``sandbox --reset``: delete the file (never a file that is not sandbox state)."""
    from sandbox.persistence import remove_state_file

    if path is None:
        typer.echo("sandbox state is in memory: nothing to delete")
        return
    removed = remove_state_file(path)
    for item in removed:
        typer.echo(f"deleted {item}")
    if not removed:
        typer.echo(f"no sandbox state at {path}: nothing to delete")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (idempotent)."""
    from cli.local_setup import prepare_database

    settings = cli_settings("cli")
    prepare_database(settings).dispose()
    typer.echo(f"database is up to date ({settings.database_url.split('@')[-1]})")


register_account_commands(app)
register_job_commands(app)
register_mcp_command(app)


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        typer.echo(f"hubspot-actions: {exc.message}", err=True)
        sys.exit(2)
