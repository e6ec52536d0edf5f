"""The export ZIP: every tenant table as JSON and CSV, every issued document as a PDF.

Rows are streamed from the database into the ZIP (written to a temporary file, not
memory), so the size of a tenant bounds disk use, never RAM. Money is written as
decimal strings and dates as ISO 8601, in both formats.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import LargeBinary, Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.crud.data_rights import stream_table
from app.crud.invoice import InvoiceRepository
from app.models import CreditNote, Invoice, Tenant
from app.models.base import Base
from app.services.credit_note import CreditNoteRepository
from app.services.credit_note_pdf import credit_note_document
from app.services.invoice_pdf import cached_pdf, filename_for, invoice_pdf_bytes
from app.utils.serialize import SECRET_FIELDS

FORMAT = "rms-billing-export/1"
PDF_BATCH = 25
# (percent done, what is happening): the job records it for the status endpoint.
Progress = Callable[[int, str], Awaitable[None]]

README = """RMS Billing data export
=======================

Organisation: {tenant_name} ({tenant_id})
Generated:    {generated_at} (UTC)
Format:       {format}

data/<table>.json   every row of the table, as a JSON array of objects
data/<table>.csv    the same rows as CSV (UTF-8, header row; nested values as JSON)
documents/invoices/*.pdf, documents/credit-notes/*.pdf
                    every issued (or voided) invoice and credit note, as printed
manifest.json       row counts per table and the list of files

Conventions: money amounts are decimal strings ("1180.00", never floating point);
dates and times are ISO 8601 (times in UTC); ids are UUIDs. Secrets (password and
token digests) and cached binary renders are left out.
"""


def export_tables() -> list[Table]:
    """``tenants`` and every table with a ``tenant_id``, parents before children."""
    tables = [t for t in Base.metadata.sorted_tables if "tenant_id" in t.c]
    tenant_table: Table = Tenant.__table__  # type: ignore[assignment]
    return [tenant_table, *tables]


def exported_columns(table: Table) -> list[str]:
    return [
        c.name
        for c in table.columns
        if c.name not in SECRET_FIELDS and not isinstance(c.type, LargeBinary)
    ]


def plain(value: Any) -> Any:
    """A column value as JSON has it: money and ids as strings, dates as ISO 8601. Called
    once per cell, so the common types are tested first."""
    if value is None or isinstance(value, str | bool | int | dict | list):
        return value  # JSONB values come back already JSON-shaped
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # UUIDs, IP addresses


def csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


@dataclass
class Manifest:
    tenant_id: str
    generated_at: datetime
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(
        default_factory=lambda: {"invoices": [], "credit_notes": []}
    )

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "tenant_id": self.tenant_id,
                "generated_at": self.generated_at.isoformat(),
                "tables": self.tables,
                "documents": self.documents,
            },
            indent=2,
        )


class ArchiveWriter:
    """Writes one tenant's archive into ``target`` (the session is scoped to the tenant)."""

    def __init__(
        self,
        session: AsyncSession,
        target: IO[bytes],
        *,
        tenant: Tenant,
        generated_at: datetime,
        branded: bool,
        report: Progress,
    ) -> None:
        self.session = session
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.tenant = tenant
        self.branded = branded
        self.report = report
        self.manifest = Manifest(str(tenant.id), generated_at)
        self.names: set[str] = set()

    async def write(self) -> Manifest:
        try:
            return await self._write()
        finally:
            with contextlib.suppress(ValueError, OSError):
                self.zip.close()  # also after a failure, so nothing writes to a closed file

    async def _write(self) -> Manifest:
        tables = export_tables()
        invoices = await self._ids(InvoiceRepository(self.session), Invoice)
        notes = await self._ids(CreditNoteRepository(self.session), CreditNote)
        total = len(tables) + len(invoices) + len(notes)
        done = 0
        for table in tables:
            await self.report(done * 95 // total, f"table {table.name}")
            await self._table(table)
            done += 1
        for batch in _batches(invoices):
            await self.report(done * 95 // total, "invoice PDFs")
            await self._invoice_pdfs(batch)
            done += len(batch)
        for batch in _batches(notes):
            await self.report(done * 95 // total, "credit note PDFs")
            await self._credit_note_pdfs(batch)
            done += len(batch)
        self.zip.writestr("manifest.json", self.manifest.as_json())
        self.zip.writestr(
            "README.txt",
            README.format(
                tenant_name=self.tenant.name,
                tenant_id=self.tenant.id,
                generated_at=self.manifest.generated_at.isoformat(),
                format=FORMAT,
            ),
        )
        return self.manifest

    async def _table(self, table: Table) -> None:
        columns = exported_columns(table)
        key = "id" if table.name == "tenants" else "tenant_id"
        rows = 0
        json_name, csv_name = f"data/{table.name}.json", f"data/{table.name}.csv"
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", newline="") as csv_file:
            writer = csv.writer(csv_file)
            writer.writerow(columns)
            with self.zip.open(json_name, "w") as raw_json:
                json_out = io.TextIOWrapper(raw_json, encoding="utf-8")
                json_out.write("[")
                async for row in stream_table(self.session, table, columns, key=key):
                    values = [plain(value) for value in row]
                    json_out.write(",\n" if rows else "\n")
                    json_out.write(
                        json.dumps(dict(zip(columns, values, strict=True)), ensure_ascii=False)
                    )
                    writer.writerow([csv_cell(value) for value in values])
                    rows += 1
                json_out.write("\n]\n" if rows else "]\n")
                json_out.flush()
                json_out.detach()
            csv_file.seek(0)
            with self.zip.open(csv_name, "w") as raw_csv:
                csv_out = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
                shutil.copyfileobj(csv_file, csv_out)
                csv_out.flush()
                csv_out.detach()
        self.manifest.tables[table.name] = {"rows": rows, "json": json_name, "csv": csv_name}

    async def _ids(self, repository: Any, model: type[Any]) -> list[Any]:
        stmt = (
            repository.select()
            .with_only_columns(model.id)
            .where(model.status != "draft")
            .order_by(model.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def _invoice_pdfs(self, ids: Sequence[Any]) -> None:
        invoices = await self._load(InvoiceRepository(self.session), Invoice, ids)
        for invoice in invoices:
            content = await invoice_pdf_bytes(self.session, invoice, branded=self.branded)
            self._pdf("invoices", invoice, content)

    async def _credit_note_pdfs(self, ids: Sequence[Any]) -> None:
        notes = await self._load(CreditNoteRepository(self.session), CreditNote, ids)
        parents = await self._load(
            InvoiceRepository(self.session), Invoice, sorted({n.invoice_id for n in notes})
        )
        by_id = {invoice.id: invoice for invoice in parents}
        for note in notes:
            invoice = by_id[note.invoice_id]
            content = await cached_pdf(
                self.session,
                note,
                "credit_note",
                lambda note=note, invoice=invoice: credit_note_document(  # type: ignore[misc]
                    note, invoice, branded=self.branded
                ),
                branded=self.branded,
            )
            self._pdf("credit_notes", note, content)

    async def _load(self, repository: Any, model: type[Any], ids: Sequence[Any]) -> list[Any]:
        """One query for a batch of documents and their lines (no query per document)."""
        stmt = (
            repository.select()
            .where(model.id.in_(ids))
            .options(selectinload(model.lines))
            .order_by(model.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    def _pdf(self, kind: str, document: Invoice | CreditNote, content: bytes) -> None:
        folder = "credit-notes" if kind == "credit_notes" else kind
        name = f"documents/{folder}/{filename_for(document)}"
        if name in self.names:  # the same number in two companies
            name = name.removesuffix(".pdf") + f"-{str(document.id)[:8]}.pdf"
        self.names.add(name)
        self.zip.writestr(name, content)
        self.manifest.documents[kind].append(name)


def _batches(ids: list[Any]) -> list[list[Any]]:
    return [ids[i : i + PDF_BATCH] for i in range(0, len(ids), PDF_BATCH)]
