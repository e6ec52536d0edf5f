"""Imports every module that registers background tasks (workers import this)."""

from app.services import dunning, idempotency, invoice_delivery, notifications, trial_reminders
from app.services.data_rights import erasure_job, exports

__all__ = [
    "dunning",
    "erasure_job",
    "exports",
    "idempotency",
    "invoice_delivery",
    "notifications",
    "trial_reminders",
]
