"""Imports every module that registers background tasks (workers import this)."""

from app.services import notifications

__all__ = ["notifications"]
