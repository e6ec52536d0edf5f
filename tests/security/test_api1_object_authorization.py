"""API1 Broken Object Level Authorization: another tenant's objects, reached sideways.

``tests/api/test_cross_tenant.py`` calls every route that takes an id with another
tenant's id. Here the other tenant's ids travel where a route walk does not look: in
query filters (lists, dashboards, reports and their CSV), inside request bodies (an
invoice for their customer, a receipt allocated to their invoice, their credit applied
here), as search wildcards, in the tenant data export, and as a replayed Idempotency-Key.
Every answer is a 404/422 problem or a 200 that holds nothing of theirs, and nothing of
theirs changes.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
import zipfile
from typing import Any

import httpx

from tests.api.test_receipts import MH
from tests.security.tenants import API, REQUIRED_QUERY, Victim, own_documents, query_for
from tests.support import TenantClient, assert_problem, register_tenant

# What each id-valued query filter names; a new filter fails the walk until added here.
FILTER_TARGETS = {
    "customer_id": "customer",
    "company_id": "company",
    "invoice_id": "invoice",
    "client_type_id": "client_type",
    "account_manager_id": "account_manager",
    "user_id": "user",
    "entity_id": "customer",
}
EXPORT_TIMEOUT = 60  # seconds for the background job to build a ZIP
# Filtered views that may legitimately show their owner nothing of the data (the control).
BLIND_FOR_THE_OWNER: set[str] = set()


def filtered_views(app: Any) -> list[tuple[str, str, list[str]]]:
    """(path, id filter, formats) for every collection GET that filters by an id."""
    views = []
    for path, operations in app.openapi()["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        formats = ["json"]
        if "format" in query:
            formats = [f for f in query["format"]["schema"].get("enum", []) if f in ("json", "csv")]
        for name in query:
            if name.endswith("_id"):
                assert name in FILTER_TARGETS, f"add {name} ({path}) to FILTER_TARGETS"
                views.append((path, name, formats))
        missing = {n for n, p in query.items() if p.get("required")} - REQUIRED_QUERY.keys()
        assert not missing, f"add a value for {missing} ({path}) to REQUIRED_QUERY"
    return views


async def test_other_tenants_ids_in_filters_reports_and_csv_show_nothing(
    app: Any, tenant: TenantClient, other_tenant: TenantClient
) -> None:
    victim = await Victim(other_tenant).populate()
    views = filtered_views(app)
    assert len(views) >= 20, views

    leaked: list[str] = []
    owner_sees: set[str] = set()
    for path, name, formats in views:
        for fmt in formats:
            params = {**query_for(app, path), name: victim.ids[FILTER_TARGETS[name]]}
            if fmt != "json":
                params["format"] = fmt
            label = f"GET {path}?{name}=... ({fmt})"
            control = await other_tenant.get(path, params=params)
            assert control.status_code == 200, f"{label} as its owner: {control.text[:300]}"
            if victim.leaks(control.text):
                owner_sees.add(label)
            attack = await tenant.get(path, params=params)
            if attack.status_code == 200:
                if found := victim.leaks(attack.text):
                    leaked.append(f"{label}: {found}")
            elif attack.status_code in (404, 422):
                assert_problem(attack, attack.status_code)
            else:
                leaked.append(f"{label}: {attack.status_code} {attack.text[:200]}")
    assert leaked == []
    # The control: each filtered view does show its owner the data the attack looked for.
    blind = {f"GET {p}?{n}=... ({f})" for p, n, fs in views for f in fs} - owner_sees
    assert blind <= BLIND_FOR_THE_OWNER, sorted(blind)


async def test_search_wildcards_stay_inside_the_tenant(
    app: Any, tenant: TenantClient, other_tenant: TenantClient
) -> None:
    victim = await Victim(other_tenant).populate()
    searchable = [
        path
        for path, operations in app.openapi()["paths"].items()
        if "get" in operations
        and "search" in {p["name"] for p in operations["get"].get("parameters", [])}
    ]
    assert len(searchable) >= 3, searchable
    for path in searchable:
        for pattern in ("%", "_", victim.word, f"%{victim.word}%", "*", "\\", "' OR '1'='1"):
            response = await tenant.get(path, params={"search": pattern, "page_size": 100})
            assert response.status_code == 200, f"{path} {pattern!r}: {response.text[:200]}"
            assert response.json()["total"] == 0, (path, pattern)
            assert victim.leaks(response.text) == [], (path, pattern)
        # The control: the owner finds their own rows by the same word.
        mine = await other_tenant.get(path, params={"search": victim.word})
        assert mine.json()["total"] >= 1, (path, mine.text[:200])


def references(mine: dict[str, Any], theirs: dict[str, str]) -> list[tuple[str, str, Any]]:
    """(method, url, body) for every body field that names an object: each names theirs."""
    line = {"description": "Work", "hsn_sac": "998314", "unit_price": "10", "gst_rate": "18"}
    customer, draft = mine["customer"]["id"], mine["draft"]["id"]
    new_customer = {"name": "X", "state_code": "27"}
    their_allocation = [{"invoice_id": theirs["invoice"], "amount": "10"}]
    their_line = [{"invoice_line_item_id": theirs["line"], "taxable_value": "1"}]
    receipt = {"customer_id": customer, "amount": "10", "mode": "upi"}
    return [
        ("POST", "/customers", {**new_customer, "client_type_id": theirs["client_type"]}),
        ("POST", "/customers", {**new_customer, "account_manager_id": theirs["account_manager"]}),
        ("PUT", f"/customers/{customer}", {"name": "X", "client_type_id": theirs["client_type"]}),
        (
            "POST",
            "/document-series",
            {"company_id": theirs["company"], "document_type": "invoice", "prefix": "HIJ"},
        ),
        ("POST", "/invoices", {"customer_id": theirs["customer"], "lines": [line]}),
        (
            "POST",
            "/invoices",
            {"customer_id": customer, "company_id": theirs["company"], "lines": [line]},
        ),
        (
            "POST",
            "/invoices",
            {
                "customer_id": customer,
                "lines": [{**line, "service_type_id": theirs["service_type"]}],
            },
        ),
        ("PUT", f"/invoices/{draft}", {"customer_id": theirs["customer"], "lines": [line]}),
        ("POST", "/receipts", {**receipt, "customer_id": theirs["customer"]}),
        ("POST", "/receipts", {**receipt, "allocations": their_allocation}),
        ("POST", f"/receipts/{mine['receipt']['id']}/allocate", {"allocations": their_allocation}),
        (
            "POST",
            "/credit-notes",
            {"invoice_id": theirs["invoice"], "reason": "post_sale_discount", "lines": their_line},
        ),
        (
            "POST",
            "/credit-notes",
            {"invoice_id": mine["open"]["id"], "reason": "post_sale_discount", "lines": their_line},
        ),
        (
            "POST",
            f"/credit-notes/{mine['note']['id']}/apply",
            {"invoice_id": theirs["invoice"], "amount": "10"},
        ),
    ]


async def test_bodies_naming_other_tenants_objects_are_refused_and_change_nothing(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    victim = await Victim(other_tenant).populate()
    mine = await own_documents(tenant)
    before = await victim.snapshot()

    wrong = []
    for method, url, body in references(mine, victim.ids):
        response = await tenant.request(method, API + url, json=body)
        if response.status_code not in (404, 422):
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
        else:
            assert_problem(response, response.status_code)
            if found := victim.leaks(response.text, sent=json.dumps(body)):
                wrong.append(f"{method} {url}: the refusal shows {found}")
    assert wrong == []
    assert await victim.snapshot() == before
    # Nothing of the attacker's moved either: the same bodies with its own ids would work.
    assert (await tenant.get(f"{API}/receipts/{mine['receipt']['id']}")).json()[
        "amount_allocated"
    ] == "0.00"


async def finished_export(owner: TenantClient) -> dict[str, Any]:
    """Start an export and wait for the background worker to finish it."""
    started = await owner.post(f"{API}/tenants/me/exports")
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + EXPORT_TIMEOUT
    while True:
        export: dict[str, Any] = (
            await owner.get(f"{API}/tenants/me/exports/{started.json()['id']}")
        ).json()
        if export["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, export
        await asyncio.sleep(0.2)
    assert export["status"] == "ready", export
    return export


async def test_the_data_export_holds_only_the_tenants_own_data(
    live_client: httpx.AsyncClient,
) -> None:
    attacker = await register_tenant(live_client)
    victim = await Victim(await register_tenant(live_client)).populate()
    await own_documents(attacker)
    export = await finished_export(attacker)
    download = await attacker.get(f"{API}/tenants/me/exports/{export['id']}/download")
    assert download.status_code == 200, download.text[:300]

    archive = zipfile.ZipFile(io.BytesIO(download.content))
    texts = {
        name: archive.read(name).decode("utf-8", "replace")
        for name in archive.namelist()
        if not name.endswith(".pdf")
    }
    assert any(attacker.email in text for text in texts.values()), list(texts)  # control
    leaked = {name: victim.leaks(text) for name, text in texts.items() if victim.leaks(text)}
    assert leaked == {}
    # And the victim's export is not the attacker's to read or follow.
    theirs = await finished_export(victim.owner)
    for suffix in ("", "/download"):
        response = await attacker.get(f"{API}/tenants/me/exports/{theirs['id']}{suffix}")
        assert_problem(response, 404, "not-found")


async def receipt_request(owner: TenantClient) -> dict[str, Any]:
    """A body for POST /receipts (a money POST, so Idempotency-Key applies) of ``owner``."""
    await owner.create(f"{API}/companies", {"legal_name": "Keyed Co", "gstin": MH})
    customer = await owner.create(f"{API}/customers", {"name": "Keyed Buyer", "state_code": "27"})
    return {"customer_id": customer["id"], "amount": "777.00", "mode": "upi"}


async def test_an_idempotency_key_never_replays_another_tenants_response(
    live_client: httpx.AsyncClient,
) -> None:
    """Real commits: the stored responses live outside any one request's transaction."""
    tenant, other_tenant = await register_tenant(live_client), await register_tenant(live_client)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = await receipt_request(other_tenant)
    theirs = await other_tenant.post(f"{API}/receipts", json=body, headers=key)
    assert theirs.status_code == 201, theirs.text
    replay = await other_tenant.post(f"{API}/receipts", json=body, headers=key)
    assert replay.headers.get("Idempotency-Replayed") == "true"  # control: keys do replay
    assert replay.json() == theirs.json()

    # Their key with their very body, sent by another tenant: not their receipt replayed,
    # but a request of its own, naming a customer it does not have.
    stolen = await tenant.post(f"{API}/receipts", json=body, headers=key)
    assert stolen.status_code in (404, 422), stolen.text
    assert "Idempotency-Replayed" not in stolen.headers
    assert theirs.json()["id"] not in stolen.text
    # Their key with a body of its own: a new receipt, not "key reused" (422), which would
    # tell the sender that somebody else had used the key.
    third = await register_tenant(live_client)
    own = await third.post(f"{API}/receipts", json=await receipt_request(third), headers=key)
    assert own.status_code == 201, own.text
    assert "Idempotency-Replayed" not in own.headers
    assert own.json()["id"] != theirs.json()["id"]
    listed = (await other_tenant.get(f"{API}/receipts")).json()
    assert listed["total"] == 1  # and the victim still has exactly its one receipt


async def assert_lists_hold_nothing_of(victim: Victim, http: TenantClient, app: Any) -> None:
    """Every collection GET, unfiltered, shows the attacker nothing of the victim's."""
    for path, operations in app.openapi()["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        response = await http.get(path, params=query_for(app, path))
        assert response.status_code in (200, 404), f"{path}: {response.text[:200]}"
        assert victim.leaks(response.text) == [], path


async def test_no_collection_or_report_shows_another_tenants_rows(
    app: Any, tenant: TenantClient, other_tenant: TenantClient
) -> None:
    victim = await Victim(other_tenant).populate()
    await own_documents(tenant)
    await assert_lists_hold_nothing_of(victim, tenant, app)
    response: httpx.Response = await other_tenant.get(f"{API}/invoices")
    assert victim.leaks(response.text)  # control: the owner's own list does show them
