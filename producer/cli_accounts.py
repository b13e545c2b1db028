"""CLI commands about access: API keys, the HubSpot connection (and, later, the token keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from producer.cli_common import cli_settings

keys_app = typer.Typer(help="Operator API keys.", no_args_is_help=True)
connections_app = typer.Typer(help="The HubSpot connection (your app).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="api-keys")
    app.add_typer(connections_app, name="connections")


@keys_app.command("create")
def api_keys_create(name: Annotated[str, typer.Option(help="What the key is for")]) -> None:
    """Create an API key; it is shown once."""
    from producer.local_setup import prepare_database
    from store.api_keys import ApiKeyStore

    settings = cli_settings("cli")
    db = prepare_database(settings)
    record, plaintext = ApiKeyStore(db=db).create(name=name)
    typer.echo(f"{plaintext}\n(id {record.id}; store it now: it is not shown again)")


@connections_app.command("show")
def connections_show() -> None:
    """The connection's settings and the exact scopes to declare in the HubSpot app."""
    from schemas.connection import Connection

    settings = cli_settings("cli")
    connection = Connection.from_settings(settings)
    secret = settings.hubspot_client_secret
    masked = "(not set)"
    if secret is not None:
        value = secret.get_secret_value()
        masked = f"{value[:4]}...{'*' * 8}" if len(value) > 8 else "********"
    lines = [
        f"connection:       {connection.name}",
        f"client id:        {connection.client_id or '(not set: run uses the local sandbox)'}",
        f"client secret:    {masked}",
        f"redirect URI:     {connection.redirect_uri}",
        f"authorize URL:    {connection.authorize_url}",
        f"API base:         {settings.hubspot_api_base}",
        "required scopes (declare exactly these in the app's Auth settings):",
        f"  {connection.scope_string}",
        "optional scopes:",
        f"  {' '.join(connection.optional_scopes) or '(none)'}",
    ]
    typer.echo("\n".join(lines))
