"""One permission table for the whole API: which role may do what."""

from __future__ import annotations

import enum

from app.models.enums import Role


class Permission(enum.StrEnum):
    READ = "read"
    WRITE_DOCUMENTS = "write_documents"  # customers, invoices, receipts, credit notes
    MANAGE_SETTINGS = "manage_settings"  # companies, catalogues, GST settings, tenant profile
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    MANAGE_BILLING = "manage_billing"  # plan, payment, ownership


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission) - {Permission.MANAGE_BILLING},
    Role.ACCOUNTANT: frozenset({Permission.READ, Permission.WRITE_DOCUMENTS}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


# Everything that changes data: refused (402) while the account is locked.
# Billing stays open: a locked owner must still be able to upgrade.
WRITE_PERMISSIONS = frozenset(Permission) - {
    Permission.READ,
    Permission.READ_AUDIT,
    Permission.MANAGE_BILLING,
}
