"""Keyset paging (``after=<id of the last row>``) walks a list exactly as ``page=`` does:
same rows, same order, ties on the sort key broken by id, NULL sort values included,
every list filter honoured; a cursor the caller cannot see is refused (422)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.core.config import Settings
from tests.api.test_invoices import INVOICES, add_company, add_customer, line
from tests.support import TenantClient, assert_problem


async def _ids(owner: TenantClient, query: str) -> list[str]:
    response = await owner.get(f"{INVOICES}?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _walk(owner: TenantClient, query: str, size: int) -> list[str]:
    """Every id of the list, page after page, by keyset."""
    seen: list[str] = []
    after = ""
    while True:
        page = await _ids(owner, f"{query}&page_size={size}{after}")
        seen += page
        assert len(seen) <= 50, "the cursor does not advance"
        if len(page) < size:
            return seen
        after = f"&after={page[-1]}"


async def _invoices(owner: TenantClient) -> list[dict[str, Any]]:
    """Seven invoices: three share a date (ties), two are drafts (no number, no due date)."""
    await add_company(owner)
    customer = await add_customer(owner)
    day = date(2025, 10, 1)
    created = []
    for offset, issue in [
        (0, True),
        (0, True),
        (0, False),
        (3, True),
        (5, False),
        (9, True),
        (12, True),
    ]:
        response = await owner.post(
            INVOICES,
            json={
                "customer_id": customer["id"],
                "lines": [line()],
                "issue": issue,
                "invoice_date": (day + timedelta(days=offset)).isoformat(),
            },
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


async def test_keyset_pages_match_offset_pages_for_every_sort(tenant: TenantClient) -> None:
    await _invoices(tenant)
    for sort in ("-invoice_date", "invoice_date", "number", "-number", "-grand_total"):
        everything = await _ids(tenant, f"sort={sort}&page_size=100")
        assert len(everything) == 7
        for size in (1, 2, 3):
            assert await _walk(tenant, f"sort={sort}", size) == everything, (sort, size)


async def test_keyset_honours_filters(tenant: TenantClient) -> None:
    await _invoices(tenant)
    issued = await _ids(tenant, "status=issued&page_size=100")
    assert len(issued) == 5
    assert await _walk(tenant, "status=issued", 2) == issued


async def test_every_page_reports_the_filtered_total_even_past_the_end(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    """The total rides on the page's rows; a page with no rows still reports it."""
    await _invoices(tenant)
    await _invoices(other_tenant)
    issued = await _ids(tenant, "status=issued&page_size=100")
    queries = [f"status=issued&page_size=2&page={page}" for page in (1, 2, 3, 4, 50)]
    queries += ["status=issued&page_size=2&after=" + issued[-1], "status=draft", "status=paid"]
    totals = []
    for query in queries:
        response = await tenant.get(f"{INVOICES}?{query}")
        assert response.status_code == 200, response.text
        totals.append(response.json()["total"])
    assert totals == [5, 5, 5, 5, 5, 5, 2, 0]
    past_the_end = await tenant.get(f"{INVOICES}?status=issued&page_size=2&page=4")
    assert past_the_end.json()["items"] == []


async def test_a_total_past_the_count_limit_is_a_floor(
    tenant: TenantClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting stops past LIST_COUNT_LIMIT: ``total`` is the limit, ``total_exact`` false."""
    await _invoices(tenant)
    issued = await _ids(tenant, "status=issued&page_size=100")

    async def total(limit: int, query: str) -> tuple[int, bool, int]:
        monkeypatch.setattr(settings, "LIST_COUNT_LIMIT", limit)
        response = await tenant.get(f"{INVOICES}?{query}")
        assert response.status_code == 200, response.text
        body = response.json()
        return body["total"], body["total_exact"], len(body["items"])

    assert await total(3, "status=issued&page_size=2") == (3, False, 2)
    assert await total(3, "status=issued&page_size=2&page=3") == (3, False, 1)
    assert await total(3, "status=issued&page_size=2&page=9") == (3, False, 0)
    assert await total(3, f"status=issued&page_size=2&after={issued[-1]}") == (3, False, 0)
    assert await total(3, "status=draft") == (2, True, 2)
    assert await total(5, "status=issued") == (5, True, 5)
    assert await total(4, "status=issued") == (4, False, 5)


async def test_a_cursor_outside_the_list_or_with_a_page_is_refused(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    mine = await _invoices(tenant)
    theirs = await _invoices(other_tenant)
    response = await tenant.get(f"{INVOICES}?after={theirs[0]['id']}")
    assert_problem(response, 422)
    response = await tenant.get(f"{INVOICES}?after={mine[0]['id']}&page=2")
    assert_problem(response, 422)
    response = await tenant.get(f"{INVOICES}?after=not-a-uuid")
    assert_problem(response, 422)
