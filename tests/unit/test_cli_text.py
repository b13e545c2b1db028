"""What the CLI prints for people: whole first sentences, aligned columns, honest wording."""

from __future__ import annotations

from cli.accounts import _aligned
from cli.jobs import first_sentence
from schemas.accounts import AccountStatus, unavailable_error
from schemas.tools.catalog import tool_catalog


def test_first_sentence_is_not_cut_inside_e_g() -> None:
    """``e.g.`` inside a sentence does not end it; the next capitalised sentence does."""
    text = "Search contacts by text (e.g. a name or an email). Returns up to 200 records."
    assert first_sentence(text) == "Search contacts by text (e.g. a name or an email)"


def test_every_catalog_summary_has_balanced_parentheses() -> None:
    """No tool's one-line summary is cut in the middle of a parenthesis (the old "(e.g" bug)."""
    for entry in tool_catalog():
        summary = first_sentence(entry["description"])
        assert summary.count("(") == summary.count(")"), summary


def test_aligned_columns_line_up_with_the_header() -> None:
    """Each column starts at the same offset in the header and in every row."""
    rows = [("id", "name", "status"), ("key_abcdef", "ci", "active"), ("k2", "a-long-name", "x")]
    lines = _aligned(rows)
    for column in ("name", "status"):
        offset = lines[0].index(column)
        assert all(line[offset - 2 : offset] == "  " for line in lines[1:])
        assert all(line[offset] != " " for line in lines[1:])


def test_a_never_authorized_account_is_not_told_to_authorize_again() -> None:
    """PENDING says "authorize it"; REVOKED says "authorize it again"."""
    assert unavailable_error(AccountStatus.PENDING, "u").message.endswith("authorize it")
    assert unavailable_error(AccountStatus.REVOKED, "u").message.endswith("authorize it again")
