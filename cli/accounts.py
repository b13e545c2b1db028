"""CLI commands about access: API keys, the token encryption keys, the HubSpot connection.

None of them needs Redis: they work on the database (and settings) alone, so an operator can run
them from any machine that reaches the database, while the system runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import cli_settings

if TYPE_CHECKING:
    from core.settings import Settings
    from store.db import Database
    from store.vault import TokenVault

api_keys_app = typer.Typer(help="Operator API keys.", no_args_is_help=True)
keys_app = typer.Typer(help="Token encryption keys.", no_args_is_help=True)
connections_app = typer.Typer(help="The HubSpot connection (your app).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(api_keys_app, name="api-keys")
    app.add_typer(keys_app, name="keys")
    app.add_typer(connections_app, name="connections")


def _database(settings: Settings) -> Database:
    from cli.local_setup import prepare_database

    return prepare_database(settings)


# -- api-keys -------------------------------------------------------------------------------


@api_keys_app.command("create")
def api_keys_create(name: Annotated[str, typer.Option(help="What the key is for")]) -> None:
    """Create an API key; it is shown once."""
    from store.api_keys import ApiKeyStore

    db = _database(cli_settings("cli"))
    try:
        record, plaintext = ApiKeyStore(db=db).create(name=name)
    finally:
        db.dispose()
    typer.echo(f"{plaintext}\n(id {record.id}; store it now: it is not shown again)")


@api_keys_app.command("list")
def api_keys_list() -> None:
    """Every key: id, name, its first characters, when created, last used, revoked."""
    from store.api_keys import ApiKeyStore

    db = _database(cli_settings("cli"))
    try:
        records = ApiKeyStore(db=db).list()
    finally:
        db.dispose()
    if not records:
        typer.echo("no API keys (create one with `hubspot-actions api-keys create --name N`)")
        return
    rows: list[tuple[str, ...]] = [("id", "name", "starts with", "created", "last used", "status")]
    for r in records:
        status = f"revoked {_when(r.revoked_at)}" if r.revoked_at else "active"
        used = _when(r.last_used_at) if r.last_used_at else "never"
        rows.append((r.id, r.name, f"{r.prefix}...", _when(r.created_at), used, status))
    typer.echo("\n".join(_aligned(rows)))


@api_keys_app.command("revoke")
def api_keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_...)")]) -> None:
    """Revoke a key: API calls with it get 401 (within a few seconds on running web processes)."""
    from store.api_keys import ApiKeyStore

    db = _database(cli_settings("cli"))
    try:
        revoked = ApiKeyStore(db=db).revoke(key_id)
    finally:
        db.dispose()
    if not revoked:
        typer.echo(f"no active API key with id {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


# -- keys (token encryption) ----------------------------------------------------------------


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the primary key (the first in TOKEN_ENCRYPTION_KEYS).

    Safe while web and workers run. To rotate: generate a key, put it first in
    TOKEN_ENCRYPTION_KEYS (keep the old one after it) on every process and restart them, run
    this, then remove the old key once it reports that no token uses it.
    """
    settings = cli_settings("cli")
    db = _database(settings)
    try:
        vault = _vault(settings, db)
        report = vault.rotate()
    finally:
        db.dispose()
    primary = vault.keyring.primary_id
    usage = ", ".join(f"{k}: {n}" for k, n in sorted(report.key_usage.items())) or "no tokens"
    typer.echo(f"re-encrypted {report.rotated} account(s) under key {primary!r} ({usage})")
    if report.unreadable:
        typer.echo(
            f"{len(report.unreadable)} account(s) have tokens that no key in "
            "TOKEN_ENCRYPTION_KEYS decrypts (their jobs fail credentials_unreadable; the users "
            f"must authorize again): {', '.join(report.unreadable[:20])}",
            err=True,
        )
        raise typer.Exit(1)
    if report.retired(primary):
        typer.echo("no token uses any other key: the old keys can be removed")
    else:
        typer.echo(
            "some tokens are still under other keys (written meanwhile by a process that does "
            "not have the new key first?): restart those processes and run this again",
            err=True,
        )
        raise typer.Exit(1)


@keys_app.command("generate")
def keys_generate(
    key_id: Annotated[str, typer.Option("--id", help="The new key's id")] = "k1",
) -> None:
    """Print a fresh ``key_id:base64key`` entry for TOKEN_ENCRYPTION_KEYS (nothing is stored)."""
    from store.keyring import Keyring, generate_key_spec

    spec = generate_key_spec(key_id)
    Keyring.parse(spec)  # the id is checked like any configured key
    typer.echo(spec)


def _vault(settings: Settings, db: Database) -> TokenVault:
    from store.keyring import keyring_from_settings
    from store.vault import TokenVault

    return TokenVault(db=db, keyring=keyring_from_settings(settings))


# -- connections ----------------------------------------------------------------------------


@connections_app.command("show")
def connections_show() -> None:
    """The connection's settings and the exact scopes to declare in the HubSpot app."""
    from schemas.connection import SCOPE_MATCH_RULE, Connection

    settings = cli_settings("cli", local_run=True)
    connection = Connection.from_settings(settings)
    lines = [
        f"connection:       {connection.name}",
        f"client id:        {connection.client_id or '(not set: run uses the local sandbox)'}",
        f"client secret:    {_masked(settings)}",
        f"redirect URI:     {connection.redirect_uri}",
        "                  (the app's redirect URL must be exactly this)",
        f"authorize URL:    {connection.authorize_url}",
        f"API base:         {settings.hubspot_api_base}",
        "required scopes (paste into the app's Auth settings, tick each as required):",
        f"  {connection.scope_string}",
        "optional scopes (tick each as optional):",
        f"  {' '.join(connection.optional_scopes) or '(none)'}",
        "",
        *_wrapped(SCOPE_MATCH_RULE),
        "",
        *_wrapped(
            "Changing HUBSPOT_SCOPES later marks every connected account needs_reauth (with the "
            "missing_scopes it lacks) until its user authorizes again."
        ),
    ]
    typer.echo("\n".join(lines))


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Columns padded to their widest cell, so the header lines up with every row."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _masked(settings: Settings) -> str:
    secret = settings.hubspot_client_secret
    if secret is None:
        return "(not set)"
    value = secret.get_secret_value()
    return f"set, {len(value)} characters, ends in ...{value[-2:]}" if len(value) >= 16 else "set"


def _wrapped(text: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width)


def _when(at: object) -> str:
    from datetime import datetime

    return at.strftime("%Y-%m-%d %H:%M:%S") if isinstance(at, datetime) else "-"
