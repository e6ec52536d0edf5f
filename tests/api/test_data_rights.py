"""Data rights on the real stack: the tenant export (a real ZIP, PDFs read back), the
tenant erasure (scheduled, cancelled, executed by the periodic job with a moved clock),
and a person's own export and erasure."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.api.v1.endpoints.data_rights import export_sessions
from app.core.config import Settings
from app.services.data_rights.archive import export_tables
from app.services.data_rights.erasure_job import execute_due_erasures, final_deletion
from app.services.data_rights.exports import build_export, purge_expired_exports
from app.services.data_rights.retention import retain_until
from app.services.email import EmailSender
from app.services.jobs import JobRuntime
from app.utils.clock import utcnow
from tests.jobs import connection_sessions
from tests.smtp_server import SmtpTestServer
from tests.support import PASSWORD, TenantClient, add_member, assert_problem, set_tenant

EXPORTS = "/api/v1/tenants/me/exports"
BUYER_EMAIL = "accounts@raotextiles.in"
BUYER_PHONE = "9876543210"
ROLES = ("admin", "accountant", "viewer")


# -- helpers -------------------------------------------------------------------------------


async def seed_books(owner: TenantClient, marker: str) -> dict[str, Any]:
    """A company, a registered customer with contact details, an issued invoice, a credit
    note and a receipt; names carry ``marker`` so a leak into another export shows."""
    await owner.create(
        "/api/v1/companies",
        {
            "legal_name": f"{marker} Traders Private Limited",
            "gstin": "27AAPFU0939F1ZV",
            "address_line1": "401 Lotus Park",
            "city": "Mumbai",
            "email": "billing@supplier.in",
            "bank_account_number": "50200012345678",
        },
    )
    customer = await owner.create(
        "/api/v1/customers",
        {
            "name": f"{marker} Textiles",
            "gstin": "29AABCR1718E1ZL",
            "email": BUYER_EMAIL,
            "phone": BUYER_PHONE,
            "contact_person": "Ravi Rao",
            "billing_address_line1": "12 MG Road",
            "billing_city": "Bengaluru",
        },
    )
    line = {
        "description": "Consulting",
        "hsn_sac": "998314",
        "unit_price": "1000",
        "gst_rate": "18",
    }
    invoice = await owner.create(
        "/api/v1/invoices", {"customer_id": customer["id"], "lines": [line], "issue": True}
    )
    note = await owner.create(
        "/api/v1/credit-notes",
        {
            "invoice_id": invoice["id"],
            "reason": "post_sale_discount",
            "lines": [{"invoice_line_item_id": invoice["lines"][0]["id"], "taxable_value": "100"}],
            "issue": True,
        },
    )
    receipt = await owner.create(
        "/api/v1/receipts",
        {
            "customer_id": customer["id"],
            "amount": "500.00",
            "mode": "upi",
            "allocations": [{"invoice_id": invoice["id"], "amount": "500.00"}],
        },
    )
    return {"customer": customer, "invoice": invoice, "credit_note": note, "receipt": receipt}


def runtime_for(connection: AsyncConnection, settings: Settings) -> JobRuntime:
    """What a worker gives a task, on the test's own (rolled-back) connection."""
    return JobRuntime(settings, connection_sessions(connection), EmailSender(settings))


@pytest.fixture
def downloads(app: Any, connection: AsyncConnection) -> AsyncIterator[None] | Any:
    """Downloads stream from sessions of their own; here they see the test's transaction."""
    app.dependency_overrides[export_sessions] = lambda: connection_sessions(connection)
    yield
    app.dependency_overrides.pop(export_sessions, None)


async def finished_export(owner: TenantClient) -> dict[str, Any]:
    started = await owner.post(EXPORTS)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    assert started.json()["download_url"] is None
    # The job ran right after the request's commit (tests/jobs.py).
    response = await owner.get(f"{EXPORTS}/{started.json()['id']}")
    assert response.status_code == 200
    export: dict[str, Any] = response.json()
    assert export["status"] == "ready", export
    return export


async def download(owner: TenantClient, export: dict[str, Any]) -> zipfile.ZipFile:
    response = await owner.get(export["download_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert export["filename"] in response.headers["content-disposition"]
    assert len(response.content) == export["size_bytes"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF"), content[:20]
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def table_json(archive: zipfile.ZipFile, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(archive.read(f"data/{table}.json"))
    return rows


async def scalar(connection: AsyncConnection, tenant_id: str, sql: str, **params: Any) -> Any:
    await set_tenant(connection, tenant_id)
    return (await connection.execute(text(sql), params)).scalar()


async def login(owner: TenantClient, email: str) -> int:
    response = await owner.http.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    return response.status_code


# -- the tenant export ---------------------------------------------------------------------


async def test_the_export_holds_every_table_and_every_document_of_this_tenant_only(
    tenant: TenantClient, other_tenant: TenantClient, downloads: None
) -> None:
    books = await seed_books(tenant, "Mine")
    await seed_books(other_tenant, "Theirs")
    export = await finished_export(tenant)
    assert export["progress"] == 100 and export["sha256"] and export["expires_at"]
    archive = await download(tenant, export)
    names = set(archive.namelist())

    for table in export_tables():  # every tenant table, in both formats
        assert {f"data/{table.name}.json", f"data/{table.name}.csv"} <= names, table.name
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["tenant_id"] == tenant.tenant_id
    assert manifest["tables"]["invoices"]["rows"] == 1
    assert "Conventions" in archive.read("README.txt").decode()

    invoices = table_json(archive, "invoices")
    assert [row["id"] for row in invoices] == [books["invoice"]["id"]]
    assert invoices[0]["grand_total"] == books["invoice"]["grand_total"] == "1180.00"
    assert isinstance(invoices[0]["grand_total"], str)  # money never a float
    assert datetime.fromisoformat(invoices[0]["created_at"])
    csv_lines = archive.read("data/invoices.csv").decode().splitlines()
    assert "grand_total" in csv_lines[0] and "1180.00" in csv_lines[1]
    users = table_json(archive, "users")
    assert [u["email"] for u in users] == [tenant.email]
    assert "password_hash" not in users[0]  # secrets stay out

    [invoice_pdf] = manifest["documents"]["invoices"]
    [note_pdf] = manifest["documents"]["credit_notes"]
    assert books["invoice"]["number"] in pdf_text(archive.read(invoice_pdf))
    assert "Credit Note" in pdf_text(archive.read(note_pdf))

    everything = b"".join(archive.read(name) for name in names)
    assert b"Theirs" not in everything
    assert other_tenant.tenant_id.encode() not in everything
    assert b"Mine Textiles" in everything


async def test_progress_moves_from_queued_through_running_to_ready(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    """Each progress step is its own committed transaction: watch them go by."""
    await seed_books(tenant, "Progress")
    export_id = uuid.uuid4()
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(
        text("INSERT INTO data_exports (tenant_id, id, requested_by) VALUES (:t, :i, :u)"),
        {"t": uuid.UUID(tenant.tenant_id), "i": export_id, "u": uuid.UUID(tenant.user_id)},
    )
    seen: list[tuple[str, int]] = []
    sessions = connection_sessions(connection)

    @asynccontextmanager
    async def watched() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session
        row = (
            await connection.execute(
                text("SELECT status, progress FROM data_exports WHERE id = :i"), {"i": export_id}
            )
        ).one()
        if not seen or seen[-1] != (row.status, row.progress):
            seen.append((row.status, row.progress))

    factory: Callable[[], AbstractAsyncContextManager[AsyncSession]] = watched
    runtime = JobRuntime(settings, factory, EmailSender(settings))
    await build_export(runtime, uuid.UUID(tenant.tenant_id), export_id)

    assert seen[0] == ("running", 0)
    assert seen[-1] == ("ready", 100)
    middle = [progress for status, progress in seen[1:-1]]
    assert middle and all(0 < p < 100 for p in middle), seen
    assert middle == sorted(middle)
    assert {status for status, _ in seen[1:-1]} == {"running"}


async def test_only_the_owner_exports_and_other_tenants_see_nothing(
    tenant: TenantClient,
    other_tenant: TenantClient,
    connection: AsyncConnection,
    settings: Settings,
    downloads: None,
) -> None:
    export = await finished_export(tenant)
    for role in ROLES:
        member = await add_member(connection, settings, tenant, role)
        for method, url in (
            ("POST", EXPORTS),
            ("GET", EXPORTS),
            ("GET", f"{EXPORTS}/{export['id']}"),
            ("GET", f"{EXPORTS}/{export['id']}/download"),
        ):
            body = assert_problem(await member.request(method, url), 403, "forbidden")
            assert body["required_permission"] == "manage_billing"
    for url in (f"{EXPORTS}/{export['id']}", f"{EXPORTS}/{export['id']}/download"):
        assert_problem(await other_tenant.get(url), 404, "not-found")
    assert (await tenant.get("/api/v1/tenants/me/export")).json()["id"] == export["id"]
    assert_problem(await other_tenant.get("/api/v1/tenants/me/export"), 404, "not-found")
    listing = await other_tenant.get(EXPORTS)
    assert listing.json()["total"] == 0
    assert (await tenant.get(EXPORTS)).json()["total"] == 1


async def test_one_export_at_a_time_and_no_download_before_it_is_ready(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    export_id = uuid.uuid4()
    await set_tenant(connection, tenant.tenant_id)
    await connection.execute(
        text("INSERT INTO data_exports (tenant_id, id, status) VALUES (:t, :i, 'running')"),
        {"t": uuid.UUID(tenant.tenant_id), "i": export_id},
    )
    body = assert_problem(await tenant.post(EXPORTS), 409, "conflict")
    assert body["export_id"] == str(export_id)
    refused = await tenant.get(f"{EXPORTS}/{export_id}/download")
    assert assert_problem(refused, 409, "export-not-ready")["export_status"] == "running"


async def test_expired_exports_are_purged_and_answer_410(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings, downloads: None
) -> None:
    export = await finished_export(tenant)
    runtime = runtime_for(connection, settings)
    expires_at = datetime.fromisoformat(export["expires_at"])
    assert expires_at - utcnow() > timedelta(hours=settings.DATA_EXPORT_EXPIRE_HOURS - 1)

    # The purge covers every tenant, and other tests in this database commit exports too:
    # what counts is what happens to this one.
    await purge_expired_exports(runtime, now=expires_at - timedelta(minutes=1))
    await download(tenant, export)  # still there
    assert await purge_expired_exports(runtime, now=expires_at + timedelta(minutes=1)) >= 1

    after = (await tenant.get(f"{EXPORTS}/{export['id']}")).json()
    assert after["status"] == "expired" and after["download_url"] is None
    chunks = await scalar(
        connection,
        tenant.tenant_id,
        "SELECT count(*) FROM data_export_chunks WHERE export_id = :i",
        i=uuid.UUID(export["id"]),
    )
    assert chunks == 0
    assert_problem(await tenant.get(f"{EXPORTS}/{export['id']}/download"), 410, "export-expired")


# -- the tenant erasure --------------------------------------------------------------------


async def test_erasure_needs_the_owners_password_and_can_be_cancelled(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings, smtp: SmtpTestServer
) -> None:
    wrong = await tenant.request("DELETE", "/api/v1/tenants/me", json={"password": "nope"})
    assert_problem(wrong, 401, "unauthorized")
    assert (await tenant.get("/api/v1/tenants/me")).json()["status"] == "active"
    admin = await add_member(connection, settings, tenant, "admin")
    refused = await admin.request("DELETE", "/api/v1/tenants/me", json={"password": PASSWORD})
    assert_problem(refused, 403, "forbidden")

    scheduled = await tenant.request("DELETE", "/api/v1/tenants/me", json={"password": PASSWORD})
    assert scheduled.status_code == 202, scheduled.text
    state = scheduled.json()
    assert state["status"] == "scheduled" and state["cooling_off_days"] == 30
    when = datetime.fromisoformat(state["erasure_scheduled_for"])
    assert abs(when - (utcnow() + timedelta(days=30))) < timedelta(minutes=5)
    shown = (await tenant.get("/api/v1/tenants/me")).json()
    assert shown["status"] == "pending_deletion"
    assert datetime.fromisoformat(shown["erasure_scheduled_for"]) == when
    assert (await admin.get("/api/v1/tenants/me/erasure")).json()["status"] == "scheduled"

    [mail] = await smtp.wait_for_async(
        lambda m: m["To"] == tenant.email and "will be erased" in str(m["Subject"])
    )
    assert "cancel" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    again = await tenant.request("DELETE", "/api/v1/tenants/me", json={"password": PASSWORD})
    assert_problem(again, 409, "conflict")
    cancelled = await tenant.delete("/api/v1/tenants/me/erasure")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "none"
    assert (await tenant.get("/api/v1/tenants/me")).json()["erasure_scheduled_for"] is None
    assert_problem(await tenant.delete("/api/v1/tenants/me/erasure"), 409, "conflict")

    audit = await tenant.get("/api/v1/audit-logs", params={"entity_type": "tenant"})
    actions = {row["action"] for row in audit.json()["items"]}
    assert {"tenant.erasure_scheduled", "tenant.erasure_cancelled"} <= actions
    failed = await tenant.get("/api/v1/audit-logs", params={"action": "tenant.erasure_refused"})
    assert failed.json()["total"] == 1  # the wrong password was kept in the trail


async def test_erasure_runs_after_the_cooling_off_and_keeps_the_books(
    tenant: TenantClient,
    other_tenant: TenantClient,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    books = await seed_books(tenant, "Erased")
    await seed_books(other_tenant, "Kept")
    member = await add_member(connection, settings, tenant, "accountant")
    token = await tenant.create("/api/v1/api-tokens", {"name": "CI"})
    scheduled = await tenant.request("DELETE", "/api/v1/tenants/me", json={"password": PASSWORD})
    when = datetime.fromisoformat(scheduled.json()["erasure_scheduled_for"])
    runtime = runtime_for(connection, settings)

    assert await execute_due_erasures(runtime, now=when - timedelta(days=1)) == 0
    assert (await tenant.get("/api/v1/tenants/me")).status_code == 200  # still usable
    assert await execute_due_erasures(runtime, now=when + timedelta(minutes=1)) == 1
    assert await execute_due_erasures(runtime, now=when + timedelta(hours=1)) == 0  # once

    # Nobody gets in any more: not by password, not by token, not by refresh.
    assert await login(tenant, tenant.email) == 401
    assert await login(member, member.email) == 401
    assert_problem(await tenant.get("/api/v1/tenants/me"), 401)
    assert_problem(await member.get("/api/v1/invoices"), 401)
    refresh = await tenant.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token}
    )
    assert refresh.status_code == 401

    tid = tenant.tenant_id
    status = await scalar(connection, tid, "SELECT status FROM tenants")
    assert status == "erased"
    users = (
        await connection.execute(text("SELECT email, full_name, password_hash FROM users"))
    ).all()
    assert len(users) == 2
    assert all(u.email.endswith("@erased.invalid") and u.password_hash is None for u in users)
    assert {u.full_name for u in users} == {"Erased user"}
    for table in ("sessions", "refresh_tokens", "api_tokens", "user_invitations"):
        assert await scalar(connection, tid, f"SELECT count(*) FROM {table}") == 0, table
    assert token["id"]

    # The books stay whole; the recipient's name, GSTIN and address stay (Rule 46),
    # their email and phone go.
    invoice = (
        await connection.execute(
            text("SELECT number, grand_total, amount_due, billing_snapshot FROM invoices")
        )
    ).one()
    assert invoice.number == books["invoice"]["number"]
    assert invoice.grand_total == Decimal(books["invoice"]["grand_total"])
    buyer = invoice.billing_snapshot["buyer"]
    assert buyer["name"] == "Erased Textiles" and buyer["gstin"] == "29AABCR1718E1ZL"
    assert "email" not in buyer and "phone" not in buyer
    assert "bank" not in invoice.billing_snapshot["supplier"]
    assert await scalar(connection, tid, "SELECT count(*) FROM credit_notes") == 1
    assert await scalar(connection, tid, "SELECT sum(amount) FROM receipts") == Decimal("500.00")
    customer = (
        await connection.execute(text("SELECT name, email, phone, contact_person FROM customers"))
    ).one()
    assert customer.name == "Erased Textiles"
    assert (customer.email, customer.phone, customer.contact_person) == (None, None, None)

    # The audit trail keeps what happened, without who-was-where or addresses.
    trail = (
        await connection.execute(text("SELECT action, changes, ip_address FROM audit_logs"))
    ).all()
    assert {"tenant.erasure_scheduled", "tenant.erased"} <= {row.action for row in trail}
    assert [r for r in trail if r.ip_address is not None] == []
    dumped = json.dumps([row.changes for row in trail])
    assert BUYER_EMAIL not in dumped and tenant.email not in dumped
    erased = next(row for row in trail if row.action == "tenant.erased")
    assert erased.changes["users"] == 2
    assert erased.changes["retain_until"] == retain_until(utcnow().date()).isoformat()

    # The other tenant is untouched.
    assert await login(other_tenant, other_tenant.email) == 200
    other = await scalar(connection, other_tenant.tenant_id, "SELECT email FROM customers")
    assert other == BUYER_EMAIL

    # When the retention ends, what was kept goes too; the redacted trail stays.
    kept_until = retain_until(utcnow().date())
    final = await scalar(connection, tid, "SELECT deletion_scheduled_at FROM tenants")
    assert final == final_deletion(kept_until, utcnow())
    assert await execute_due_erasures(runtime, now=final - timedelta(minutes=1)) == 0
    assert await execute_due_erasures(runtime, now=final + timedelta(minutes=1)) == 1
    for table in ("tenants", "invoices", "customers", "users", "receipts"):
        assert await scalar(connection, tid, f"SELECT count(*) FROM {table}") == 0, table
    actions = (await connection.execute(text("SELECT action FROM audit_logs"))).scalars()
    assert {"tenant.erased", "tenant.deleted"} <= set(actions)
    assert await scalar(connection, other_tenant.tenant_id, "SELECT count(*) FROM invoices") == 1


# -- a person's own data -------------------------------------------------------------------


async def test_a_person_exports_their_own_data(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "viewer")
    response = await member.get("/api/v1/auth/me/export")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["profile"]["id"] == member.user_id and data["profile"]["email"] == member.email
    assert "password_hash" not in data["profile"]
    assert len(data["sessions"]) == 1
    actions = {entry["action"] for entry in data["audit_entries"]}
    assert actions == {"auth.login"}  # what they did; the owner's actions are not theirs

    # An API token acts for the organisation, not as the person who made it.
    token = (await tenant.create("/api/v1/api-tokens", {"name": "CI"}))["token"]
    as_token = {"Authorization": f"Bearer {token}"}
    for method, url, body in (
        ("GET", "/api/v1/auth/me/export", None),
        ("DELETE", "/api/v1/auth/me", {"password": PASSWORD}),
        ("DELETE", "/api/v1/tenants/me", {"password": PASSWORD}),
    ):
        response = await tenant.http.request(method, url, headers=as_token, json=body)
        assert_problem(response, 403, "forbidden")


async def test_a_member_erases_themselves_but_an_owner_cannot(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings
) -> None:
    member = await add_member(connection, settings, tenant, "accountant")
    await member.create("/api/v1/customers", {"name": "Made by member", "state_code": "29"})
    wrong = await member.request("DELETE", "/api/v1/auth/me", json={"password": "wrong"})
    assert_problem(wrong, 401, "unauthorized")

    erased = await member.request("DELETE", "/api/v1/auth/me", json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    assert_problem(await member.get("/api/v1/auth/me"), 401)
    assert await login(member, member.email) == 401
    row = (
        await connection.execute(
            text("SELECT email, full_name, password_hash, is_active FROM users WHERE id = :i"),
            {"i": uuid.UUID(member.user_id)},
        )
    ).one()
    assert row.email.endswith("@erased.invalid") and row.full_name == "Erased user"
    assert row.password_hash is None and row.is_active is False
    customers = (await tenant.get("/api/v1/customers")).json()["items"]
    assert [c["name"] for c in customers] == ["Made by member"]  # their work stays
    trail = (
        await connection.execute(
            text("SELECT action, changes, ip_address FROM audit_logs WHERE user_id = :i"),
            {"i": uuid.UUID(member.user_id)},
        )
    ).all()
    assert {"customer.created", "user.erased"} <= {r.action for r in trail}
    assert all(r.ip_address is None for r in trail)
    assert member.email not in json.dumps([r.changes for r in trail])

    owner = await tenant.request("DELETE", "/api/v1/auth/me", json={"password": PASSWORD})
    body = assert_problem(owner, 409, "conflict")
    assert "owner" in body["detail"]
    assert (await tenant.get("/api/v1/auth/me")).status_code == 200


async def test_the_audit_trail_can_lose_personal_data_but_never_gain_or_change_anything(
    tenant: TenantClient, connection: AsyncConnection
) -> None:
    """``audit_logs_redact`` is the one door into the append-only trail: removals only."""
    await tenant.put("/api/v1/tenants/me", json={"phone": "9876543210"})
    await set_tenant(connection, tenant.tenant_id)
    row = (
        await connection.execute(
            text("SELECT id, changes FROM audit_logs WHERE action = 'tenant.updated'")
        )
    ).one()
    forged = {**row.changes, "after": {"phone": "0000000000"}}
    added = {**row.changes, "note": "rewritten"}
    for changes in (forged, added):
        rows = json.dumps([{"id": str(row.id), "changes": changes, "clear_client": False}])
        redacted = await connection.execute(
            text("SELECT audit_logs_redact(CAST(:rows AS jsonb))"), {"rows": rows}
        )
        assert redacted.scalar() == 0
    async with connection.begin_nested() as savepoint:
        with pytest.raises(DBAPIError):  # the runtime role itself cannot update it at all
            await connection.execute(text("UPDATE audit_logs SET ip_address = NULL"))
        await savepoint.rollback()
    stripped = {"before": row.changes["before"], "after": {}}
    rows = json.dumps([{"id": str(row.id), "changes": stripped, "clear_client": True}])
    done = await connection.execute(
        text("SELECT audit_logs_redact(CAST(:rows AS jsonb))"), {"rows": rows}
    )
    assert done.scalar() == 1
    after = (
        await connection.execute(
            text("SELECT changes, ip_address FROM audit_logs WHERE id = :i"), {"i": row.id}
        )
    ).one()
    assert after.changes == stripped and after.ip_address is None
