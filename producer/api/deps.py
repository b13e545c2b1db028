"""Short dependency aliases for the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from producer.services import Services
from producer.waiting import JobWaiter


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _waiter(request: Request) -> JobWaiter:
    waiter: JobWaiter = request.app.state.waiter
    return waiter


ServicesDep = Annotated[Services, Depends(_services)]
WaiterDep = Annotated[JobWaiter, Depends(_waiter)]
