"""Imports every module that registers background tasks (workers import this)."""

from app.services import invoice_delivery, notifications

__all__ = ["invoice_delivery", "notifications"]
