"""Partial responses (?fields=), ETag / If-None-Match on JSON reads, gzip."""

from __future__ import annotations

import gzip

import httpx

from tests.support import TenantClient, assert_problem

CUSTOMERS = "/api/v1/customers"


async def customer(tenant: TenantClient, name: str = "Bharat Steel") -> dict[str, object]:
    return await tenant.create(CUSTOMERS, {"name": name, "state_code": "27"})


async def test_fields_trim_a_detail_response(tenant: TenantClient) -> None:
    created = await customer(tenant)
    response = await tenant.get(f"{CUSTOMERS}/{created['id']}", params={"fields": "id,name"})
    assert response.status_code == 200
    assert response.json() == {"id": created["id"], "name": "Bharat Steel"}


async def test_fields_trim_every_item_of_a_page(tenant: TenantClient) -> None:
    await customer(tenant, "A One")
    await customer(tenant, "B Two")
    response = await tenant.get(CUSTOMERS, params={"fields": "name", "sort": "name"})
    body = response.json()
    assert body["items"] == [{"name": "A One"}, {"name": "B Two"}]
    assert body["total"] == 2 and body["page"] == 1


async def test_unknown_fields_are_a_422_that_lists_the_allowed_ones(tenant: TenantClient) -> None:
    created = await customer(tenant)
    response = await tenant.get(
        f"{CUSTOMERS}/{created['id']}", params={"fields": "id,password_hash"}
    )
    body = assert_problem(response, 422, "validation-error")
    assert "password_hash" in body["detail"] and "allowed:" in body["detail"]
    assert_problem(await tenant.get(CUSTOMERS, params={"fields": ","}), 422)
    assert_problem(await tenant.get(CUSTOMERS, params={"fields": ""}), 422)


async def test_fields_do_not_let_another_tenant_in(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    created = await customer(tenant)
    response = await other_tenant.get(f"{CUSTOMERS}/{created['id']}", params={"fields": "name"})
    assert_problem(response, 404)


async def test_the_fields_parameter_is_in_the_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/api/v1/invoices", "/api/v1/invoices/{invoice_id}", "/api/v1/customers"):
        names = [p["name"] for p in paths[path]["get"].get("parameters", [])]
        assert names.count("fields") == 1, path
    assert "fields" not in [
        p["name"] for p in paths["/api/v1/invoices"]["post"].get("parameters", [])
    ]


async def test_unchanged_reads_answer_304(tenant: TenantClient) -> None:
    created = await customer(tenant)
    url = f"{CUSTOMERS}/{created['id']}"
    first = await tenant.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "private, no-cache"
    again = await tenant.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag

    changed = await tenant.put(url, json={"name": "Bharat Steel Ltd", "state_code": "27"})
    assert changed.status_code == 200, changed.text
    after = await tenant.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json()["name"] == "Bharat Steel Ltd"
    assert after.headers["ETag"] != etag
    trimmed = await tenant.get(url, params={"fields": "id"})
    assert trimmed.headers["ETag"] != after.headers["ETag"]  # the tag is of the bytes sent


async def test_large_responses_are_gzipped(tenant: TenantClient) -> None:
    for index in range(15):
        await customer(tenant, f"Customer number {index:02d} with a long enough name")
    raw = await tenant.get(CUSTOMERS, params={"page_size": 50}, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert len(raw.json()["items"]) == 15  # httpx decoded it
    small = await tenant.get(
        f"{CUSTOMERS}/{(raw.json()['items'][0])['id']}", params={"fields": "id"}
    )
    assert "Content-Encoding" not in small.headers
    assert gzip.compress(raw.content)  # a real body was sent
