"""The job commands of the CLI against a running API: tools list, submit, jobs show, bulk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.support.stack import Stack
from tests.support.tools_stack import connected, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture
def cli(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner pointed at the shared stack through the environment."""
    monkeypatch.setenv("HUBSPOT_ACTIONS_URL", stack.base_url)
    monkeypatch.setenv("HUBSPOT_ACTIONS_API_KEY", stack.api_key)
    return CliRunner()


def test_tools_list(cli: CliRunner) -> None:
    """One line per tool, read or write; --json prints the catalog."""
    listed = cli.invoke(app, ["tools", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert len(lines) == 15  # DESIGN's 11 and the 4 batch tools
    assert lines[0].startswith("hubspot_contacts_search")
    assert " read " in lines[0]
    assert " write " in lines[1]
    catalog = json.loads(cli.invoke(app, ["tools", "list", "--json"]).output)
    assert {t["name"] for t in catalog} >= {"hubspot_deal_create", "hubspot_deals_search"}


def test_submit_wait_and_show(stack: Stack, cli: CliRunner) -> None:
    """submit --wait prints the finished job; jobs show prints it again; bad input exits 2."""
    identifier, _ = connected(stack, "cli_submit")
    email = f"{unique('cli')}@cli.example"
    done = cli.invoke(
        app,
        [
            "submit",
            "hubspot_contact_create",
            "--identifier",
            identifier,
            "--input",
            json.dumps({"email": email}),
            "--wait",
        ],
    )
    assert done.exit_code == 0, done.output
    job = json.loads(done.output)
    assert job["status"] == "succeeded"
    assert job["result"]["properties"]["email"] == email
    shown = cli.invoke(app, ["jobs", "show", job["id"]])
    assert json.loads(shown.output)["id"] == job["id"]
    refused = cli.invoke(
        app, ["submit", "hubspot_contact_create", "--identifier", identifier, "--input", "{}"]
    )
    assert refused.exit_code == 2
    assert "invalid_tool_input" in refused.output
    assert "email" in refused.output


def test_bulk_submits_in_batches_and_summarises(
    stack: Stack, cli: CliRunner, tmp_path: Path
) -> None:
    """bulk: 150 lines in two batches; refused lines are named; the rest run to the end."""
    # Two users on two portals, so the jobs stay within each portal's rate budget (100 / 10 s).
    users = [connected(stack, "cli_bulk")[0], connected(stack, "cli_bulk")[0]]
    identifier = users[0]
    lines = [
        {"identifier": users[n % 2], "tool_name": "hubspot_contacts_list", "tool_input": {}}
        for n in range(150)
    ]
    lines[4] = {"identifier": identifier, "tool_name": "hubspot_nope", "tool_input": {}}
    lines[120] = {"identifier": "nobody_here", "tool_name": "hubspot_contacts_list"}
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = cli.invoke(app, ["bulk", str(jobs_file)])
    assert result.exit_code == 1, result.output  # some lines were refused
    assert "submitted: 148, refused: 2" in result.output
    assert "finished: 148 (succeeded: 148), unfinished: 0" in result.output
    assert "refused unknown_tool: 1 (lines 5)" in result.output
    assert "refused account_not_found: 1 (lines 121)" in result.output


def test_bulk_says_why_jobs_failed_and_writes_them_to_resubmit(
    stack: Stack, cli: CliRunner, tmp_path: Path
) -> None:
    """Failed jobs are summarised by code with a sample message and job ids; --errors writes the
    refused lines and failed submissions as JSONL that submits again as is."""
    identifier = connected(stack, "cli_bulk_err")[0]
    good = {"identifier": identifier, "tool_name": "hubspot_contacts_list", "tool_input": {}}
    missing = {
        "identifier": identifier,
        "tool_name": "hubspot_contact_get",
        "tool_input": {"contact_id": "999999991"},
    }
    refused = {"identifier": identifier, "tool_name": "hubspot_contact_create", "tool_input": {}}
    lines = [good, missing, good, missing, refused]
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    errors_file = tmp_path / "errors.jsonl"
    result = cli.invoke(app, ["bulk", str(jobs_file), "--errors", str(errors_file)])
    assert result.exit_code == 1, result.output
    assert "finished: 4 (hubspot_error: 2, succeeded: 2), unfinished: 0" in result.output
    failed_line = next(
        ln for ln in result.output.splitlines() if ln.startswith("failed hubspot_error")
    )
    assert failed_line.startswith("failed hubspot_error: 2 (jobs job_")
    assert "refused invalid_tool_input: 1 (lines 5)" in result.output
    assert "email" in result.output  # the refusal's message is shown, not only its code
    assert "wrote 3 line(s) to resubmit" in result.output
    written = [json.loads(line) for line in errors_file.read_text().splitlines()]
    assert written == [
        {**refused, "lane": "bulk"},
        {**missing, "lane": "bulk"},
        {**missing, "lane": "bulk"},
    ]
