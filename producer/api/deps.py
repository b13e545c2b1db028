"""Short dependency aliases for the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from producer.api.waiter import JobWaiter
from producer.services import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _waiter(request: Request) -> JobWaiter:
    waiter: JobWaiter = request.app.state.waiter
    return waiter


ServicesDep = Annotated[Services, Depends(_services)]
WaiterDep = Annotated[JobWaiter, Depends(_waiter)]
