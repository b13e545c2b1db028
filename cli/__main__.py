"""``python -m cli`` is the CLI (``run`` starts its children this way)."""

from cli.main import main

main()
