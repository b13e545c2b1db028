"""The only package that touches SQLAlchemy: accounts, token vault, jobs, API keys, OAuth states.

SQL is the source of truth for everything durable; Redis holds only what can be rebuilt from it.
"""
