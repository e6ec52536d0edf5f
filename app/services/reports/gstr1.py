"""GSTR-1 for one GSTIN and month, in the JSON the GST portal's offline tool imports.

Sections (a document lands in exactly one):

* ``b2b``: invoices to a buyer with a GSTIN (``inv_typ`` R; SEWP / SEWOP for an SEZ
  unit with or without IGST), grouped by the buyer's GSTIN (``ctin``).
* ``b2cl``: inter-state invoices to unregistered buyers above Rs 1,00,000 (Rs 2,50,000
  before 1 August 2024), grouped by place of supply.
* ``b2cs``: every other supply to unregistered buyers, summed per place of supply, rate
  and intra/inter-state, net of the credit notes against such invoices.
* ``exp``: exports, WPAY (IGST paid) or WOPAY (under LUT/bond: the rate stays on the
  line, the tax is zero).
* ``cdnr``: credit notes to registered buyers; ``cdnur``: credit notes against B2CL
  invoices (typ B2CL) and exports (EXPWP / EXPWOP). Notes against B2CS invoices reduce
  ``b2cs`` instead.
* ``hsn``: per HSN/SAC code, unit and rate, credit notes subtracted; services (SAC 99...)
  report unit ``NA`` and quantity 0.
* ``doc_issue``: per series, the first and last number of the month, how many were
  issued, cancelled (void) and net.

Buyers are read from the invoice's frozen ``billing_snapshot`` (as printed), not from
today's customer record. Amounts are rounded to paise in SQL and written as JSON numbers
digit for digit (:func:`app.services.reports.export.exact_json`), never through float.
Empty sections are left out, as the offline tool's own exports do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ValidationFailed
from app.crud.catalog import CompanyRepository
from app.models import Company
from app.services.reports.common import LINES, Period, mapping, splice

HSN_DESCRIPTION_LENGTH: Final = 30

DOCS: Final = """
WITH docs AS (
    SELECT 'inv' AS kind, i.id, i.number, i.invoice_date AS doc_date, i.grand_total AS val,
           i.place_of_supply AS pos, i.is_reverse_charge, i.supply_type,
           (i.supply_type IN ('export', 'sez') AND i.zero_rated_mode = 'lut') AS without_payment,
           i.billing_snapshot -> 'buyer' ->> 'gstin' AS ctin,
           i.grand_total AS invoice_value, i.invoice_date
      FROM invoices i
     WHERE i.tenant_id = app_current_tenant() AND i.company_id = :company
       AND i.status IN ('issued', 'partially_paid', 'paid')
       AND i.invoice_date BETWEEN :start AND :end
    UNION ALL
    SELECT 'cn', n.id, n.number, n.credit_note_date, n.grand_total, n.place_of_supply,
           n.is_reverse_charge, n.supply_type,
           (i.supply_type IN ('export', 'sez') AND i.zero_rated_mode = 'lut'),
           i.billing_snapshot -> 'buyer' ->> 'gstin', i.grand_total, i.invoice_date
      FROM credit_notes n
      JOIN invoices i ON i.tenant_id = app_current_tenant() AND i.id = n.invoice_id
     WHERE n.tenant_id = app_current_tenant() AND n.company_id = :company
       AND n.status = 'issued' AND n.credit_note_date BETWEEN :start AND :end
),
classified AS (
    SELECT d.*,
           CASE WHEN d.supply_type = 'export' THEN 'exp'
                WHEN d.ctin IS NOT NULL THEN 'b2b'
                WHEN d.supply_type = 'inter_state'
                     AND d.invoice_value > CASE WHEN d.invoice_date >= DATE '2024-08-01'
                                                THEN 100000 ELSE 250000 END THEN 'b2cl'
                ELSE 'b2cs' END AS section
      FROM docs d
),
items AS (
    SELECT 'inv' AS kind, l.invoice_id AS doc_id, l.gst_rate AS rt,
           sum(l.taxable_value) AS txval, sum(l.igst_amount) AS iamt,
           sum(l.cgst_amount) AS camt, sum(l.sgst_amount + l.utgst_amount) AS samt,
           sum(l.cess_amount) AS csamt
      FROM invoice_line_items l
     WHERE l.tenant_id = app_current_tenant()
       AND l.invoice_id IN (SELECT id FROM docs WHERE kind = 'inv')
     GROUP BY l.invoice_id, l.gst_rate
    UNION ALL
    SELECT 'cn', l.credit_note_id, l.gst_rate, sum(l.taxable_value), sum(l.igst_amount),
           sum(l.cgst_amount), sum(l.sgst_amount + l.utgst_amount), sum(l.cess_amount)
      FROM credit_note_line_items l
     WHERE l.tenant_id = app_current_tenant()
       AND l.credit_note_id IN (SELECT id FROM docs WHERE kind = 'cn')
     GROUP BY l.credit_note_id, l.gst_rate
)
SELECT c.section, c.kind, c.id, c.number, c.doc_date, c.val, c.pos, c.is_reverse_charge,
       c.supply_type, c.without_payment, c.ctin, it.rt,
       CAST(it.rt * 100 AS integer) + 1 AS num,
       round(it.txval, 2) AS txval, round(it.iamt, 2) AS iamt, round(it.camt, 2) AS camt,
       round(it.samt, 2) AS samt, round(it.csamt, 2) AS csamt
  FROM classified c
  JOIN items it ON it.kind = c.kind AND it.doc_id = c.id
 WHERE c.section <> 'b2cs'
UNION ALL
SELECT 'b2cs', 'sum', NULL, NULL, NULL, NULL, c.pos, NULL,
       CASE WHEN c.supply_type = 'intra_state' THEN 'INTRA' ELSE 'INTER' END, NULL, NULL,
       it.rt, NULL,
       round(sum(CASE WHEN c.kind = 'cn' THEN -it.txval ELSE it.txval END), 2),
       round(sum(CASE WHEN c.kind = 'cn' THEN -it.iamt ELSE it.iamt END), 2),
       round(sum(CASE WHEN c.kind = 'cn' THEN -it.camt ELSE it.camt END), 2),
       round(sum(CASE WHEN c.kind = 'cn' THEN -it.samt ELSE it.samt END), 2),
       round(sum(CASE WHEN c.kind = 'cn' THEN -it.csamt ELSE it.csamt END), 2)
  FROM classified c
  JOIN items it ON it.kind = c.kind AND it.doc_id = c.id
 WHERE c.section = 'b2cs'
 GROUP BY c.pos, it.rt, CASE WHEN c.supply_type = 'intra_state' THEN 'INTRA' ELSE 'INTER' END
 ORDER BY 1, 2, 11, 7, 5, 4, 9, 12
"""

HSN: Final = splice(
    """
WITH lines AS (/*lines*/)
SELECT hsn_sac, uqc, gst_rate,
       mode() WITHIN GROUP (ORDER BY description) AS description,
       round(sum(quantity), 2) AS qty, round(sum(taxable_value), 2) AS txval,
       round(sum(igst), 2) AS iamt, round(sum(cgst), 2) AS camt,
       round(sum(sgst + utgst), 2) AS samt, round(sum(cess), 2) AS csamt
  FROM lines
 GROUP BY hsn_sac, uqc, gst_rate
 ORDER BY hsn_sac, gst_rate, uqc
""",
    # GSTR-1 is per GSTIN: the company is always given.
    lines=LINES.replace("/*company i*/", "AND i.company_id = :company").replace(
        "/*company n*/", "AND n.company_id = :company"
    ),
)

DOC_ISSUE: Final = """
WITH d AS (
    SELECT 1 AS doc_num, i.series_id, i.sequence_number, i.number,
           i.status = 'void' AS cancelled
      FROM invoices i
     WHERE i.tenant_id = app_current_tenant() AND i.company_id = :company
       AND i.status <> 'draft' AND i.invoice_date BETWEEN :start AND :end
    UNION ALL
    SELECT 5, n.series_id, n.sequence_number, n.number, n.status = 'void'
      FROM credit_notes n
     WHERE n.tenant_id = app_current_tenant() AND n.company_id = :company
       AND n.status <> 'draft' AND n.credit_note_date BETWEEN :start AND :end
)
SELECT d.doc_num, d.series_id,
       (array_agg(d.number ORDER BY d.sequence_number))[1] AS first_number,
       (array_agg(d.number ORDER BY d.sequence_number DESC))[1] AS last_number,
       count(*) AS totnum, count(*) FILTER (WHERE d.cancelled) AS cancel,
       count(*) FILTER (WHERE NOT d.cancelled) AS net_issue
  FROM d
  JOIN document_series s ON s.tenant_id = app_current_tenant() AND s.id = d.series_id
 GROUP BY d.doc_num, d.series_id, s.prefix
 ORDER BY d.doc_num, s.prefix, first_number
"""

DOC_TYPES: Final = {1: "Invoices for outward supply", 5: "Credit Note"}


@dataclass(frozen=True)
class Gstr1:
    company: Company
    fp: str
    body: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"GSTR1_{self.company.gstin}_{self.fp}.json"


async def _company(session: AsyncSession, company_id: uuid.UUID | None) -> Company:
    companies = CompanyRepository(session)
    if company_id is not None:
        company = await companies.get_or_404(company_id)
    else:
        found = await companies.default()
        if found is None:
            raise ValidationFailed("Add a company (your GSTIN) first.", field="query.company_id")
        company = found
    if not company.gstin:
        raise ValidationFailed(
            "This company has no GSTIN, so it files no GSTR-1.", field="query.company_id"
        )
    return company


def _date(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def _rate(value: Decimal) -> Decimal:
    """``18.0000`` -> ``18``, ``0.2500`` -> ``0.25`` (written as the JSON number 18 / 0.25)."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _item(row: dict[str, Any], *, intra_heads: bool = True) -> dict[str, Any]:
    detail: dict[str, Any] = {"txval": row["txval"], "rt": _rate(row["rt"]), "iamt": row["iamt"]}
    if intra_heads:
        detail["camt"], detail["samt"] = row["camt"], row["samt"]
    detail["csamt"] = row["csamt"]
    return detail


def _numbered(row: dict[str, Any], *, intra_heads: bool = True) -> dict[str, Any]:
    return {"num": row["num"], "itm_det": _item(row, intra_heads=intra_heads)}


def _inv_typ(row: dict[str, Any]) -> str:
    if row["supply_type"] == "sez":
        return "SEWOP" if row["without_payment"] else "SEWP"
    return "R"


class _Documents:
    """Nests item rows (ordered by document) under their document, keeping the order."""

    def __init__(self) -> None:
        self.groups: dict[Any, dict[Any, dict[str, Any]]] = {}

    def item(self, group: Any, row: dict[str, Any], head: dict[str, Any], item: Any) -> None:
        documents = self.groups.setdefault(group, {})
        document = documents.get(row["id"])
        if document is None:
            document = documents[row["id"]] = {**head, "itms": []}
        document["itms"].append(item)


async def build_gstr1(session: AsyncSession, period: Period, company_id: uuid.UUID | None) -> Gstr1:
    company = await _company(session, company_id)
    values = {"company": company.id, "start": period.start, "end": period.end}
    rows = [mapping(r) for r in await session.execute(text(DOCS), values)]
    hsn_rows = [mapping(r) for r in await session.execute(text(HSN), {**values, "portal": True})]
    doc_rows = [mapping(r) for r in await session.execute(text(DOC_ISSUE), values)]

    b2b, b2cl, exp, cdnr = _Documents(), _Documents(), _Documents(), _Documents()
    cdnur = _Documents()
    b2cs: list[dict[str, Any]] = []
    for row in rows:
        section, is_note = row["section"], row["kind"] == "cn"
        rchrg = "Y" if row["is_reverse_charge"] else "N"
        if section == "b2cs":
            entry: dict[str, Any] = {
                "sply_ty": row["supply_type"],
                "pos": row["pos"],
                "typ": "OE",
                "rt": _rate(row["rt"]),
                "txval": row["txval"],
            }
            if row["supply_type"] == "INTRA":
                entry["camt"], entry["samt"] = row["camt"], row["samt"]
            else:
                entry["iamt"] = row["iamt"]
            entry["csamt"] = row["csamt"]
            b2cs.append(entry)
        elif section == "b2b" and not is_note:
            head = {
                "inum": row["number"],
                "idt": _date(row["doc_date"]),
                "val": row["val"],
                "pos": row["pos"],
                "rchrg": rchrg,
                "inv_typ": _inv_typ(row),
            }
            b2b.item(row["ctin"], row, head, _numbered(row))
        elif section == "b2b":
            head = {
                "ntty": "C",
                "nt_num": row["number"],
                "nt_dt": _date(row["doc_date"]),
                "val": row["val"],
                "pos": row["pos"],
                "rchrg": rchrg,
                "inv_typ": _inv_typ(row),
            }
            cdnr.item(row["ctin"], row, head, _numbered(row))
        elif section == "b2cl" and not is_note:
            head = {"inum": row["number"], "idt": _date(row["doc_date"]), "val": row["val"]}
            b2cl.item(row["pos"], row, head, _numbered(row, intra_heads=False))
        elif section == "exp" and not is_note:
            exp_typ = "WOPAY" if row["without_payment"] else "WPAY"
            head = {"inum": row["number"], "idt": _date(row["doc_date"]), "val": row["val"]}
            exp.item(exp_typ, row, head, _item(row, intra_heads=False))
        else:  # a credit note against a B2CL invoice or an export
            head = {
                "ntty": "C",
                "nt_num": row["number"],
                "nt_dt": _date(row["doc_date"]),
                "val": row["val"],
                "typ": "B2CL",
            }
            if section == "b2cl":
                head["pos"] = row["pos"]
            else:
                head["typ"] = "EXPWOP" if row["without_payment"] else "EXPWP"
            cdnur.item(None, row, head, _numbered(row, intra_heads=False))

    body: dict[str, Any] = {"gstin": company.gstin, "fp": period.start.strftime("%m%Y")}
    sections: dict[str, Any] = {
        "b2b": [{"ctin": ctin, "inv": list(docs.values())} for ctin, docs in b2b.groups.items()],
        "b2cl": [{"pos": pos, "inv": list(docs.values())} for pos, docs in b2cl.groups.items()],
        "b2cs": b2cs,
        "cdnr": [{"ctin": ctin, "nt": list(docs.values())} for ctin, docs in cdnr.groups.items()],
        "cdnur": [note for docs in cdnur.groups.values() for note in docs.values()],
        "exp": [
            {"exp_typ": typ, "inv": list(docs.values())}
            for typ, docs in sorted(exp.groups.items(), key=lambda pair: str(pair[0]))
        ],
        "hsn": {"data": [_hsn(index, row) for index, row in enumerate(hsn_rows, 1)]}
        if hsn_rows
        else None,
        "doc_issue": _doc_issue(doc_rows) if doc_rows else None,
    }
    body.update({key: value for key, value in sections.items() if value})
    return Gstr1(company=company, fp=body["fp"], body=body)


def _hsn(index: int, row: dict[str, Any]) -> dict[str, Any]:
    description = (row["description"] or "")[:HSN_DESCRIPTION_LENGTH]
    return {
        "num": index,
        "hsn_sc": row["hsn_sac"],
        "desc": description,
        "uqc": row["uqc"],
        "qty": row["qty"],
        "txval": row["txval"],
        "rt": _rate(row["gst_rate"]),
        "iamt": row["iamt"],
        "camt": row["camt"],
        "samt": row["samt"],
        "csamt": row["csamt"],
    }


def _doc_issue(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_type: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        docs = by_type.setdefault(row["doc_num"], [])
        docs.append(
            {
                "num": len(docs) + 1,
                "from": row["first_number"],
                "to": row["last_number"],
                "totnum": row["totnum"],
                "cancel": row["cancel"],
                "net_issue": row["net_issue"],
            }
        )
    return {
        "doc_det": [
            {"doc_num": doc_num, "doc_typ": DOC_TYPES[doc_num], "docs": docs}
            for doc_num, docs in by_type.items()
        ]
    }
