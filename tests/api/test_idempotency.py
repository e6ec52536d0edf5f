"""Idempotency-Key on the money POSTs: one invoice however often a create is retried.

These tests commit for real (``live_client``): the key is claimed on a connection of its
own, so a duplicate sees it while the first request is still running.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.database import SET_TENANT_SQL
from tests.api.test_invoices import add_company, add_customer, line
from tests.support import TenantClient, assert_problem, register_tenant

INVOICES = "/api/v1/invoices"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def invoice_setup(http: httpx.AsyncClient) -> tuple[TenantClient, dict[str, Any]]:
    owner = await register_tenant(http)
    await add_company(owner)
    customer = await add_customer(owner)
    body = {"customer_id": customer["id"], "lines": [line(), line("2500", "5")], "issue": True}
    return owner, body


async def invoice_count(owner: TenantClient) -> int:
    total: int = (await owner.get(INVOICES)).json()["total"]
    return total


async def test_a_retry_replays_the_first_response_byte_for_byte(
    live_client: httpx.AsyncClient,
) -> None:
    owner, body = await invoice_setup(live_client)
    headers = key()
    first = await owner.post(INVOICES, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotency-Replayed" not in first.headers
    again = await owner.post(INVOICES, json=body, headers=headers)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert await invoice_count(owner) == 1
    # Without a key, the same body is a new invoice with the next number.
    third = await owner.post(INVOICES, json=body)
    assert third.json()["number"] != first.json()["number"]


async def test_the_same_key_with_another_body_is_refused(live_client: httpx.AsyncClient) -> None:
    owner, body = await invoice_setup(live_client)
    headers = key()
    assert (await owner.post(INVOICES, json=body, headers=headers)).status_code == 201
    changed = {**body, "lines": [line("99")]}
    assert_problem(
        await owner.post(INVOICES, json=changed, headers=headers), 422, "idempotency-key-reused"
    )
    # Another route with the same key is another request too.
    invoice_id = (await owner.get(INVOICES)).json()["items"][0]["id"]
    voided = await owner.post(
        f"{INVOICES}/{invoice_id}/void", json={"reason": "duplicate"}, headers=headers
    )
    assert_problem(voided, 422, "idempotency-key-reused")
    assert await invoice_count(owner) == 1


async def test_five_concurrent_creates_make_one_invoice(live_client: httpx.AsyncClient) -> None:
    owner, body = await invoice_setup(live_client)
    headers = key()
    responses = await asyncio.gather(
        *(owner.post(INVOICES, json=body, headers=headers) for _ in range(5))
    )
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    assert all(r.content == created[0].content for r in created)
    for refused in (r for r in responses if r.status_code != 201):
        assert_problem(refused, 409, "idempotency-key-in-use")
    assert await invoice_count(owner) == 1


async def test_a_duplicate_while_the_first_runs_is_a_409(
    live_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    owner, body = await invoice_setup(live_client)
    await owner.post(INVOICES, json=body)  # the counter row now exists
    headers = key()
    async with engine.connect() as blocker:
        await blocker.begin()
        await blocker.execute(SET_TENANT_SQL, {"tenant_id": owner.tenant_id})
        # Hold the invoice number counter: the first request waits inside its transaction.
        await blocker.execute(text("SELECT 1 FROM document_counters FOR UPDATE"))
        first = asyncio.create_task(owner.post(INVOICES, json=body, headers=headers))
        for _ in range(200):
            probe = await blocker.execute(
                text("SELECT status FROM idempotency_keys WHERE key = :key"),
                {"key": headers["Idempotency-Key"]},
            )
            if probe.scalar_one_or_none() == "in_progress":
                break
            await asyncio.sleep(0.05)
        duplicate = await owner.post(INVOICES, json=body, headers=headers)
        assert_problem(duplicate, 409, "idempotency-key-in-use")
        await blocker.rollback()
    assert (await first).status_code == 201
    replay = await owner.post(INVOICES, json=body, headers=headers)
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert replay.content == (await first).content
    assert await invoice_count(owner) == 2


async def test_keys_belong_to_one_tenant(live_client: httpx.AsyncClient) -> None:
    first_owner, first_body = await invoice_setup(live_client)
    second_owner, second_body = await invoice_setup(live_client)
    headers = key()
    mine = await first_owner.post(INVOICES, json=first_body, headers=headers)
    theirs = await second_owner.post(INVOICES, json=second_body, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotency-Replayed" not in theirs.headers
    assert theirs.json()["customer_id"] == second_body["customer_id"]
    # Even the identical body from the other tenant is its own request.
    copy = await second_owner.post(INVOICES, json=first_body, headers=key())
    assert_problem(copy, 422)  # the other tenant's customer does not exist here


async def test_a_failed_request_does_not_use_up_its_key(live_client: httpx.AsyncClient) -> None:
    owner, body = await invoice_setup(live_client)
    headers = key()
    wrong = {**body, "customer_id": str(uuid.uuid4())}
    assert_problem(await owner.post(INVOICES, json=wrong, headers=headers), 422)
    retried = await owner.post(INVOICES, json=body, headers=headers)
    assert retried.status_code == 201
    assert "Idempotency-Replayed" not in retried.headers


async def test_a_receipt_allocation_retried_settles_once(live_client: httpx.AsyncClient) -> None:
    owner, body = await invoice_setup(live_client)
    invoice = (await owner.post(INVOICES, json=body)).json()
    receipt = await owner.post(
        "/api/v1/receipts",
        json={"customer_id": body["customer_id"], "amount": "5000", "mode": "upi"},
        headers=key(),
    )
    assert receipt.status_code == 201, receipt.text
    allocate = f"/api/v1/receipts/{receipt.json()['id']}/allocate"
    allocation = {"allocations": [{"invoice_id": invoice["id"], "amount": "3000"}]}
    headers = key()
    first = await owner.post(allocate, json=allocation, headers=headers)
    assert first.status_code == 200, first.text
    again = await owner.post(allocate, json=allocation, headers=headers)
    assert again.content == first.content
    after = (await owner.get(f"{INVOICES}/{invoice['id']}")).json()
    assert after["amount_paid"] == "3000.00"


async def test_expired_keys_run_again_and_are_purged(
    live_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    owner, body = await invoice_setup(live_client)
    headers = key()
    assert (await owner.post(INVOICES, json=body, headers=headers)).status_code == 201
    async with engine.begin() as connection:
        await connection.execute(SET_TENANT_SQL, {"tenant_id": owner.tenant_id})
        await connection.execute(
            text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        )
    fresh = await owner.post(INVOICES, json=body, headers=headers)
    assert fresh.status_code == 201 and "Idempotency-Replayed" not in fresh.headers
    assert await invoice_count(owner) == 2
    async with engine.begin() as connection:
        await connection.execute(SET_TENANT_SQL, {"tenant_id": owner.tenant_id})
        await connection.execute(
            text("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        )
        purged = await connection.execute(text("SELECT purge_idempotency_keys()"))
        assert purged.scalar_one() >= 1
        left = await connection.execute(text("SELECT count(*) FROM idempotency_keys"))
        assert left.scalar_one() == 0


async def test_the_header_is_documented_on_money_posts_only(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    def has_key(path: str, method: str) -> bool:
        parameters = paths[path][method].get("parameters", [])
        return any(p["name"] == "Idempotency-Key" for p in parameters)

    assert has_key("/api/v1/invoices", "post")
    assert has_key("/api/v1/invoices/{invoice_id}/issue", "post")
    assert has_key("/api/v1/receipts/{receipt_id}/allocate", "post")
    assert has_key("/api/v1/credit-notes", "post")
    assert not has_key("/api/v1/customers", "post")
