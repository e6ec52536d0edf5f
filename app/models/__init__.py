"""All models, imported so that ``Base.metadata`` knows every table (Alembic reads it)."""

from app.models.audit import AuditLog
from app.models.base import Base
from app.models.catalog import (
    AccountManager,
    ClientType,
    DunningSettings,
    GstSettings,
    ServiceType,
    TaxRate,
)
from app.models.company import Company, DocumentCounter, DocumentSeries
from app.models.credit_note import CreditNote, CreditNoteApplication, CreditNoteLineItem
from app.models.customer import Customer
from app.models.data_rights import DataExport, DataExportChunk
from app.models.idempotency import IdempotencyKey
from app.models.invoice import Invoice, InvoiceLineItem, InvoiceReminder
from app.models.receipt import Receipt, ReceiptAllocation
from app.models.refund import Refund
from app.models.render import DocumentRender
from app.models.tenant import Subscription, Tenant, TenantNotification
from app.models.user import (
    ApiToken,
    EmailVerification,
    PasswordResetToken,
    RefreshToken,
    User,
    UserInvitation,
    UserSession,
)

__all__ = [
    "AccountManager",
    "ApiToken",
    "AuditLog",
    "Base",
    "ClientType",
    "Company",
    "CreditNote",
    "CreditNoteApplication",
    "CreditNoteLineItem",
    "Customer",
    "DataExport",
    "DataExportChunk",
    "DocumentCounter",
    "DocumentRender",
    "DocumentSeries",
    "DunningSettings",
    "EmailVerification",
    "GstSettings",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLineItem",
    "InvoiceReminder",
    "PasswordResetToken",
    "Receipt",
    "ReceiptAllocation",
    "RefreshToken",
    "Refund",
    "ServiceType",
    "Subscription",
    "TaxRate",
    "Tenant",
    "TenantNotification",
    "User",
    "UserInvitation",
    "UserSession",
]
