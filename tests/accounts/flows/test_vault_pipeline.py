"""The token vault through the pipeline: a moved ciphertext fails its job, closed."""

from __future__ import annotations

from sqlalchemy import select, update

from store.models import tokens
from tests.support.accounts_stack import AccountsStack, unique

CONTACTS_LIST = ("hubspot_contacts_list", {"limit": 1})


def test_ciphertext_swapped_between_accounts_fails_closed(acc: AccountsStack) -> None:
    """Bob's row holding Alice's ciphertexts: Bob's job fails credentials_unreadable (never runs
    as Alice), Alice's job still succeeds, and re-authorizing Bob repairs him."""
    alice, bob = unique("vault_alice"), unique("vault_bob")
    alice_id, bob_id = acc.connect(alice)["id"], acc.connect(bob)["id"]
    with acc.db.write() as conn:
        row = conn.execute(select(tokens).where(tokens.c.account_id == alice_id)).one()
        conn.execute(
            update(tokens)
            .where(tokens.c.account_id == bob_id)
            .values(
                key_id=row.key_id,
                access_token_ct=row.access_token_ct,
                refresh_token_ct=row.refresh_token_ct,
            )
        )
    bob_job = acc.stack.submit(bob, *CONTACTS_LIST).json()["job"]
    alice_job = acc.stack.submit(alice, *CONTACTS_LIST).json()["job"]
    failed, succeeded = acc.stack.wait(bob_job["id"]), acc.stack.wait(alice_job["id"])
    assert failed["status"] == "failed", failed
    assert failed["error"]["code"] == "credentials_unreadable"
    assert failed["error"]["retryable"] is False
    assert alice_id not in failed["error"]["message"]
    assert failed["history"][0].get("http_status") is None  # HubSpot was never called
    assert succeeded["status"] == "succeeded", succeeded
    assert acc.stack.processes["worker"].alive()
    acc.connect(bob)
    repaired = acc.stack.wait(acc.stack.submit(bob, *CONTACTS_LIST).json()["job"]["id"])
    assert repaired["status"] == "succeeded", repaired
