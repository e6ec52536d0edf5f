"""Imports every module that registers background tasks (workers import this)."""

from app.services import dunning, invoice_delivery, notifications, trial_reminders

__all__ = ["dunning", "invoice_delivery", "notifications", "trial_reminders"]
