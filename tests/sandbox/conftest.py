"""Fixtures for the sandbox's own tests: one server per session, reset before each test."""

from __future__ import annotations

from tests.support.sandbox_server import fresh_sandbox, sandbox_server

__all__ = ["fresh_sandbox", "sandbox_server"]
