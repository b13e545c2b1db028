"""The migrations form one line: work merged in parallel must not leave two heads."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from store.migrate import alembic_config


def test_the_migrations_have_exactly_one_head() -> None:
    """``db upgrade`` targets "head": two heads would make every start-up fail."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, script.get_heads()


def test_every_revision_but_the_first_follows_exactly_one_other() -> None:
    """No branch points either: each revision is the parent of at most one other."""
    script = ScriptDirectory.from_config(alembic_config())
    parents = [rev.down_revision for rev in script.walk_revisions()]
    assert parents.count(None) == 1
    named = [p for p in parents if p is not None]
    assert len(named) == len(set(named))
