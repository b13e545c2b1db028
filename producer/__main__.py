"""``python -m producer`` is the CLI (``run`` starts its children this way)."""

from producer.cli import main

main()
