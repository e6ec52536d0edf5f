"""API8 Security Misconfiguration and API9 Improper Inventory Management.

API8: whatever an attacker sends that the API does not serve (an undocumented method on
every documented path, TRACE, paths that probe for files, versions, traversal and admin
pages) is answered with a problem+json 4xx that gives nothing away, with the security
headers on errors too, and a 405 names exactly the methods the path does serve.
API9: the inventory is the OpenAPI: every route the app serves is documented, or is one
of the few operational routes listed here; in production the interactive docs and the
schema are gone and /metrics is served only to a scraper holding the token.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from pydantic import SecretStr

from app.core.config import Settings
from tests.api.test_role_matrix import concrete
from tests.apps import app_with
from tests.support import PROBLEM_JSON, TenantClient, assert_problem

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT")
# Served but not in the OpenAPI, on purpose: the docs themselves and the metrics scrape.
UNDOCUMENTED = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/metrics"),
}
PROBES = [
    "/api/v1/nothing-here",
    "/api/v2/customers",
    "/api/v0/customers",
    "/api/customers",
    "/api/v1/customers/00000000-0000-0000-0000-000000000000/secret",
    "/api/v1/..%2f..%2fetc/passwd",
    "/api/v1/%2e%2e/%2e%2e/admin",
    "/admin",
    "/.env",
    "/.git/config",
    "/server-status",
    "/actuator/health",
    "/api/v1/graphql",
    "/wp-login.php",
]
SECURITY_HEADERS = {"x-content-type-options": "nosniff"}
JSON = {"Content-Type": "application/json"}


def assert_plain_problem(response: httpx.Response, status: int, where: str) -> None:
    """A problem, the security headers, and nothing about the server's insides."""
    assert response.status_code == status, f"{where}: {response.status_code} {response.text[:200]}"
    assert_problem(response, status)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    lowered = response.text.lower()
    for leak in ("traceback", 'file "', "sqlalchemy", "asyncpg", "starlette", "/work/"):
        assert leak not in lowered, f"{where}: mentions {leak}"


UUID_SEGMENT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _pattern(template: str, operations: dict[str, Any]) -> str:
    """The URLs a documented template covers; a uuid path parameter that every operation
    documents as such only matches uuids (``/sessions/{session_id}`` is not
    ``/sessions/revoke-others``)."""
    uuid_only = {
        p["name"]
        for operation in operations.values()
        for p in operation.get("parameters", [])
        if p.get("in") == "path" and p.get("schema", {}).get("format") == "uuid"
    }
    return re.sub(
        r"\{([^}/]+)\}",
        lambda m: UUID_SEGMENT if m.group(1) in uuid_only else "[^/]+",
        template,
    )


def serving(paths: dict[str, Any], url: str) -> set[str]:
    """Every method some documented path template serves at ``url``."""
    methods = set()
    for template, operations in paths.items():
        if re.fullmatch(_pattern(template, operations), url):
            methods |= {method.upper() for method in operations}
    return methods


async def test_every_undocumented_method_is_a_405_naming_the_served_ones(
    app: Any, tenant: TenantClient
) -> None:
    paths = app.openapi()["paths"]
    wrong = []
    for path in paths:
        url = concrete(path)
        served = serving(paths, url)  # /auth/sessions/revoke-others is also /sessions/{id}
        for method in METHODS:
            if method in served:
                continue
            response = await tenant.request(method, url)
            where = f"{method} {path}"
            if response.status_code != 405:
                wrong.append(f"{where}: {response.status_code}")
                continue
            assert_plain_problem(response, 405, where)
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            if allow - {"HEAD", "OPTIONS"} != served:
                wrong.append(f"{where}: Allow: {sorted(allow)}, the path serves {sorted(served)}")
    assert wrong == [], "\n".join(wrong)


async def test_probes_for_other_paths_are_plain_404s(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    for path in PROBES:
        for http in (client, tenant.http):
            headers = tenant.headers if http is tenant.http else {}
            response = await http.get(path, headers=headers)
            assert_plain_problem(response, 404, f"GET {path}")


async def test_errors_carry_the_security_headers(
    client: httpx.AsyncClient, tenant: TenantClient, settings: Settings
) -> None:
    errors = [
        (401, await client.get("/api/v1/auth/me")),
        (404, await tenant.get(f"/api/v1/customers/{'0' * 8}-0000-0000-0000-{'0' * 12}")),
        (405, await tenant.request("PATCH", "/api/v1/customers")),
        (422, await tenant.post("/api/v1/customers", json={"name": ""})),
        (
            413,
            await tenant.post(
                "/api/v1/customers",
                content=b" " * (settings.MAX_REQUEST_BODY_BYTES + 1),
                headers=JSON,
            ),
        ),
        (400, await tenant.post("/api/v1/customers", content=b"{", headers=JSON)),
    ]
    for status, response in errors:
        # Malformed JSON may be reported as a validation error.
        expected = 422 if status == 400 and response.status_code == 422 else status
        assert_plain_problem(
            response, expected, f"{response.request.method} {response.request.url}"
        )
        assert response.headers["content-type"].startswith(PROBLEM_JSON)


def route_table(app: Any) -> list[tuple[str, str, bool]]:
    """(method, path, in the schema) for every route the app serves, included routers
    unfolded (FastAPI keeps them as included routers with their effective routes)."""
    table = []
    for route in app.routes:
        contexts = (
            list(route.effective_route_contexts())
            if hasattr(route, "effective_route_contexts")
            else [route]
        )
        for context in contexts:
            path = getattr(context, "path_format", None) or context.path
            documented = getattr(context, "include_in_schema", True)
            for method in (getattr(context, "methods", None) or set()) - {"HEAD", "OPTIONS"}:
                table.append((method, path, documented))
    return table


def test_every_served_route_is_in_the_inventory(app: Any) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    served = {(method, path) for method, path, _ in route_table(app)}
    assert len(served) > 90, len(served)  # the control: the table was read
    shadow = served - documented - UNDOCUMENTED
    assert shadow == set(), sorted(shadow)
    assert documented <= served  # and no phantom: every documented operation is served
    hidden = {(method, path) for method, path, shown in route_table(app) if not shown}
    assert hidden <= UNDOCUMENTED, hidden


async def test_production_hides_the_docs_and_guards_the_metrics(settings: Settings) -> None:
    production = {"ENVIRONMENT": "production", "DOCS_ENABLED": None}
    async with app_with(settings, **production) as http:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect", "/metrics"):
            assert_plain_problem(await http.get(path), 404, f"production GET {path}")
        assert (await http.get("/health")).status_code == 200  # the app itself is served
    token = "scraper-token-0123456789abcdef"
    async with app_with(settings, **production, METRICS_TOKEN=SecretStr(token)) as http:
        refused = await http.get("/metrics")
        assert refused.status_code in (401, 403), refused.text[:200]
        assert_problem(refused, refused.status_code)
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code in (401, 403)
        scraped = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200, scraped.text[:200]
        assert scraped.headers["content-type"].startswith("text/plain")
