"""Dashboard and reports against one hand-computed October 2025, to the paisa.

The firm (Maharashtra, 27AAPFU0939F1ZV, round-off off so that Rs 1,00,000.01 can exist)
bills five customers:

  A  Rao Infotech    registered 29 (inter-state)   Enterprise / Meera
  B  Patil Traders   registered 27 (intra-state)   Enterprise / Arjun
  C  Kiran Stores    unregistered 29               Retail / Meera
  D  Walk-in Pune    unregistered 27               -
  E  Acme Inc        overseas (US), exports under LUT

Invoices (IGST 18% unless said; due dates chosen for the aging buckets):

  I0  A 2025-09-25 due 09-30  998314 10,000                         11,800.00  (September)
  I1  A 2025-10-03 due 11-15  998311 10 x 5,000 + 8471 2 x 30,000
                              + 4901 100 x 250 at 5%: taxable 135,000  156,050.00
  I2  B 2025-10-05 due 10-20  998311 10 x 1,000, CGST 900 + SGST 900    11,800.00
  I3  C 2025-10-08 due 12-31  8471 84,745.76 + IGST 15,254.24          100,000.00  B2CS
  I4  C 2025-10-09 due 12-30  8471 84,745.77 + IGST 15,254.24          100,000.01  B2CL
  I5  D 2025-10-10 due 10-25  4901 20 x 250 at 5%: CGST 125 + SGST 125  5,250.00
  I6  E 2025-10-02 due 10-02  998311 20 x 2,000 under LUT, no tax       40,000.00  EXP
  I7  B 2025-10-12            void                                      (cancelled)
  I8  A 2025-11-03 due 2026-01-15  998311 2 x 5,000                     11,800.00  (November)
  and a draft for D (never counted).

Credit notes: N1 on I1 (8471, value 10,000 -> 11,800, CDNR), N2 on I4 (1,000 -> 1,180,
CDNUR B2CL), N3 on I5 (4 manuals: 1,000 -> 1,050, nets B2CS), N4 on I6 (2,000, CDNUR
EXPWOP), N5 on I2 (500) voided.

Receipts: R1 B 10-15 10,800 + TDS 1,000 (194J) pays I2; R2 D 10-25 4,200 pays I5;
R3 A 10-28 1,00,000 + TDS 13,500 (194J) on I1; R5 C 10-30 2,000 + TDS 40 (194C)
unallocated, 500 refunded on 10-31; R4 A 11-10 5,000 on I0; R6 D 10-29 999 deleted.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.schemas.reports import AgingOut
from app.utils.gst import gstin_check_character
from tests.support import TenantClient, add_member, assert_problem

OCT = {"from": "2025-10-01", "to": "2025-10-31"}
COMPANY_GSTIN = "27AAPFU0939F1ZV"
KA_GSTIN = "29AABCR1718E1ZL"
MH_GSTIN = "27AAACP1234C1Z" + gstin_check_character("27AAACP1234C1Z")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    company: str
    customers: dict[str, str] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)


def line(description: str, hsn: str, quantity: str, price: str, rate: str = "18") -> dict[str, Any]:
    return {
        "description": description,
        "hsn_sac": hsn,
        "quantity": quantity,
        "unit_price": price,
        "gst_rate": rate,
    }


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def get(owner: TenantClient, url: str, **params: str) -> Any:
    return await ok(await owner.get(url, params=params))


async def seed(owner: TenantClient) -> World:
    settings = await owner.put("/api/v1/gst-settings", json={"apply_round_off": False})
    assert settings.status_code == 200, settings.text
    company = await owner.create(
        "/api/v1/companies", {"legal_name": "Sharma Digital LLP", "gstin": COMPANY_GSTIN}
    )
    world = World(company=company["id"])
    for key, name in (("enterprise", "Enterprise"), ("retail", "Retail")):
        world.groups[key] = (await owner.create("/api/v1/client-types", {"name": name}))["id"]
    for key, name in (("meera", "Meera Nair"), ("arjun", "Arjun Rao")):
        world.groups[key] = (await owner.create("/api/v1/account-managers", {"name": name}))["id"]
    customers = {
        "A": {
            "name": "Rao Infotech",
            "gstin": KA_GSTIN,
            "client_type_id": world.groups["enterprise"],
            "account_manager_id": world.groups["meera"],
        },
        "B": {
            "name": "Patil Traders",
            "gstin": MH_GSTIN,
            "client_type_id": world.groups["enterprise"],
            "account_manager_id": world.groups["arjun"],
        },
        "C": {
            "name": "Kiran Stores",
            "state_code": "29",
            "client_type_id": world.groups["retail"],
            "account_manager_id": world.groups["meera"],
        },
        "D": {"name": "Walk-in Pune", "state_code": "27"},
        "E": {"name": "Acme Inc", "gst_treatment": "overseas", "country_code": "US"},
    }
    for key, body in customers.items():
        world.customers[key] = (await owner.create("/api/v1/customers", body))["id"]

    async def invoice(
        key: str, customer: str, on: str, due: str, *lines: Any, **extra: Any
    ) -> None:
        body = {
            "customer_id": world.customers[customer],
            "invoice_date": on,
            "due_date": due,
            "lines": list(lines),
            "issue": True,
            **extra,
        }
        world.invoices[key] = await owner.create("/api/v1/invoices", body)

    consulting = line("Consulting", "998311", "10", "5000")
    laptop = line("Laptop", "8471", "2", "30000")
    manuals = line("Printed manuals", "4901", "100", "250", rate="5")
    await invoice("I0", "A", "2025-09-25", "2025-09-30", line("Hosting", "998314", "1", "10000"))
    await invoice("I1", "A", "2025-10-03", "2025-11-15", consulting, laptop, manuals)
    await invoice("I2", "B", "2025-10-05", "2025-10-20", line("Consulting", "998311", "10", "1000"))
    await invoice("I3", "C", "2025-10-08", "2025-12-31", line("Laptop", "8471", "1", "84745.76"))
    await invoice("I4", "C", "2025-10-09", "2025-12-30", line("Laptop", "8471", "1", "84745.77"))
    await invoice(
        "I5", "D", "2025-10-10", "2025-10-25", line("Printed manuals", "4901", "20", "250", "5")
    )
    await invoice(
        "I6",
        "E",
        "2025-10-02",
        "2025-10-02",
        line("Consulting", "998311", "20", "2000"),
        zero_rated_mode="lut",
        lut_reference="AD270325000123X",
    )
    await invoice("I7", "B", "2025-10-12", "2025-10-27", line("Consulting", "998311", "1", "1000"))
    await ok(
        await owner.post(
            f"/api/v1/invoices/{world.invoices['I7']['id']}/void", json={"reason": "Raised twice"}
        )
    )
    await invoice("I8", "A", "2025-11-03", "2026-01-15", line("Consulting", "998311", "2", "5000"))
    draft = await owner.create(
        "/api/v1/invoices",
        {
            "customer_id": world.customers["D"],
            "invoice_date": "2025-10-15",
            "lines": [line("Draft", "998311", "1", "999")],
        },
    )
    assert draft["status"] == "draft"
    expected = {
        "I0": "11800.00",
        "I1": "156050.00",
        "I2": "11800.00",
        "I3": "100000.00",
        "I4": "100000.01",
        "I5": "5250.00",
        "I6": "40000.00",
        "I8": "11800.00",
    }
    assert {k: world.invoices[k]["grand_total"] for k in expected} == expected

    async def note(key: str, invoice_key: str, on: str, position: int, **measure: str) -> None:
        lines = world.invoices[invoice_key]["lines"]
        body = {
            "invoice_id": world.invoices[invoice_key]["id"],
            "credit_note_date": on,
            "reason": "post_sale_discount" if "taxable_value" in measure else "sales_return",
            "issue": True,
            "lines": [{"invoice_line_item_id": lines[position]["id"], **measure}],
        }
        world.notes[key] = await owner.create("/api/v1/credit-notes", body)

    await note("N1", "I1", "2025-10-18", 1, taxable_value="10000")
    await note("N2", "I4", "2025-10-20", 0, taxable_value="1000")
    await note("N3", "I5", "2025-10-22", 0, quantity="4")
    await note("N4", "I6", "2025-10-24", 0, taxable_value="2000")
    await note("N5", "I2", "2025-10-26", 0, taxable_value="500")
    await ok(
        await owner.post(
            f"/api/v1/credit-notes/{world.notes['N5']['id']}/void", json={"reason": "Not agreed"}
        )
    )
    totals = {k: world.notes[k]["grand_total"] for k in ("N1", "N2", "N3", "N4")}
    assert totals == {"N1": "11800.00", "N2": "1180.00", "N3": "1050.00", "N4": "2000.00"}

    async def receipt(key: str, customer: str, on: str, amount: str, **extra: Any) -> None:
        body = {
            "customer_id": world.customers[customer],
            "receipt_date": on,
            "amount": amount,
            "mode": "bank_transfer",
            **extra,
        }
        world.receipts[key] = await owner.create("/api/v1/receipts", body)

    def pay(invoice_key: str, amount: str) -> list[dict[str, str]]:
        return [{"invoice_id": world.invoices[invoice_key]["id"], "amount": amount}]

    await receipt(
        "R1",
        "B",
        "2025-10-15",
        "10800",
        tds_amount="1000",
        tds_section="194J",
        allocations=pay("I2", "11800"),
    )
    await receipt("R2", "D", "2025-10-25", "4200", allocations=pay("I5", "4200"))
    await receipt(
        "R3",
        "A",
        "2025-10-28",
        "100000",
        tds_amount="13500",
        tds_section="194J",
        allocations=pay("I1", "113500"),
    )
    await receipt(
        "R5", "C", "2025-10-30", "2000", tds_amount="40", tds_section="194C", reference="CASH-1"
    )
    await ok(
        await owner.post(
            f"/api/v1/receipts/{world.receipts['R5']['id']}/refund",
            json={"amount": "500", "mode": "cash", "refund_date": "2025-10-31"},
        ),
        201,
    )
    await receipt("R4", "A", "2025-11-10", "5000", allocations=pay("I0", "5000"))
    await receipt("R6", "D", "2025-10-29", "999")
    await ok(await owner.delete(f"/api/v1/receipts/{world.receipts['R6']['id']}"), 204)
    return world


async def other_firm_bills_october(other: TenantClient) -> None:
    """Noise in another tenant: none of it may show in the first tenant's reports."""
    await other.create("/api/v1/companies", {"legal_name": "Other Firm", "gstin": KA_GSTIN})
    customer = await other.create("/api/v1/customers", {"name": "Other Buyer", "state_code": "29"})
    await other.create(
        "/api/v1/invoices",
        {
            "customer_id": customer["id"],
            "invoice_date": "2025-10-05",
            "lines": [line("Other", "998311", "1", "777")],
            "issue": True,
        },
    )


@pytest.fixture
async def world(tenant: TenantClient, other_tenant: TenantClient) -> World:
    await other_firm_bills_october(other_tenant)
    return await seed(tenant)


def D(value: Any) -> Decimal:
    return Decimal(str(value))


# --------------------------------------------------------------------------- dashboard


async def test_dashboard_metrics_for_october(tenant: TenantClient, world: World) -> None:
    m = await get(tenant, "/api/v1/dashboard/metrics", **OCT)
    assert (m["date_from"], m["date_to"], m["company_id"]) == ("2025-10-01", "2025-10-31", None)
    assert m["invoiced"] == {"count": 6, "taxable": "359491.53", "gross": "413100.01"}
    assert m["gst"] == {
        "cgst": "1025.00",
        "sgst": "1025.00",
        "utgst": "0.00",
        "igst": "51558.48",
        "cess": "0.00",
        "total": "53608.48",
    }
    assert m["collected"] == {
        "count": 4,
        "amount": "117000.00",
        "tds": "14540.00",
        "total": "131540.00",
    }
    assert m["credit_notes"] == {
        "count": 4,
        "taxable": "14000.00",
        "tax": "2030.00",
        "total": "16030.00",
    }
    assert m["refunds"] == {"count": 1, "amount": "500.00"}
    # Today is long after every due date: all that is open is overdue.
    assert m["outstanding"] == {"amount": "286170.01", "count": 6}
    assert m["overdue"] == {"amount": "286170.01", "count": 6}
    assert m["customers_billed"] == 5
    # I2: 5 -> 15 October (10 days); I5: 10 -> 25 October (15 days).
    assert (m["paid_invoices"], m["average_days_to_pay"]) == (2, "12.5")
    names = {v: k for k, v in world.customers.items()}
    assert [(names[t["customer_id"]], t["revenue"]) for t in m["top_customers_by_revenue"]] == [
        ("C", "168491.53"),
        ("A", "125000.00"),
        ("E", "38000.00"),
        ("B", "10000.00"),
        ("D", "4000.00"),
    ]
    assert m["top_customers_by_revenue"][1] == {
        "customer_id": world.customers["A"],
        "name": "Rao Infotech",
        "invoiced": "135000.00",
        "credited": "10000.00",
        "revenue": "125000.00",
    }
    owing = [
        (names[t["customer_id"]], t["amount"], t["count"])
        for t in m["top_customers_by_outstanding"]
    ]
    assert owing == [("C", "198820.01", 2), ("A", "49350.00", 3), ("E", "38000.00", 1)]

    # The outstanding figure is the documents' own: the open invoices' amounts due.
    listed = await get(tenant, "/api/v1/invoices", page_size="100")
    open_due = sum(
        (
            D(i["amount_due"])
            for i in listed["items"]
            if i["status"] in ("issued", "partially_paid")
        ),
        Decimal(0),
    )
    assert open_due == Decimal("286170.01")

    # Same figures for the company itself; another company of the firm has none.
    same = await get(tenant, "/api/v1/dashboard/metrics", company_id=world.company, **OCT)
    assert same["invoiced"] == m["invoiced"] and same["outstanding"] == m["outstanding"]
    branch = await tenant.create(
        "/api/v1/companies", {"legal_name": "Sharma Digital Branch", "state_code": "29"}
    )
    empty = await get(tenant, "/api/v1/dashboard/metrics", company_id=branch["id"], **OCT)
    assert empty["invoiced"] == {"count": 0, "taxable": "0.00", "gross": "0.00"}
    assert (empty["outstanding"], empty["average_days_to_pay"]) == (
        {"amount": "0.00", "count": 0},
        None,
    )
    assert empty["top_customers_by_revenue"] == []

    # The financial year 2025-26 holds September to November too.
    year = await get(tenant, "/api/v1/dashboard/metrics", fy="2025-26")
    assert (year["date_from"], year["date_to"]) == ("2025-04-01", "2026-03-31")
    assert year["invoiced"] == {"count": 8, "taxable": "379491.53", "gross": "436700.01"}
    assert year["collected"]["total"] == "136540.00"


async def test_revenue_chart_fills_empty_periods(tenant: TenantClient, world: World) -> None:
    chart = await get(
        tenant,
        "/api/v1/dashboard/revenue-chart",
        interval="month",
        **{"from": "2025-08-01", "to": "2025-12-31"},
    )
    assert chart["interval"] == "month"
    assert [
        (p["period_start"], p["invoiced"], p["collected"], p["credited"]) for p in chart["series"]
    ] == [
        ("2025-08-01", "0.00", "0.00", "0.00"),
        ("2025-09-01", "11800.00", "0.00", "0.00"),
        ("2025-10-01", "413100.01", "131540.00", "16030.00"),
        ("2025-11-01", "11800.00", "5000.00", "0.00"),
        ("2025-12-01", "0.00", "0.00", "0.00"),
    ]
    weeks = await get(tenant, "/api/v1/dashboard/revenue-chart", interval="week", **OCT)
    starts = [p["period_start"] for p in weeks["series"]]
    assert starts == ["2025-09-29", "2025-10-06", "2025-10-13", "2025-10-20", "2025-10-27"]
    assert sum((D(p["invoiced"]) for p in weeks["series"]), Decimal(0)) == Decimal("413100.01")
    days = await get(
        tenant,
        "/api/v1/dashboard/revenue-chart",
        interval="day",
        **{"from": "2025-10-01", "to": "2025-10-03"},
    )
    assert [(p["period_start"], p["invoiced"]) for p in days["series"]] == [
        ("2025-10-01", "0.00"),
        ("2025-10-02", "40000.00"),
        ("2025-10-03", "156050.00"),
    ]
    # Default: this financial year, by month (twelve points).
    default = await get(tenant, "/api/v1/dashboard/revenue-chart")
    assert len(default["series"]) == 12 and default["series"][0]["period_start"].endswith("-04-01")
    too_long = await tenant.get(
        "/api/v1/dashboard/revenue-chart",
        params={"interval": "day", "from": "2020-01-01", "to": "2025-12-31"},
    )
    assert_problem(too_long, 422, "validation-error")


async def test_aging_buckets_follow_due_dates(tenant: TenantClient, world: World) -> None:
    aging = await get(tenant, "/api/v1/dashboard/aging-analysis", as_of="2025-12-31")
    bucket = {"amount": "0.00", "count": 0}
    assert aging["total"] == {
        "not_due": {"amount": "111800.00", "count": 2},  # I3 due that day, I8 due 2026
        "1_30": {"amount": "98820.01", "count": 1},  # I4, 1 day late
        "31_60": {"amount": "30750.00", "count": 1},  # I1, 46 days
        "61_90": {"amount": "38000.00", "count": 1},  # I6, exactly 90 days
        "over_90": {"amount": "6800.00", "count": 1},  # I0, 92 days
        "total": {"amount": "286170.01", "count": 6},
    }
    by_customer = {c["customer_id"]: c for c in aging["customers"]}
    assert list(by_customer) == [world.customers[k] for k in ("C", "A", "E")]
    assert by_customer[world.customers["A"]] | {"customer_id": None} == {
        "customer_id": None,
        "name": "Rao Infotech",
        "not_due": {"amount": "11800.00", "count": 1},
        "1_30": bucket,
        "31_60": {"amount": "30750.00", "count": 1},
        "61_90": bucket,
        "over_90": {"amount": "6800.00", "count": 1},
        "total": {"amount": "49350.00", "count": 3},
    }
    # At the end of October: I8 was not issued yet, everything else is younger.
    october = await get(tenant, "/api/v1/dashboard/aging-analysis", as_of="2025-10-31")
    assert october["total"]["total"] == {"amount": "274370.01", "count": 5}
    assert october["total"]["1_30"] == {"amount": "38000.00", "count": 1}  # I6, 29 days
    assert october["total"]["31_60"] == {"amount": "6800.00", "count": 1}  # I0, 31 days
    assert october["total"]["not_due"] == {"amount": "229570.01", "count": 3}


async def test_aging_is_written_exactly_as_its_model_would_write_it(
    tenant: TenantClient, world: World
) -> None:
    # The service writes the JSON itself (for speed); the model is the contract.
    for query in ({"as_of": "2025-12-31"}, {"as_of": "2025-10-31", "company_id": world.company}):
        response = await tenant.get("/api/v1/dashboard/aging-analysis", params=query)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        model = AgingOut.model_validate_json(response.content)
        assert len(model.customers) >= 1
        assert response.content == model.model_dump_json(by_alias=True).encode()


# --------------------------------------------------------------------------- registers


async def test_sales_register_and_summaries(tenant: TenantClient, world: World) -> None:
    reg = await get(tenant, "/api/v1/reports/sales-register", **OCT)
    numbers = [(r["doc_type"], r["number"]) for r in reg["rows"]]
    inv = {k: world.invoices[k]["number"] for k in world.invoices}
    cn = {k: world.notes[k]["number"] for k in world.notes}
    assert numbers == [
        ("invoice", inv["I6"]),
        ("invoice", inv["I1"]),
        ("invoice", inv["I2"]),
        ("invoice", inv["I3"]),
        ("invoice", inv["I4"]),
        ("invoice", inv["I5"]),
        ("credit_note", cn["N1"]),
        ("credit_note", cn["N2"]),
        ("credit_note", cn["N3"]),
        ("credit_note", cn["N4"]),
    ]
    first = reg["rows"][1]
    assert (first["customer_name"], first["gstin"], first["place_of_supply"]) == (
        "Rao Infotech",
        KA_GSTIN,
        "29",
    )
    assert (first["place_of_supply_name"], first["supply_type"], first["document_date"]) == (
        "Karnataka",
        "inter_state",
        "2025-10-03",
    )
    assert (first["taxable_value"], first["igst"], first["total"]) == (
        "135000.00",
        "21050.00",
        "156050.00",
    )
    note = reg["rows"][6]
    assert (note["against_invoice"], note["taxable_value"], note["igst"], note["total"]) == (
        inv["I1"],
        "-10000.00",
        "-1800.00",
        "-11800.00",
    )
    assert reg["totals"] == {
        "invoices": 6,
        "credit_notes": 4,
        "taxable_value": "345491.53",
        "cgst": "1000.00",
        "sgst": "1000.00",
        "utgst": "0.00",
        "igst": "49578.48",
        "cess": "0.00",
        "round_off": "0.00",
        "total": "397070.01",
    }

    summary = await get(tenant, "/api/v1/reports/gst-summary", **OCT)
    rows = [
        (
            r["gst_rate"],
            r["supply_type"],
            r["zero_rated"],
            r["taxable_value"],
            r["cgst"],
            r["sgst"],
            r["igst"],
        )
        for r in summary["rows"]
    ]
    assert rows == [
        ("5", "inter_state", "none", "25000.00", "0.00", "0.00", "1250.00"),
        ("5", "intra_state", "none", "4000.00", "100.00", "100.00", "0.00"),
        ("18", "export", "lut", "38000.00", "0.00", "0.00", "0.00"),
        ("18", "inter_state", "none", "268491.53", "0.00", "0.00", "48328.48"),
        ("18", "intra_state", "none", "10000.00", "900.00", "900.00", "0.00"),
    ]
    assert summary["totals"] == {
        "taxable_value": "345491.53",
        "cgst": "1000.00",
        "sgst": "1000.00",
        "utgst": "0.00",
        "igst": "49578.48",
        "cess": "0.00",
        "total_tax": "51578.48",
    }

    hsn = await get(tenant, "/api/v1/reports/hsn-summary", **OCT)
    assert [
        (
            r["hsn_sac"],
            r["description"],
            r["uqc"],
            r["gst_rate"],
            r["quantity"],
            r["taxable_value"],
            r["igst"],
            r["cgst"],
        )
        for r in hsn["rows"]
    ] == [
        ("4901", "Printed manuals", "NOS", "5", "116", "29000.00", "1250.00", "100.00"),
        ("8471", "Laptop", "NOS", "18", "4", "218491.53", "39328.48", "0.00"),
        ("998311", "Consulting", "NOS", "18", "40", "98000.00", "9000.00", "900.00"),
    ]
    assert (hsn["totals"]["taxable_value"], hsn["totals"]["total_value"]) == (
        "345491.53",
        "397070.01",
    )


async def test_gstr1_sections_and_reconciliation(tenant: TenantClient, world: World) -> None:
    response = await tenant.get("/api/v1/reports/gstr1", params={"period": "102025"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "GSTR1_27AAPFU0939F1ZV_102025.json" in response.headers["content-disposition"]
    # Amounts are JSON numbers written digit for digit, with two decimals.
    assert '"val":100000.01' in response.text and '"txval":84745.77' in response.text
    g = json.loads(response.text, parse_float=Decimal)
    inv = {k: world.invoices[k]["number"] for k in world.invoices}
    cn = {k: world.notes[k]["number"] for k in world.notes}
    assert (g["gstin"], g["fp"]) == (COMPANY_GSTIN, "102025")
    assert set(g) == {
        "gstin",
        "fp",
        "b2b",
        "b2cl",
        "b2cs",
        "cdnr",
        "cdnur",
        "exp",
        "hsn",
        "doc_issue",
    }

    assert [b["ctin"] for b in g["b2b"]] == [MH_GSTIN, KA_GSTIN]
    assert g["b2b"][0]["inv"] == [
        {
            "inum": inv["I2"],
            "idt": "05-10-2025",
            "val": Decimal("11800.00"),
            "pos": "27",
            "rchrg": "N",
            "inv_typ": "R",
            "itms": [
                {
                    "num": 1801,
                    "itm_det": {
                        "txval": Decimal("10000.00"),
                        "rt": 18,
                        "iamt": Decimal("0.00"),
                        "camt": Decimal("900.00"),
                        "samt": Decimal("900.00"),
                        "csamt": Decimal("0.00"),
                    },
                }
            ],
        }
    ]
    (i1,) = g["b2b"][1]["inv"]
    assert (i1["inum"], i1["idt"], i1["val"], i1["pos"]) == (
        inv["I1"],
        "03-10-2025",
        Decimal("156050.00"),
        "29",
    )
    assert [
        (i["num"], i["itm_det"]["rt"], i["itm_det"]["txval"], i["itm_det"]["iamt"])
        for i in i1["itms"]
    ] == [
        (501, 5, Decimal("25000.00"), Decimal("1250.00")),
        (1801, 18, Decimal("110000.00"), Decimal("19800.00")),
    ]

    # Rs 1,00,000.00 is not above the limit (B2CS); Rs 1,00,000.01 is (B2CL).
    assert g["b2cl"] == [
        {
            "pos": "29",
            "inv": [
                {
                    "inum": inv["I4"],
                    "idt": "09-10-2025",
                    "val": Decimal("100000.01"),
                    "itms": [
                        {
                            "num": 1801,
                            "itm_det": {
                                "txval": Decimal("84745.77"),
                                "rt": 18,
                                "iamt": Decimal("15254.24"),
                                "csamt": Decimal("0.00"),
                            },
                        }
                    ],
                }
            ],
        }
    ]
    assert g["b2cs"] == [
        {
            "sply_ty": "INTRA",
            "pos": "27",
            "typ": "OE",
            "rt": 5,
            "txval": Decimal("4000.00"),  # I5 less N3
            "camt": Decimal("100.00"),
            "samt": Decimal("100.00"),
            "csamt": Decimal("0.00"),
        },
        {
            "sply_ty": "INTER",
            "pos": "29",
            "typ": "OE",
            "rt": 18,
            "txval": Decimal("84745.76"),  # I3
            "iamt": Decimal("15254.24"),
            "csamt": Decimal("0.00"),
        },
    ]
    assert g["cdnr"] == [
        {
            "ctin": KA_GSTIN,
            "nt": [
                {
                    "ntty": "C",
                    "nt_num": cn["N1"],
                    "nt_dt": "18-10-2025",
                    "val": Decimal("11800.00"),
                    "pos": "29",
                    "rchrg": "N",
                    "inv_typ": "R",
                    "itms": [
                        {
                            "num": 1801,
                            "itm_det": {
                                "txval": Decimal("10000.00"),
                                "rt": 18,
                                "iamt": Decimal("1800.00"),
                                "camt": Decimal("0.00"),
                                "samt": Decimal("0.00"),
                                "csamt": Decimal("0.00"),
                            },
                        }
                    ],
                }
            ],
        }
    ]
    assert [(n["nt_num"], n["typ"], n.get("pos"), n["val"]) for n in g["cdnur"]] == [
        (cn["N2"], "B2CL", "29", Decimal("1180.00")),
        (cn["N4"], "EXPWOP", None, Decimal("2000.00")),
    ]
    assert g["cdnur"][1]["itms"] == [
        {
            "num": 1801,
            "itm_det": {
                "txval": Decimal("2000.00"),
                "rt": 18,
                "iamt": Decimal("0.00"),
                "csamt": Decimal("0.00"),
            },
        }
    ]
    assert g["exp"] == [
        {
            "exp_typ": "WOPAY",
            "inv": [
                {
                    "inum": inv["I6"],
                    "idt": "02-10-2025",
                    "val": Decimal("40000.00"),
                    "itms": [
                        {
                            "txval": Decimal("40000.00"),
                            "rt": 18,
                            "iamt": Decimal("0.00"),
                            "csamt": Decimal("0.00"),
                        }
                    ],
                }
            ],
        }
    ]
    assert [
        (h["num"], h["hsn_sc"], h["desc"], h["uqc"], h["qty"], h["rt"], h["txval"])
        for h in g["hsn"]["data"]
    ] == [
        (1, "4901", "Printed manuals", "NOS", Decimal("116.00"), 5, Decimal("29000.00")),
        (2, "8471", "Laptop", "NOS", Decimal("4.00"), 18, Decimal("218491.53")),
        (3, "998311", "Consulting", "NA", Decimal("0.00"), 18, Decimal("98000.00")),
    ]
    assert g["doc_issue"] == {
        "doc_det": [
            {
                "doc_num": 1,
                "doc_typ": "Invoices for outward supply",
                "docs": [
                    {
                        "num": 1,
                        "from": inv["I1"],
                        "to": inv["I7"],
                        "totnum": 7,
                        "cancel": 1,
                        "net_issue": 6,
                    }
                ],
            },
            {
                "doc_num": 5,
                "doc_typ": "Credit Note",
                "docs": [
                    {
                        "num": 1,
                        "from": cn["N1"],
                        "to": cn["N5"],
                        "totnum": 5,
                        "cancel": 1,
                        "net_issue": 4,
                    }
                ],
            },
        ]
    }

    # Every section together equals the sales register of the month, to the paisa.
    heads = ("txval", "iamt", "camt", "samt", "csamt")

    def add(into: dict[str, Decimal], amounts: dict[str, Any], sign: int) -> None:
        for head in heads:
            into[head] += sign * amounts.get(head, Decimal(0))

    filed = dict.fromkeys(heads, Decimal(0))
    for party in g["b2b"]:
        for doc in party["inv"]:
            for item in doc["itms"]:
                add(filed, item["itm_det"], 1)
    for place in g["b2cl"]:
        for doc in place["inv"]:
            for item in doc["itms"]:
                add(filed, item["itm_det"], 1)
    for kind in g["exp"]:
        for doc in kind["inv"]:
            for item in doc["itms"]:
                add(filed, item, 1)
    for row in g["b2cs"]:
        add(filed, row, 1)
    for party in g["cdnr"]:
        for doc in party["nt"]:
            for item in doc["itms"]:
                add(filed, item["itm_det"], -1)
    for doc in g["cdnur"]:
        for item in doc["itms"]:
            add(filed, item["itm_det"], -1)
    register = (await get(tenant, "/api/v1/reports/sales-register", **OCT))["totals"]
    assert filed == {
        "txval": D(register["taxable_value"]),
        "iamt": D(register["igst"]),
        "camt": D(register["cgst"]),
        "samt": D(register["sgst"]) + D(register["utgst"]),
        "csamt": D(register["cess"]),
    }
    assert filed["txval"] == Decimal("345491.53")
    hsn_total = sum((h["txval"] for h in g["hsn"]["data"]), Decimal(0))
    assert hsn_total == filed["txval"]

    # The company by id gives the same return; a month without documents has no sections.
    by_id = await tenant.get(
        "/api/v1/reports/gstr1", params={"period": "102025", "company_id": world.company}
    )
    assert by_id.text == response.text
    quiet = json.loads(
        (await tenant.get("/api/v1/reports/gstr1", params={"period": "122025"})).text
    )
    assert quiet == {"gstin": COMPANY_GSTIN, "fp": "122025"}


async def test_receivables_receipts_and_tds(tenant: TenantClient, world: World) -> None:
    rec = await get(tenant, "/api/v1/reports/receivables", as_of="2025-12-31")
    names = {v: k for k, v in world.customers.items()}
    assert [
        (names[r["customer_id"]], r["outstanding"], r["open_invoices"], r["net_receivable"])
        for r in rec["rows"]
    ] == [
        ("C", "198820.01", 2, "197280.01"),
        ("A", "49350.00", 3, "49350.00"),
        ("E", "38000.00", 1, "38000.00"),
    ]
    c_row = rec["rows"][0]
    assert (
        c_row["not_due"],
        c_row["1_30"],
        c_row["unallocated_receipts"],
        c_row["unused_credit"],
    ) == (
        "100000.00",
        "98820.01",
        "1540.00",
        "0.00",
    )
    assert rec["totals"] == {
        "not_due": "111800.00",
        "1_30": "98820.01",
        "31_60": "30750.00",
        "61_90": "38000.00",
        "over_90": "6800.00",
        "outstanding": "286170.01",
        "open_invoices": 6,
        "unallocated_receipts": "1540.00",
        "unused_credit": "0.00",
        "net_receivable": "284630.01",
    }

    register = await get(tenant, "/api/v1/reports/receipts-register", **OCT)
    rct = {k: world.receipts[k]["number"] for k in world.receipts}
    assert [
        (r["number"], r["amount"], r["tds_amount"], r["tds_section"]) for r in register["rows"]
    ] == [
        (rct["R1"], "10800.00", "1000.00", "194J"),
        (rct["R2"], "4200.00", "0.00", None),
        (rct["R3"], "100000.00", "13500.00", "194J"),
        (rct["R5"], "2000.00", "40.00", "194C"),
    ]
    assert register["rows"][0]["customer_pan"] == "AAACP1234C"  # from the GSTIN
    assert register["totals"] == {
        "receipts": 4,
        "amount": "117000.00",
        "tds_amount": "14540.00",
        "total": "131540.00",
        "allocated": "129500.00",
        "refunded": "500.00",
        "unallocated": "1540.00",
    }

    tds = await get(tenant, "/api/v1/reports/tds-receivable", **OCT)
    assert [
        (
            r["tds_section"],
            names[r["customer_id"]],
            r["receipts"],
            r["amount_received"],
            r["tds_amount"],
        )
        for r in tds["rows"]
    ] == [
        ("194C", "C", 1, "2000.00", "40.00"),
        ("194J", "A", 1, "100000.00", "13500.00"),
        ("194J", "B", 1, "10800.00", "1000.00"),
    ]
    assert tds["sections"] == [
        {"tds_section": "194C", "receipts": 1, "amount_received": "2000.00", "tds_amount": "40.00"},
        {
            "tds_section": "194J",
            "receipts": 2,
            "amount_received": "110800.00",
            "tds_amount": "14500.00",
        },
    ]
    assert tds["totals"] == {
        "receipts": 3,
        "amount_received": "112800.00",
        "tds_amount": "14540.00",
    }


async def test_revenue_by_client_type_and_account_manager(
    tenant: TenantClient, world: World
) -> None:
    by_type = await get(tenant, "/api/v1/reports/by-client-type", **OCT)
    assert [
        (
            r["name"],
            r["customers"],
            r["invoiced"],
            r["credited"],
            r["revenue"],
            r["outstanding"],
            r["open_invoices"],
        )
        for r in by_type["rows"]
    ] == [
        ("Retail", 1, "169491.53", "1000.00", "168491.53", "198820.01", 2),
        ("Enterprise", 2, "145000.00", "10000.00", "135000.00", "49350.00", 3),
        (None, 2, "45000.00", "3000.00", "42000.00", "38000.00", 1),
    ]
    assert by_type["rows"][0]["group_id"] == world.groups["retail"]
    assert by_type["rows"][2]["group_id"] is None
    assert by_type["totals"] == {
        "customers": 5,
        "invoiced": "359491.53",
        "credited": "14000.00",
        "revenue": "345491.53",
        "outstanding": "286170.01",
        "open_invoices": 6,
    }
    by_manager = await get(tenant, "/api/v1/reports/by-account-manager", **OCT)
    assert [
        (r["name"], r["customers"], r["revenue"], r["outstanding"]) for r in by_manager["rows"]
    ] == [
        ("Meera Nair", 2, "293491.53", "248170.01"),
        (None, 2, "42000.00", "38000.00"),
        ("Arjun Rao", 1, "10000.00", "0.00"),
    ]
    assert by_manager["totals"] == by_type["totals"]


# --------------------------------------------------------------------------- CSV and XLSX

TABULAR = [
    ("sales-register", OCT),
    ("gst-summary", OCT),
    ("hsn-summary", OCT),
    ("receivables", {"as_of": "2025-12-31"}),
    ("receipts-register", OCT),
    ("tds-receivable", OCT),
    ("by-client-type", OCT),
    ("by-account-manager", OCT),
]


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def test_csv_and_xlsx_hold_the_json_rows(tenant: TenantClient, world: World) -> None:
    for report, params in TABULAR:
        url = f"/api/v1/reports/{report}"
        rows = (await get(tenant, url, **params))["rows"]
        assert rows, report
        keys = list(rows[0])
        expected = [[as_text(row[key]) for key in keys] for row in rows]

        response = await tenant.get(url, params={**params, "format": "csv"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        lines = list(csv.reader(io.StringIO(response.text)))
        assert lines[0] == keys, report
        assert lines[1:] == expected, report

        response = await tenant.get(url, params={**params, "format": "xlsx"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert list(cells[0]) == keys, report
        assert len(cells) == len(rows) + 1, report
        for row, values in zip(rows, cells[1:], strict=True):
            for key, value in zip(keys, values, strict=True):
                want = row[key]
                if isinstance(value, int | float) and not isinstance(value, bool):
                    assert D(value) == D(want), (report, key)
                elif hasattr(value, "date"):
                    assert value.date().isoformat() == want, (report, key)
                else:
                    assert value == want, (report, key)


async def test_spreadsheet_cells_are_never_formulas(tenant: TenantClient) -> None:
    await tenant.create(
        "/api/v1/companies", {"legal_name": "Sharma Digital LLP", "gstin": COMPANY_GSTIN}
    )
    customer = await tenant.create(
        "/api/v1/customers", {"name": '=HYPERLINK("x")', "state_code": "27"}
    )
    await tenant.create(
        "/api/v1/receipts",
        {
            "customer_id": customer["id"],
            "receipt_date": "2025-10-01",
            "amount": "100",
            "mode": "cash",
        },
    )
    params = {**OCT, "format": "xlsx"}
    response = await tenant.get("/api/v1/reports/receipts-register", params=params)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=5)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")
    text = (
        await tenant.get("/api/v1/reports/receipts-register", params={**OCT, "format": "csv"})
    ).text
    assert "'=HYPERLINK" in text


# --------------------------------------------------------------------------- access and errors


async def test_a_viewer_reads_every_report(
    tenant: TenantClient, connection: AsyncConnection, settings: Settings, world: World
) -> None:
    viewer = await add_member(connection, settings, tenant, "viewer")
    for url in (
        "/api/v1/dashboard/metrics",
        "/api/v1/dashboard/revenue-chart",
        "/api/v1/dashboard/aging-analysis",
        *(f"/api/v1/reports/{report}" for report, _ in TABULAR),
    ):
        response = await viewer.get(url)
        assert response.status_code == 200, (url, response.text)
    response = await viewer.get("/api/v1/reports/gstr1", params={"period": "102025"})
    assert response.status_code == 200, response.text
    anonymous = await tenant.http.get("/api/v1/dashboard/metrics")
    assert_problem(anonymous, 401)


async def test_another_tenants_company_is_not_found(
    tenant: TenantClient, other_tenant: TenantClient
) -> None:
    theirs = await other_tenant.create(
        "/api/v1/companies", {"legal_name": "Other", "gstin": KA_GSTIN}
    )
    for url, params in (
        ("/api/v1/dashboard/metrics", {}),
        ("/api/v1/dashboard/revenue-chart", {}),
        ("/api/v1/dashboard/aging-analysis", {}),
        ("/api/v1/reports/gstr1", {"period": "102025"}),
        *((f"/api/v1/reports/{report}", {}) for report, _ in TABULAR),
    ):
        for company in (theirs["id"], str(uuid.uuid4())):
            response = await tenant.get(url, params={**params, "company_id": company})
            assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/reports/gstr1", {"period": "132025"}, "query.period"),
        ("/api/v1/reports/gstr1", {"period": "002025"}, "query.period"),
        ("/api/v1/reports/gstr1", {"period": "10-2025"}, "query.period"),
        ("/api/v1/reports/gstr1", {"period": "102016"}, "query.period"),
        ("/api/v1/dashboard/metrics", {"from": "2025-10-31", "to": "2025-10-01"}, "query.from"),
        (
            "/api/v1/reports/sales-register",
            {"from": "2025-10-31", "to": "2025-10-01"},
            "query.from",
        ),
        ("/api/v1/dashboard/metrics", {"fy": "2025-2027"}, "query.fy"),
        ("/api/v1/dashboard/metrics", {"fy": "2025-27"}, "query.fy"),
        ("/api/v1/reports/gst-summary", {"fy": "2025-26", "from": "2025-04-01"}, "query.fy"),
    ],
)
async def test_bad_periods_are_422(
    tenant: TenantClient, url: str, params: dict[str, str], field: str
) -> None:
    await tenant.create(
        "/api/v1/companies", {"legal_name": "Sharma Digital LLP", "gstin": COMPANY_GSTIN}
    )
    body = assert_problem(await tenant.get(url, params=params), 422, "validation-error")
    assert body["errors"][0]["field"] == field


async def test_bad_options_and_missing_gstin(tenant: TenantClient) -> None:
    for url, params in (
        ("/api/v1/reports/sales-register", {"format": "pdf"}),
        ("/api/v1/dashboard/revenue-chart", {"interval": "year"}),
        ("/api/v1/dashboard/metrics", {"from": "2025-13-01"}),
        ("/api/v1/reports/gstr1", {}),
    ):
        assert_problem(await tenant.get(url, params=params), 422)
    # No company yet, then a company without a GSTIN: no GSTR-1 to file.
    assert_problem(await tenant.get("/api/v1/reports/gstr1", params={"period": "102025"}), 422)
    await tenant.create(
        "/api/v1/companies", {"legal_name": "Unregistered Shop", "state_code": "27"}
    )
    body = assert_problem(
        await tenant.get("/api/v1/reports/gstr1", params={"period": "102025"}), 422
    )
    assert "GSTIN" in body["detail"]


async def test_empty_reports_have_zero_totals(tenant: TenantClient) -> None:
    reg = await get(tenant, "/api/v1/reports/sales-register", **OCT)
    assert reg["rows"] == [] and reg["totals"]["total"] == "0.00" and reg["totals"]["invoices"] == 0
    tds = await get(tenant, "/api/v1/reports/tds-receivable", **OCT)
    assert (tds["rows"], tds["sections"], tds["totals"]["receipts"]) == ([], [], 0)
    aging = await get(tenant, "/api/v1/dashboard/aging-analysis")
    assert aging["total"]["total"] == {"amount": "0.00", "count": 0} and aging["customers"] == []
    groups = await get(tenant, "/api/v1/reports/by-client-type")
    assert groups["rows"] == [] and groups["totals"]["customers"] == 0
    # Default period: this month, in Indian dates.
    metrics = await get(tenant, "/api/v1/dashboard/metrics")
    assert (
        metrics["date_from"].endswith("-01") and metrics["date_from"][:7] == metrics["date_to"][:7]
    )
