"""API6 Unrestricted Access to Sensitive Business Flows: the product's own flows, abused.

Trial farming: one email is one account and one trial, however it is spelled, and no
request restarts a trial. Double spending (real commits, requests fired together): the
same advance allocated and refunded at once, the same credit balance applied to several
invoices and refunded at once, a credit note voided while it is being applied, and one
password-reset link redeemed twice in parallel. Whatever wins, no money is counted twice.
(Receipts racing over invoices are in ``tests/api/test_receipts.py``; a credit note
racing a payment is in ``tests/api/test_credit_notes.py``.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from app.core.config import Settings
from tests.api.test_auth import link_token, subject, wait_mail
from tests.api.test_credit_notes import create_invoice, credit_balance_setup, line
from tests.api.test_receipts import gather_in_time
from tests.smtp_server import SmtpTestServer
from tests.support import PASSWORD, TenantClient, assert_problem, new_email, register_tenant

API = "/api/v1"
NOTES = f"{API}/credit-notes"
RECEIPTS = f"{API}/receipts"


def signup(email: str) -> dict[str, str]:
    return {"company_name": "Farm", "full_name": "F", "email": email, "password": PASSWORD}


async def test_one_email_is_one_trial_however_it_is_spelled(
    client: httpx.AsyncClient, tenant: TenantClient
) -> None:
    local, domain = tenant.email.split("@")
    spellings = [
        tenant.email,
        tenant.email.upper(),
        f"{local.capitalize()}@{domain.upper()}",
        f" {tenant.email} ",
        f"{tenant.email}\t",
    ]
    for email in spellings:
        response = await client.post(f"{API}/auth/register", json=signup(email))
        assert response.status_code in (409, 422), f"{email!r}: {response.text[:200]}"
        assert_problem(response, response.status_code)
    # A member's address is taken as well: an invitee cannot start a trial of their own.
    invited = await tenant.post(f"{API}/users", json={"email": new_email(), "role": "viewer"})
    assert invited.status_code == 201, invited.text
    email = invited.json()["email"].upper()
    response = await client.post(f"{API}/auth/register", json=signup(email))
    assert_problem(response, 409, "conflict")


async def test_no_request_restarts_or_extends_a_trial(tenant: TenantClient) -> None:
    before = (await tenant.get(f"{API}/tenants/subscription")).json()
    attempts = [
        ("PUT", f"{API}/tenants/me", {"trial_end_date": "2099-12-31"}),
        ("PUT", f"{API}/tenants/me", {"is_trial_used": False}),
        ("POST", f"{API}/tenants/upgrade", {"plan": "trial", "payment_reference": "UTR1"}),
        ("POST", f"{API}/tenants/upgrade", {"plan": "yearly", "payment_reference": "UTR1",
                                            "trial_end_date": "2099-12-31"}),
    ]  # fmt: skip
    for method, url, body in attempts:
        response = await tenant.request(method, url, json=body)
        assert_problem(response, 422, "validation-error")
    cancelled = await tenant.post(f"{API}/tenants/cancel")
    after = (await tenant.get(f"{API}/tenants/subscription")).json()
    assert after["trial_end_date"] == before["trial_end_date"], (cancelled.text, after)


async def live_customer(owner: TenantClient) -> tuple[dict[str, Any], dict[str, Any]]:
    customer, _, note = await credit_balance_setup(owner)  # a credit balance of Rs 2,360
    return customer, note


async def test_an_advance_cannot_be_allocated_and_refunded_at_once(
    live_client: httpx.AsyncClient,
) -> None:
    owner = await register_tenant(live_client)
    customer, _ = await live_customer(owner)
    invoices = [await create_invoice(owner, customer, [line("1000")]) for _ in range(3)]  # 1,180
    receipt = await owner.create(
        RECEIPTS, {"customer_id": customer["id"], "amount": "1180", "mode": "upi"}
    )
    url = f"{RECEIPTS}/{receipt['id']}"
    calls = [
        owner.post(f"{url}/refund", json={"amount": "1180", "mode": "upi"}),
        *(
            owner.post(
                f"{url}/allocate",
                json={"allocations": [{"invoice_id": invoice["id"], "amount": "1180"}]},
            )
            for invoice in invoices
        ),
        owner.post(f"{url}/refund", json={"amount": "1180", "mode": "cash"}),
    ]
    responses = await gather_in_time(*calls)
    wins = [r for r in responses if r.status_code in (200, 201)]
    assert len(wins) == 1, [(r.status_code, r.text[:100]) for r in responses]
    for response in responses:
        if response not in wins:
            assert_problem(response, 409)
    stored = (await owner.get(url)).json()
    allocated, refunded = Decimal(stored["amount_allocated"]), Decimal(stored["amount_refunded"])
    assert allocated + refunded == Decimal("1180"), stored
    paid = [Decimal((await owner.get(f"{API}/invoices/{i['id']}")).json()["amount_paid"])
            for i in invoices]  # fmt: skip
    assert sum(paid) == allocated


async def test_one_credit_balance_is_never_spent_twice(live_client: httpx.AsyncClient) -> None:
    owner = await register_tenant(live_client)
    customer, note = await live_customer(owner)
    invoices = [await create_invoice(owner, customer, [line("1000")]) for _ in range(4)]  # 1,180
    url = f"{NOTES}/{note['id']}"
    calls = [
        *(owner.post(f"{url}/apply", json={"invoice_id": i["id"], "amount": "1180"})
          for i in invoices),
        owner.post(f"{url}/refund", json={"amount": "1180", "mode": "upi"}),
        owner.post(f"{url}/refund", json={"amount": "1180", "mode": "cash"}),
    ]  # fmt: skip
    responses = await gather_in_time(*calls)
    wins = [r for r in responses if r.status_code in (200, 201)]
    assert len(wins) == 2, [(r.status_code, r.text[:100]) for r in responses]  # 2 x 1,180
    for response in responses:
        if response not in wins:
            assert_problem(response, 409, "over-allocation")
    stored = (await owner.get(url)).json()
    assert stored["credit_balance"] == "0.00", stored
    applied_wins = sum(1 for r in wins if "/apply" in str(r.request.url))
    credited = [
        Decimal((await owner.get(f"{API}/invoices/{i['id']}")).json()["amount_credited"])
        for i in invoices
    ]
    assert sum(credited) == Decimal("1180") * applied_wins  # what the invoices received
    refunds = [r.json() for r in wins if "/refund" in str(r.request.url)]
    assert sum(Decimal(r["amount"]) for r in refunds) == Decimal("1180") * (2 - applied_wins)


async def test_a_credit_note_is_not_voided_while_its_credit_is_spent(
    live_client: httpx.AsyncClient,
) -> None:
    owner = await register_tenant(live_client)
    customer, note = await live_customer(owner)
    invoice = await create_invoice(owner, customer, [line("1000")])  # 1,180
    url = f"{NOTES}/{note['id']}"
    applied, voided = await gather_in_time(
        owner.post(f"{url}/apply", json={"invoice_id": invoice["id"], "amount": "1180"}),
        owner.post(f"{url}/void", json={"reason": "Raised in error"}),
    )
    assert [applied.status_code, voided.status_code].count(200) == 1, (applied.text, voided.text)
    state = (await owner.get(f"{API}/invoices/{invoice['id']}")).json()
    stored = (await owner.get(url)).json()
    if voided.status_code == 200:
        assert stored["status"] == "void"
        assert state["amount_credited"] == "0.00", state
    else:
        assert_problem(voided, 409)
        assert stored["status"] != "void"
        assert state["amount_credited"] == "1180.00", state


async def test_a_reset_link_redeemed_twice_at_once_works_once(
    live_client: httpx.AsyncClient, settings: Settings, smtp: SmtpTestServer
) -> None:
    owner = await register_tenant(live_client)
    await live_client.post(f"{API}/auth/forgot-password", json={"email": owner.email})
    [message] = await wait_mail(smtp, owner.email, subject(settings, "reset"))
    token = link_token(message, f"{settings.FRONTEND_URL}/reset-password")
    passwords = [f"new-passphrase-number-{n}" for n in range(5)]
    responses = await gather_in_time(
        *(
            live_client.post(
                f"{API}/auth/reset-password", json={"token": token, "new_password": password}
            )
            for password in passwords
        )
    )
    winners = [p for p, r in zip(passwords, responses, strict=True) if r.status_code == 200]
    assert len(winners) == 1, [(r.status_code, r.text[:100]) for r in responses]
    for response in responses:
        if response.status_code != 200:
            assert response.status_code == 400, response.text
    for password in passwords:
        login = await live_client.post(
            f"{API}/auth/login", json={"email": owner.email, "password": password}
        )
        assert login.status_code == (200 if password in winners else 401)
