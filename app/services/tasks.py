"""Imports every module that registers background tasks (workers import this)."""

from app.services import invoice_delivery, notifications, trial_reminders

__all__ = ["invoice_delivery", "notifications", "trial_reminders"]
