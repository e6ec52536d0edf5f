"""API3 Broken Object Property Level Authorization: mass assignment and over-exposure.

Writes: no request body of any operation, nested objects included, accepts a property
it does not declare, so a client can never set ``tenant_id``, a role, a status, totals,
an email's verification or a document number by adding it to the JSON; the walk sends
them all to every operation and expects each one named in a 422. Reads: no response of
any operation, documented or real, carries a password, a hash or a secret.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

from tests.api.test_role_matrix import concrete
from tests.security.tenants import Victim, own_documents, query_for
from tests.support import TenantClient, assert_problem

API = "/api/v1"
# Properties a client must never set, with values that would matter if they were applied.
MASS_ASSIGNMENT: dict[str, Any] = {
    "tenant_id": str(uuid.uuid4()),
    "id": str(uuid.uuid4()),
    "role": "owner",
    "status": "paid",
    "grand_total": "0.01",
    "amount_paid": "99999.00",
    "amount_due": "0.00",
    "balance_due": "0.00",
    "amount_allocated": "0.00",
    "credit_balance": "99999.00",
    "email_verified": True,
    "email_verified_at": "2020-01-01T00:00:00Z",
    "is_active": True,
    "number": "INV/00-01/0001",
    "created_by": str(uuid.uuid4()),
    "plan": "yearly",
    "is_trial_used": False,
    "password_hash": "$2b$04$forged",
    "deleted_at": None,
    "version": 1,
}
# Nested objects an attacker would like to price themselves.
LINE_EXTRAS = {"line_total": "0.01", "cgst_amount": "0", "igst_amount": "0", "taxable_value": "1"}
# Names of secret values (``password_changed_at`` is a date, not a secret).
SECRET_KEY = re.compile(r"hash|(^|_)(password|secret|salt|private_key)$", re.IGNORECASE)
# Responses that hand the caller a credential of its own, once, by design.
ISSUES_CREDENTIALS = {"TokenPair", "RegisterResponse", "ApiTokenCreated"}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def objects_in(spec: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> Iterator[Any]:
    """Every object schema reachable from ``schema`` (properties, items, unions)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
    schema = resolve(spec, schema)
    if schema.get("type") == "object" or "properties" in schema:
        yield schema
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", [])]
    children += [*schema.get("oneOf", []), *schema.get("allOf", [])]
    if isinstance(schema.get("items"), dict):
        children.append(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        children.append(schema["additionalProperties"])
    for child in children:
        yield from objects_in(spec, child, seen)


def body_operations(app: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method.upper(), path, content["application/json"]["schema"]


def test_every_request_body_forbids_undeclared_properties(app: Any) -> None:
    spec = app.openapi()
    operations = list(body_operations(app))
    assert len(operations) > 40, len(operations)
    open_objects = []
    for method, path, schema in operations:
        for found in objects_in(spec, schema, set()):
            if found.get("additionalProperties") is not False:
                open_objects.append(f"{method} {path}: {found.get('title', found)}")
    assert open_objects == []


async def test_mass_assignment_is_refused_by_every_operation(
    app: Any, tenant: TenantClient
) -> None:
    """As the owner, who may call everything: each undeclared property is named in a 422."""
    spec = app.openapi()
    wrong = []
    for method, path, schema in body_operations(app):
        declared = set(resolve(spec, schema).get("properties", {}))
        injected = {k: v for k, v in MASS_ASSIGNMENT.items() if k not in declared}
        if "lines" in declared:
            injected["lines"] = [LINE_EXTRAS | {"tenant_id": MASS_ASSIGNMENT["tenant_id"]}]
        response = await tenant.request(method, concrete(path), json=injected)
        if response.status_code != 422:
            wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
            continue
        body = assert_problem(response, 422, "validation-error")
        refused = {e["field"] for e in body["errors"] if e["type"] == "extra_forbidden"}
        expected = {f"body.{k}" for k in injected if k != "lines"}
        if "lines" in injected:
            line_schema = resolve(spec, resolve(spec, schema)["properties"]["lines"])
            item = resolve(spec, line_schema.get("items") or line_schema["anyOf"][0]["items"])
            expected |= {
                f"body.lines.0.{k}" for k in injected["lines"][0] if k not in item["properties"]
            }
        if not expected <= refused:
            wrong.append(f"{method} {path}: not refused {sorted(expected - refused)}")
    assert wrong == []


async def test_tenant_id_in_a_query_string_is_not_a_filter(
    app: Any, tenant: TenantClient, other_tenant: TenantClient
) -> None:
    victim = await Victim(other_tenant).populate()
    for path in ("/customers", "/invoices", "/receipts", "/credit-notes", "/audit-logs"):
        response = await tenant.get(
            API + path,
            params={"tenant_id": other_tenant.tenant_id, "tenant": other_tenant.tenant_id},
        )
        assert response.status_code == 200, response.text
        assert victim.leaks(response.text) == [], path


def json_keys(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield f"{where}.{key}", key
            yield from json_keys(child, f"{where}.{key}")
    elif isinstance(value, list):
        for child in value:
            yield from json_keys(child, f"{where}[]")


def test_no_documented_response_has_a_secret_property(app: Any) -> None:
    spec = app.openapi()
    exposed = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                if "schema" not in content:
                    continue
                ref = content["schema"].get("$ref", "")
                if ref.rsplit("/", 1)[-1] in ISSUES_CREDENTIALS:
                    continue
                for found in objects_in(spec, content["schema"], set()):
                    for name in found.get("properties", {}):
                        if SECRET_KEY.search(name):
                            exposed.append(f"{method.upper()} {path} {status}: {name}")
    assert exposed == []


async def test_no_response_carries_a_secret(
    app: Any, client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    """Every collection and every detail the tenant can read, with data in all of them."""
    await own_documents(tenant)
    await tenant.create(
        f"{API}/users", {"email": f"m-{uuid.uuid4().hex[:8]}@example.in", "role": "viewer"}
    )
    await tenant.create(f"{API}/api-tokens", {"name": "CI"})
    spec = app.openapi()
    read = 0
    exposed = []
    for path, operations in spec["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        response = await tenant.get(path, params=query_for(app, path))
        if not response.headers.get("content-type", "").startswith("application/json"):
            continue
        read += 1
        payload = response.json()
        exposed += [
            f"GET {path}: {key}" for key, name in json_keys(payload) if SECRET_KEY.search(name)
        ]
        for item in payload.get("items", []) if isinstance(payload, dict) else []:
            detail = f"{path}/{item.get('id')}"
            if f"{path}/{{" not in " ".join(spec["paths"]):
                break
            found = await tenant.get(detail)
            if found.status_code == 200:
                read += 1
                exposed += [
                    f"GET {detail}: {k}" for k, n in json_keys(found.json()) if SECRET_KEY.search(n)
                ]
    assert read > 30, read
    assert exposed == []
