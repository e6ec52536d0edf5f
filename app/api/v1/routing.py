"""The router every /api/v1 resource is declared on.

FastAPI (0.16x) finds a request's route by trying every route of every included router
in turn, and does so once per level of inclusion: with a hundred routes that was a
seventh of a short request's CPU. Every route of a prefixed router has a path that
contains its prefix, so a request path without it cannot match any of them: one
substring test turns the whole router away. It only ever answers "not here"; whether
a route matches (or answers 405) is still FastAPI's decision.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class ResourceRouter(APIRouter):
    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.prefix and self.prefix not in scope.get("path", ""):
            return Match.NONE, {}
        return super().matches(scope)
