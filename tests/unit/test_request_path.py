"""The request path stays cheap: on the event loop (FastAPI runs a plain ``def``
dependency or endpoint in a worker thread, a thread hop per call that cost a fifth of a
GET's CPU), and routed without trying every route of every other resource."""

from __future__ import annotations

import gc
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.api.v1.router import api_router
from app.api.v1.routing import ResourceRouter
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


def test_every_prefixed_router_turns_foreign_paths_away() -> None:
    included = [getattr(route, "original_router", None) for route in api_router.routes]
    prefixed = [router for router in included if router is not None and router.prefix]
    assert len(prefixed) > 15
    plain = [router.prefix for router in prefixed if not isinstance(router, ResourceRouter)]
    assert not plain, f"routers matched route by route on every request: {plain}"


async def test_a_resource_router_still_routes_its_own_paths_and_answers_405(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/api/v1/invoices")).status_code == 401  # found; needs a token
    assert (await client.patch("/api/v1/invoices")).status_code == 405
    assert (await client.get("/api/v1/invoicez")).status_code == 404


def test_the_startup_heap_is_kept_out_of_the_cyclic_collector(app: Any) -> None:
    # Full collections over it were the slowest requests' wait (see freeze_startup_heap).
    assert gc.get_freeze_count() > 10_000
