"""The request path stays on the event loop: FastAPI runs a plain ``def`` dependency or
endpoint in a worker thread, a thread hop per call that cost a fifth of a GET's CPU."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.core.config import Settings
from app.main import create_app


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)
            for dependency in included.dependencies:
                yield from _pseudo_route(dependency.dependency, included.prefix)
        elif isinstance(route, APIRoute):
            yield route


def _pseudo_route(call: Any, path: str) -> Iterator[APIRoute]:
    """A router-level dependency, checked as if it were a route's own."""

    async def holder() -> None:
        return None

    route = APIRoute(path or "/", holder)
    route.dependant.dependencies.append(Dependant(call=call))
    yield route


def _is_async(call: Any) -> bool:
    return (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        or inspect.iscoroutinefunction(type(call).__call__)  # an instance (HTTPBearer)
    )


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    if dependant.call is not None and not _is_async(dependant.call):
        yield getattr(dependant.call, "__qualname__", repr(dependant.call))
    for child in dependant.dependencies:
        yield from _sync_calls(child)


def test_every_dependency_and_endpoint_is_async(settings: Settings) -> None:
    app = create_app(settings)
    routes = list(_api_routes(app.routes))
    assert len(routes) > 100  # the walk reached the included routers
    sync = {f"{name} ({route.path})" for route in routes for name in _sync_calls(route.dependant)}
    assert not sync, f"sync dependencies or endpoints run in a thread pool: {sorted(sync)}"
