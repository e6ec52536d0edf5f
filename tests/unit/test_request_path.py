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


def _walk(routes: list[Any]) -> Iterator[tuple[str, Dependant]]:
    """Every route's dependency tree, and every included router's own dependencies."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes)
            for dependency in included.dependencies:
                yield included.prefix, Dependant(call=dependency.dependency)
        elif isinstance(route, APIRoute):
            yield route.path, route.dependant


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
    trees = list(_walk(create_app(settings).routes))
    assert len(trees) > 100  # the walk reached the included routers
    sync = {f"{name} ({path})" for path, tree in trees for name in _sync_calls(tree)}
    assert not sync, f"sync dependencies or endpoints run in a thread pool: {sorted(sync)}"
