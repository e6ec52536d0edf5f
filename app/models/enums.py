"""The known values of every status-like column (each also enforced by a CHECK)."""

from __future__ import annotations

import enum


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    PENDING_DELETION = "pending_deletion"
    ERASED = "erased"  # personal data erased; the financial records the law requires remain


class Plan(enum.StrEnum):
    TRIAL = "trial"
    FREE = "free"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class SubscriptionStatus(enum.StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    FREE = "free"
    LOCKED = "locked"
    PAST_DUE = "past_due"
    CANCELED = "canceled"


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ACCOUNTANT = "accountant"
    VIEWER = "viewer"


class RegistrationType(enum.StrEnum):
    REGULAR = "regular"
    COMPOSITION = "composition"
    UNREGISTERED = "unregistered"


class GstTreatment(enum.StrEnum):
    """How GST treats a customer: decides the tax heads and the GSTR-1 section."""

    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    COMPOSITION = "composition"
    SEZ = "sez"
    OVERSEAS = "overseas"


class DocumentType(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"


class InvoiceKind(enum.StrEnum):
    TAX_INVOICE = "tax_invoice"
    BILL_OF_SUPPLY = "bill_of_supply"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class SupplyType(enum.StrEnum):
    INTRA_STATE = "intra_state"
    INTER_STATE = "inter_state"
    EXPORT = "export"
    SEZ = "sez"


class ZeroRatedMode(enum.StrEnum):
    """For exports and SEZ supplies: under bond/LUT without tax, or with IGST paid."""

    NONE = "none"
    LUT = "lut"
    WITH_PAYMENT = "with_payment"


class DiscountType(enum.StrEnum):
    AMOUNT = "amount"
    PERCENT = "percent"


class PaymentMode(enum.StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    UPI = "upi"
    CHEQUE = "cheque"
    CARD = "card"
    OTHER = "other"


class CreditNoteStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    VOID = "void"


class CreditNoteReason(enum.StrEnum):
    SALES_RETURN = "sales_return"
    POST_SALE_DISCOUNT = "post_sale_discount"
    DEFICIENCY_IN_SERVICE = "deficiency_in_service"
    CORRECTION_IN_INVOICE = "correction_in_invoice"
    CHANGE_IN_PLACE_OF_SUPPLY = "change_in_place_of_supply"
    OTHER = "other"
