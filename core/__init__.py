"""Shared primitives: settings, logging, the error root. Imports nothing else of the project."""
