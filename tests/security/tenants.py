"""The two tenants of the attack suite: a victim with one of everything, recognisable
wherever it leaks, and the attacker's own documents to attack from."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from app.utils.clock import today_ist
from tests.api.test_credit_notes import create_invoice, credit_balance_setup
from tests.api.test_receipts import KA, MH
from tests.support import TenantClient, new_email

API = "/api/v1"
# Amounts only the victim has: Rs 4,321 at 18% is Rs 5,098.78; Rs 4,300 net of its credit.
VICTIM_AMOUNTS = ("4321.00", "5098.78", "4300.00")
# Required query parameters and a valid value for each (GSTR-1: this month, MMYYYY).
REQUIRED_QUERY: dict[str, Callable[[], str]] = {"period": lambda: today_ist().strftime("%m%Y")}


class Victim:
    """Another tenant with one of everything, all about one customer of one company, and
    a word of its own in every name, so anything of it that leaks can be recognised."""

    def __init__(self, owner: TenantClient) -> None:
        self.owner = owner
        self.word = "Vct" + uuid.uuid4().hex[:8]
        self.created: dict[str, dict[str, Any]] = {}

    async def add(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        item = await self.owner.create(f"{API}/{collection}", body)
        self.created[collection] = item
        return item

    async def populate(self) -> Victim:
        word = self.word
        company = await self.add("companies", {"legal_name": f"{word} Co", "gstin": KA})
        await self.add(
            "document-series",
            {"company_id": company["id"], "document_type": "credit_note", "prefix": "VCT"},
        )
        client_type = await self.add("client-types", {"name": f"{word} type"})
        manager = await self.add("account-managers", {"name": f"{word} manager"})
        service = await self.add(
            "service-types",
            {"name": f"{word} service", "hsn_sac_code": "998314", "default_gst_rate": "18"},
        )
        customer = await self.add(
            "customers",
            {
                "name": f"{word} Buyer",
                "gstin": MH,
                "client_type_id": client_type["id"],
                "account_manager_id": manager["id"],
            },
        )
        line = {
            "description": f"{word} retainer",
            "hsn_sac": "998314",
            "unit_price": "4321",
            "gst_rate": "18",
            "service_type_id": service["id"],
        }
        invoice = await self.add(
            "invoices", {"customer_id": customer["id"], "lines": [line], "issue": True}
        )
        await self.add(
            "receipts",
            {
                "customer_id": customer["id"],
                "amount": "1000",
                "tds_amount": "100",
                "tds_section": "194J",
                "mode": "upi",
                "reference": f"{word}UTR",
                "allocations": [{"invoice_id": invoice["id"], "amount": "1100"}],
            },
        )
        await self.add(
            "credit-notes",
            {
                "invoice_id": invoice["id"],
                "reason": "post_sale_discount",
                "issue": True,
                "lines": [
                    {"invoice_line_item_id": invoice["lines"][0]["id"], "taxable_value": "21"}
                ],
            },
        )
        await self.add("users", {"email": new_email(word.lower()), "role": "viewer"})
        await self.add("api-tokens", {"name": f"{word} CI"})
        return self

    @property
    def ids(self) -> dict[str, str]:
        return {
            "company": self.created["companies"]["id"],
            "customer": self.created["customers"]["id"],
            "invoice": self.created["invoices"]["id"],
            "line": self.created["invoices"]["lines"][0]["id"],
            "client_type": self.created["client-types"]["id"],
            "account_manager": self.created["account-managers"]["id"],
            "service_type": self.created["service-types"]["id"],
            "user": self.owner.user_id,
        }

    def markers(self) -> set[str]:
        ids = {item["id"] for item in self.created.values()}
        return {self.word, *VICTIM_AMOUNTS, self.owner.email, *ids}

    def leaks(self, text: str, sent: str = "") -> list[str]:
        """The victim's markers in ``text``, but those the attacker itself ``sent``."""
        return sorted(m for m in self.markers() if m in text and m not in sent)

    async def snapshot(self) -> dict[str, Any]:
        """Every object as its owner reads it (minus what moves with time)."""
        seen = {}
        for collection, item in self.created.items():
            response = await self.owner.get(f"{API}/{collection}/{item['id']}")
            if response.status_code == 405:  # a collection without a detail view
                continue
            assert response.status_code == 200, response.text
            seen[collection] = {k: v for k, v in response.json().items() if k != "updated_at"}
        return seen


def query_for(app: Any, path: str) -> dict[str, str]:
    operation = app.openapi()["paths"][path]["get"]
    required = [p["name"] for p in operation.get("parameters", []) if p.get("required")]
    return {name: REQUIRED_QUERY[name]() for name in required}


async def own_documents(owner: TenantClient) -> dict[str, Any]:
    """The attacker's own customer, open and draft invoices, receipt and credit balance."""
    customer, _, note = await credit_balance_setup(owner)
    return {
        "customer": customer,
        "note": note,
        "open": await create_invoice(owner, customer),
        "draft": await create_invoice(owner, customer, issue=False),
        "receipt": await owner.create(
            f"{API}/receipts", {"customer_id": customer["id"], "amount": "100", "mode": "upi"}
        ),
    }
