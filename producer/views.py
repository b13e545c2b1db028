"""Store records to the API's views: shared with the worker's webhook events (``store.views``)."""

from __future__ import annotations

from store.views import account_view, job_view

__all__ = ["account_view", "job_view"]
