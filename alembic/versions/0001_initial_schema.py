"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tables, keys, constraints and indexes (generated from app.models, then reviewed).
    op.create_table(
        "audit_logs",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.UUID(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("ip_address", postgresql.INET(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_logs")),
    )
    op.create_index(
        "ix_audit_logs_tenant_id_action", "audit_logs", ["tenant_id", "action"], unique=False
    )
    op.create_index(
        "ix_audit_logs_tenant_id_created_at",
        "audit_logs",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_audit_logs_tenant_id_entity",
        "audit_logs",
        ["tenant_id", "entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(
        "ix_audit_logs_tenant_id_user_id", "audit_logs", ["tenant_id", "user_id"], unique=False
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("trial_start_date", sa.Date(), nullable=True),
        sa.Column("trial_end_date", sa.Date(), nullable=True),
        sa.Column("is_trial_used", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("deletion_scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'pending_deletion')",
            name=op.f("ck_tenants_status_known"),
        ),
        sa.CheckConstraint(
            "trial_end_date >= trial_start_date", name=op.f("ck_tenants_trial_dates_ordered")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "client_types",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_client_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_client_types")),
    )
    op.create_index(
        "uq_client_types_tenant_id_name",
        "client_types",
        ["tenant_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "companies",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("trade_name", sa.Text(), nullable=True),
        sa.Column("gstin", sa.Text(), nullable=True),
        sa.Column("pan", sa.Text(), nullable=True),
        sa.Column("state_code", sa.Text(), nullable=False),
        sa.Column("address_line1", sa.Text(), nullable=True),
        sa.Column("address_line2", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("pincode", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("bank_name", sa.Text(), nullable=True),
        sa.Column("bank_account_name", sa.Text(), nullable=True),
        sa.Column("bank_account_number", sa.Text(), nullable=True),
        sa.Column("bank_ifsc", sa.Text(), nullable=True),
        sa.Column("bank_branch", sa.Text(), nullable=True),
        sa.Column("upi_vpa", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("invoice_terms", sa.Text(), nullable=True),
        sa.Column("default_due_days", sa.Integer(), server_default=sa.text("15"), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "state_code ~ '^[0-9]{2}$'", name=op.f("ck_companies_state_code_format")
        ),
        sa.CheckConstraint(
            "default_due_days BETWEEN 0 AND 365", name=op.f("ck_companies_default_due_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_companies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_companies")),
    )
    op.create_index(
        "ix_companies_tenant_id_gstin", "companies", ["tenant_id", "gstin"], unique=False
    )
    op.create_table(
        "gst_settings",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("registration_type", sa.Text(), server_default="regular", nullable=False),
        sa.Column("apply_round_off", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("hsn_digits_required", sa.Integer(), server_default=sa.text("4"), nullable=False),
        sa.Column(
            "e_invoice_applicable", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "registration_type IN ('regular', 'composition', 'unregistered')",
            name=op.f("ck_gst_settings_registration_type_known"),
        ),
        sa.CheckConstraint(
            "hsn_digits_required IN (4, 6, 8)", name=op.f("ck_gst_settings_hsn_digits_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_gst_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_gst_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_gst_settings_tenant_id"),
    )
    op.create_table(
        "service_types",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("hsn_sac_code", sa.Text(), nullable=False),
        sa.Column("is_service", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("default_gst_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column(
            "cess_rate",
            sa.Numeric(precision=7, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("unit", sa.Text(), server_default="NOS", nullable=False),
        sa.Column("default_unit_price", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "hsn_sac_code ~ '^[0-9]{4,8}$'", name=op.f("ck_service_types_hsn_sac_code_format")
        ),
        sa.CheckConstraint(
            "cess_rate >= 0 AND cess_rate <= 400", name=op.f("ck_service_types_cess_rate_range")
        ),
        sa.CheckConstraint(
            "default_gst_rate >= 0 AND default_gst_rate <= 100",
            name=op.f("ck_service_types_gst_rate_range"),
        ),
        sa.CheckConstraint(
            "default_unit_price IS NULL OR default_unit_price >= 0",
            name=op.f("ck_service_types_price_ge_0"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_service_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_service_types")),
    )
    op.create_index(
        "uq_service_types_tenant_id_name",
        "service_types",
        ["tenant_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "subscriptions",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("trial_start_date", sa.Date(), nullable=True),
        sa.Column("trial_end_date", sa.Date(), nullable=True),
        sa.Column("current_period_start", sa.Date(), nullable=True),
        sa.Column("current_period_end", sa.Date(), nullable=True),
        sa.Column(
            "cancel_at_period_end", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_provider", sa.Text(), nullable=True),
        sa.Column("payment_reference", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "plan IN ('trial', 'free', 'monthly', 'yearly')",
            name=op.f("ck_subscriptions_plan_known"),
        ),
        sa.CheckConstraint(
            "status IN ('trialing', 'active', 'free', 'locked', 'past_due', 'canceled')",
            name=op.f("ck_subscriptions_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_subscriptions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"),
    )
    op.create_index(
        "ix_subscriptions_status_current_period_end",
        "subscriptions",
        ["status", "current_period_end"],
        unique=False,
    )
    op.create_table(
        "tax_rates",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column(
            "cess_rate",
            sa.Numeric(precision=7, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cess_rate >= 0 AND cess_rate <= 400", name=op.f("ck_tax_rates_cess_rate_range")
        ),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from",
            name=op.f("ck_tax_rates_effective_dates_ordered"),
        ),
        sa.CheckConstraint("rate >= 0 AND rate <= 100", name=op.f("ck_tax_rates_rate_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tax_rates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint(
            "tenant_id", "rate", "cess_rate", "effective_from", name="uq_tax_rates_rate_from"
        ),
    )
    op.create_table(
        "users",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('owner', 'admin', 'accountant', 'viewer')", name=op.f("ck_users_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name="uq_users_tenant_id_email"),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "account_managers",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_account_managers_tenant_id_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_account_managers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_account_managers")),
    )
    op.create_index(
        "ix_account_managers_tenant_id_user_id",
        "account_managers",
        ["tenant_id", "user_id"],
        unique=False,
    )
    op.create_index(
        "uq_account_managers_tenant_id_email",
        "account_managers",
        ["tenant_id", sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_table(
        "document_series",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("document_type", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column(
            "number_format", sa.Text(), server_default="{prefix}/{fy}/{seq:04d}", nullable=False
        ),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "document_type IN ('invoice', 'credit_note', 'receipt')",
            name=op.f("ck_document_series_document_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_document_series_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_document_series_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_document_series")),
        sa.UniqueConstraint(
            "tenant_id",
            "company_id",
            "document_type",
            "prefix",
            name="uq_document_series_company_type_prefix",
        ),
    )
    op.create_index(
        "ix_document_series_tenant_id_company_id",
        "document_series",
        ["tenant_id", "company_id"],
        unique=False,
    )
    op.create_table(
        "email_verifications",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_email_verifications_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_email_verifications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_email_verifications")),
    )
    op.create_index(
        "ix_email_verifications_tenant_id_user_id",
        "email_verifications",
        ["tenant_id", "user_id"],
        unique=False,
    )
    op.create_index(
        "uq_email_verifications_token_hash", "email_verifications", ["token_hash"], unique=True
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("requested_ip", postgresql.INET(), nullable=True),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_password_reset_tokens_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_password_reset_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_password_reset_tokens")),
    )
    op.create_index(
        "ix_password_reset_tokens_tenant_id_user_id",
        "password_reset_tokens",
        ["tenant_id", "user_id"],
        unique=False,
    )
    op.create_index(
        "uq_password_reset_tokens_token_hash", "password_reset_tokens", ["token_hash"], unique=True
    )
    op.create_table(
        "sessions",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("ip_address", postgresql.INET(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_sessions_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sessions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sessions")),
    )
    op.create_index(
        "ix_sessions_tenant_id_user_id", "sessions", ["tenant_id", "user_id"], unique=False
    )
    op.create_table(
        "customers",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=True),
        sa.Column("contact_person", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column(
            "cc_emails",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("gst_treatment", sa.Text(), server_default="unregistered", nullable=False),
        sa.Column("gstin", sa.Text(), nullable=True),
        sa.Column("pan", sa.Text(), nullable=True),
        sa.Column("state_code", sa.Text(), nullable=False),
        sa.Column("country_code", sa.Text(), server_default="IN", nullable=False),
        sa.Column("billing_address_line1", sa.Text(), nullable=True),
        sa.Column("billing_address_line2", sa.Text(), nullable=True),
        sa.Column("billing_city", sa.Text(), nullable=True),
        sa.Column("billing_pincode", sa.Text(), nullable=True),
        sa.Column("shipping_address_line1", sa.Text(), nullable=True),
        sa.Column("shipping_address_line2", sa.Text(), nullable=True),
        sa.Column("shipping_city", sa.Text(), nullable=True),
        sa.Column("shipping_pincode", sa.Text(), nullable=True),
        sa.Column("shipping_state_code", sa.Text(), nullable=True),
        sa.Column("client_type_id", sa.UUID(), nullable=True),
        sa.Column("account_manager_id", sa.UUID(), nullable=True),
        sa.Column("default_due_days", sa.Integer(), nullable=True),
        sa.Column("credit_limit", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column(
            "exclude_from_reminders", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "gst_treatment IN ('registered', 'unregistered', 'composition', 'sez', 'overseas')",
            name=op.f("ck_customers_gst_treatment_known"),
        ),
        sa.CheckConstraint(
            "gstin IS NULL OR substr(gstin, 1, 2) = state_code OR (substr(gstin, 1, 2) = '25' AND state_code = '26')",
            name=op.f("ck_customers_gstin_matches_state"),
        ),
        sa.CheckConstraint(
            "state_code ~ '^[0-9]{2}$'", name=op.f("ck_customers_state_code_format")
        ),
        sa.CheckConstraint(
            "credit_limit IS NULL OR credit_limit >= 0", name=op.f("ck_customers_credit_limit_ge_0")
        ),
        sa.CheckConstraint(
            "default_due_days BETWEEN 0 AND 365", name=op.f("ck_customers_default_due_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_manager_id"],
            ["account_managers.tenant_id", "account_managers.id"],
            name=op.f("fk_customers_tenant_id_account_manager_id_account_managers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_type_id"],
            ["client_types.tenant_id", "client_types.id"],
            name=op.f("fk_customers_tenant_id_client_type_id_client_types"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customers")),
        sa.UniqueConstraint("tenant_id", "code", name="uq_customers_tenant_id_code"),
    )
    op.create_index(
        "ix_customers_tenant_id_account_manager_id",
        "customers",
        ["tenant_id", "account_manager_id"],
        unique=False,
    )
    op.create_index(
        "ix_customers_tenant_id_client_type_id",
        "customers",
        ["tenant_id", "client_type_id"],
        unique=False,
    )
    op.create_index(
        "ix_customers_tenant_id_gstin", "customers", ["tenant_id", "gstin"], unique=False
    )
    op.create_index(
        "ix_customers_tenant_id_name",
        "customers",
        ["tenant_id", sa.literal_column("lower(name)")],
        unique=False,
    )
    op.create_index(
        "ix_customers_tenant_id_state_code", "customers", ["tenant_id", "state_code"], unique=False
    )
    op.create_index(
        "uq_customers_tenant_id_email",
        "customers",
        ["tenant_id", sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text("archived_at IS NULL"),
    )
    op.create_table(
        "document_counters",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("series_id", sa.UUID(), nullable=False),
        sa.Column("financial_year", sa.Text(), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "financial_year ~ '^[0-9]{4}-[0-9]{2}$'",
            name=op.f("ck_document_counters_financial_year_format"),
        ),
        sa.CheckConstraint(
            "last_number >= 0", name=op.f("ck_document_counters_last_number_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "series_id"],
            ["document_series.tenant_id", "document_series.id"],
            name=op.f("fk_document_counters_tenant_id_series_id_document_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_document_counters_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_document_counters")),
        sa.UniqueConstraint(
            "tenant_id", "series_id", "financial_year", name="uq_document_counters_series_fy"
        ),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "session_id"],
            ["sessions.tenant_id", "sessions.id"],
            name=op.f("fk_refresh_tokens_tenant_id_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_refresh_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(
        "ix_refresh_tokens_tenant_id_session_id",
        "refresh_tokens",
        ["tenant_id", "session_id"],
        unique=False,
    )
    op.create_index("uq_refresh_tokens_token_hash", "refresh_tokens", ["token_hash"], unique=True)
    op.create_table(
        "invoices",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("series_id", sa.UUID(), nullable=True),
        sa.Column("financial_year", sa.Text(), nullable=True),
        sa.Column("sequence_number", sa.Integer(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), server_default="tax_invoice", nullable=False),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("place_of_supply", sa.Text(), nullable=False),
        sa.Column("supply_type", sa.Text(), nullable=False),
        sa.Column("zero_rated_mode", sa.Text(), server_default="none", nullable=False),
        sa.Column("lut_reference", sa.Text(), nullable=True),
        sa.Column(
            "is_reverse_charge", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "billing_snapshot",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "amount_paid",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "amount_credited",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "amount_due",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_to", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "subtotal",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "discount_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "taxable_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "sgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "utgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "igst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cess_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "round_off",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "grand_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("amount_in_words", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('tax_invoice', 'bill_of_supply')", name=op.f("ck_invoices_kind_known")
        ),
        sa.CheckConstraint(
            "place_of_supply ~ '^[0-9]{2}$'", name=op.f("ck_invoices_place_of_supply_format")
        ),
        sa.CheckConstraint(
            "status <> 'void' OR void_reason IS NOT NULL", name=op.f("ck_invoices_void_has_reason")
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (number IS NOT NULL AND series_id IS NOT NULL AND financial_year IS NOT NULL AND sequence_number IS NOT NULL)",
            name=op.f("ck_invoices_issued_has_number"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'partially_paid', 'paid', 'void')",
            name=op.f("ck_invoices_status_known"),
        ),
        sa.CheckConstraint(
            "supply_type IN ('intra_state', 'inter_state', 'export', 'sez')",
            name=op.f("ck_invoices_supply_type_known"),
        ),
        sa.CheckConstraint(
            "zero_rated_mode IN ('none', 'lut', 'with_payment')",
            name=op.f("ck_invoices_zero_rated_mode_known"),
        ),
        sa.CheckConstraint(
            "amount_credited >= 0", name=op.f("ck_invoices_amount_credited_non_negative")
        ),
        sa.CheckConstraint("amount_due >= 0", name=op.f("ck_invoices_amount_due_non_negative")),
        sa.CheckConstraint("amount_paid >= 0", name=op.f("ck_invoices_amount_paid_non_negative")),
        sa.CheckConstraint("cess_total >= 0", name=op.f("ck_invoices_cess_total_non_negative")),
        sa.CheckConstraint("cgst_total >= 0", name=op.f("ck_invoices_cgst_total_non_negative")),
        sa.CheckConstraint(
            "discount_total >= 0", name=op.f("ck_invoices_discount_total_non_negative")
        ),
        sa.CheckConstraint(
            "due_date IS NULL OR due_date >= invoice_date", name=op.f("ck_invoices_due_after_date")
        ),
        sa.CheckConstraint("grand_total >= 0", name=op.f("ck_invoices_grand_total_non_negative")),
        sa.CheckConstraint("igst_total >= 0", name=op.f("ck_invoices_igst_total_non_negative")),
        sa.CheckConstraint(
            "number IS NULL OR length(number) <= 16", name=op.f("ck_invoices_number_length")
        ),
        sa.CheckConstraint(
            "round_off > -1 AND round_off < 1", name=op.f("ck_invoices_round_off_range")
        ),
        sa.CheckConstraint("sgst_total >= 0", name=op.f("ck_invoices_sgst_total_non_negative")),
        sa.CheckConstraint("subtotal >= 0", name=op.f("ck_invoices_subtotal_non_negative")),
        sa.CheckConstraint(
            "taxable_total >= 0", name=op.f("ck_invoices_taxable_total_non_negative")
        ),
        sa.CheckConstraint("utgst_total >= 0", name=op.f("ck_invoices_utgst_total_non_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_invoices_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_invoices_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_invoices_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "series_id"],
            ["document_series.tenant_id", "document_series.id"],
            name=op.f("fk_invoices_tenant_id_series_id_document_series"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invoices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_invoices_company_fy_number",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_invoices_series_fy_sequence",
        ),
    )
    op.create_index(
        "ix_invoices_tenant_id_company_id", "invoices", ["tenant_id", "company_id"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_id_created_by", "invoices", ["tenant_id", "created_by"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_id_customer_id", "invoices", ["tenant_id", "customer_id"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_id_invoice_date_id",
        "invoices",
        ["tenant_id", "invoice_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_tenant_id_number", "invoices", ["tenant_id", "number"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_id_series_id", "invoices", ["tenant_id", "series_id"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_id_status_due_date",
        "invoices",
        ["tenant_id", "status", "due_date"],
        unique=False,
    )
    op.create_table(
        "receipts",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("series_id", sa.UUID(), nullable=False),
        sa.Column("financial_year", sa.Text(), nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tds_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tds_section", sa.Text(), nullable=True),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("amount_allocated", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("amount_refunded", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "mode IN ('cash', 'bank_transfer', 'upi', 'cheque', 'card', 'other')",
            name=op.f("ck_receipts_mode_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_receipts_amount_positive")),
        sa.CheckConstraint(
            "amount_allocated + amount_refunded <= amount + tds_amount",
            name=op.f("ck_receipts_not_over_allocated"),
        ),
        sa.CheckConstraint(
            "amount_allocated >= 0", name=op.f("ck_receipts_amount_allocated_non_negative")
        ),
        sa.CheckConstraint(
            "amount_refunded >= 0", name=op.f("ck_receipts_amount_refunded_non_negative")
        ),
        sa.CheckConstraint(
            "tds_amount = 0 OR tds_section IS NOT NULL", name=op.f("ck_receipts_tds_has_section")
        ),
        sa.CheckConstraint("tds_amount >= 0", name=op.f("ck_receipts_tds_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_receipts_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_receipts_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_receipts_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "series_id"],
            ["document_series.tenant_id", "document_series.id"],
            name=op.f("fk_receipts_tenant_id_series_id_document_series"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_receipts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_receipts")),
        sa.UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_receipts_company_fy_number",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_receipts_series_fy_sequence",
        ),
    )
    op.create_index(
        "ix_receipts_tenant_id_company_id", "receipts", ["tenant_id", "company_id"], unique=False
    )
    op.create_index(
        "ix_receipts_tenant_id_created_by", "receipts", ["tenant_id", "created_by"], unique=False
    )
    op.create_index(
        "ix_receipts_tenant_id_customer_id_receipt_date",
        "receipts",
        ["tenant_id", "customer_id", "receipt_date"],
        unique=False,
    )
    op.create_index(
        "ix_receipts_tenant_id_receipt_date_id",
        "receipts",
        ["tenant_id", "receipt_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_receipts_tenant_id_reference", "receipts", ["tenant_id", "reference"], unique=False
    )
    op.create_index(
        "ix_receipts_tenant_id_series_id", "receipts", ["tenant_id", "series_id"], unique=False
    )
    op.create_table(
        "credit_notes",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("company_id", sa.UUID(), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("series_id", sa.UUID(), nullable=True),
        sa.Column("financial_year", sa.Text(), nullable=True),
        sa.Column("sequence_number", sa.Integer(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("credit_note_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_note", sa.Text(), nullable=True),
        sa.Column("place_of_supply", sa.Text(), nullable=False),
        sa.Column("supply_type", sa.Text(), nullable=False),
        sa.Column(
            "is_reverse_charge", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "amount_applied",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "amount_refundable",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "subtotal",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "discount_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "taxable_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "sgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "utgst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "igst_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cess_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "round_off",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "grand_total",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("amount_in_words", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "place_of_supply ~ '^[0-9]{2}$'", name=op.f("ck_credit_notes_place_of_supply_format")
        ),
        sa.CheckConstraint(
            "reason IN ('sales_return', 'post_sale_discount', 'deficiency_in_service', 'correction_in_invoice', 'change_in_place_of_supply', 'other')",
            name=op.f("ck_credit_notes_reason_known"),
        ),
        sa.CheckConstraint(
            "status <> 'void' OR void_reason IS NOT NULL",
            name=op.f("ck_credit_notes_void_has_reason"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (number IS NOT NULL AND series_id IS NOT NULL AND financial_year IS NOT NULL AND sequence_number IS NOT NULL)",
            name=op.f("ck_credit_notes_issued_has_number"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'void')", name=op.f("ck_credit_notes_status_known")
        ),
        sa.CheckConstraint(
            "supply_type IN ('intra_state', 'inter_state', 'export', 'sez')",
            name=op.f("ck_credit_notes_supply_type_known"),
        ),
        sa.CheckConstraint(
            "amount_applied >= 0", name=op.f("ck_credit_notes_amount_applied_non_negative")
        ),
        sa.CheckConstraint(
            "amount_refundable >= 0", name=op.f("ck_credit_notes_amount_refundable_non_negative")
        ),
        sa.CheckConstraint("cess_total >= 0", name=op.f("ck_credit_notes_cess_total_non_negative")),
        sa.CheckConstraint("cgst_total >= 0", name=op.f("ck_credit_notes_cgst_total_non_negative")),
        sa.CheckConstraint(
            "discount_total >= 0", name=op.f("ck_credit_notes_discount_total_non_negative")
        ),
        sa.CheckConstraint(
            "grand_total >= 0", name=op.f("ck_credit_notes_grand_total_non_negative")
        ),
        sa.CheckConstraint("igst_total >= 0", name=op.f("ck_credit_notes_igst_total_non_negative")),
        sa.CheckConstraint(
            "number IS NULL OR length(number) <= 16", name=op.f("ck_credit_notes_number_length")
        ),
        sa.CheckConstraint(
            "round_off > -1 AND round_off < 1", name=op.f("ck_credit_notes_round_off_range")
        ),
        sa.CheckConstraint("sgst_total >= 0", name=op.f("ck_credit_notes_sgst_total_non_negative")),
        sa.CheckConstraint("subtotal >= 0", name=op.f("ck_credit_notes_subtotal_non_negative")),
        sa.CheckConstraint(
            "taxable_total >= 0", name=op.f("ck_credit_notes_taxable_total_non_negative")
        ),
        sa.CheckConstraint(
            "utgst_total >= 0", name=op.f("ck_credit_notes_utgst_total_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "company_id"],
            ["companies.tenant_id", "companies.id"],
            name=op.f("fk_credit_notes_tenant_id_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_credit_notes_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_credit_notes_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_credit_notes_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "series_id"],
            ["document_series.tenant_id", "document_series.id"],
            name=op.f("fk_credit_notes_tenant_id_series_id_document_series"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_notes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint(
            "tenant_id",
            "company_id",
            "financial_year",
            "number",
            name="uq_credit_notes_company_fy_number",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "series_id",
            "financial_year",
            "sequence_number",
            name="uq_credit_notes_series_fy_sequence",
        ),
    )
    op.create_index(
        "ix_credit_notes_tenant_id_company_id",
        "credit_notes",
        ["tenant_id", "company_id"],
        unique=False,
    )
    op.create_index(
        "ix_credit_notes_tenant_id_created_by",
        "credit_notes",
        ["tenant_id", "created_by"],
        unique=False,
    )
    op.create_index(
        "ix_credit_notes_tenant_id_customer_id",
        "credit_notes",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_credit_notes_tenant_id_invoice_id",
        "credit_notes",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_index(
        "ix_credit_notes_tenant_id_note_date_id",
        "credit_notes",
        ["tenant_id", "credit_note_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_credit_notes_tenant_id_series_id",
        "credit_notes",
        ["tenant_id", "series_id"],
        unique=False,
    )
    op.create_table(
        "invoice_line_items",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.UUID(), nullable=True),
        sa.Column("discount_type", sa.Text(), server_default="amount", nullable=False),
        sa.Column(
            "discount_value",
            sa.Numeric(precision=18, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "discount_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hsn_sac", sa.Text(), nullable=True),
        sa.Column("uqc", sa.Text(), server_default="NOS", nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("taxable_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("gst_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column(
            "cess_rate",
            sa.Numeric(precision=7, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "sgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "utgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "igst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cess_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("line_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discount_type IN ('amount', 'percent')",
            name=op.f("ck_invoice_line_items_discount_type_known"),
        ),
        sa.CheckConstraint(
            "hsn_sac IS NULL OR hsn_sac ~ '^[0-9]{4,8}$'",
            name=op.f("ck_invoice_line_items_hsn_sac_format"),
        ),
        sa.CheckConstraint(
            "cess_amount >= 0", name=op.f("ck_invoice_line_items_cess_amount_non_negative")
        ),
        sa.CheckConstraint(
            "cess_rate >= 0", name=op.f("ck_invoice_line_items_cess_rate_non_negative")
        ),
        sa.CheckConstraint(
            "cgst_amount >= 0", name=op.f("ck_invoice_line_items_cgst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "discount_amount >= 0", name=op.f("ck_invoice_line_items_discount_amount_non_negative")
        ),
        sa.CheckConstraint(
            "discount_value >= 0", name=op.f("ck_invoice_line_items_discount_value_non_negative")
        ),
        sa.CheckConstraint(
            "gst_rate >= 0", name=op.f("ck_invoice_line_items_gst_rate_non_negative")
        ),
        sa.CheckConstraint(
            "igst_amount >= 0", name=op.f("ck_invoice_line_items_igst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "line_total >= 0", name=op.f("ck_invoice_line_items_line_total_non_negative")
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_invoice_line_items_position_positive")),
        sa.CheckConstraint(
            "quantity >= 0", name=op.f("ck_invoice_line_items_quantity_non_negative")
        ),
        sa.CheckConstraint(
            "sgst_amount >= 0", name=op.f("ck_invoice_line_items_sgst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "taxable_value >= 0", name=op.f("ck_invoice_line_items_taxable_value_non_negative")
        ),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_invoice_line_items_unit_price_non_negative")
        ),
        sa.CheckConstraint(
            "utgst_amount >= 0", name=op.f("ck_invoice_line_items_utgst_amount_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_invoice_line_items_tenant_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "service_type_id"],
            ["service_types.tenant_id", "service_types.id"],
            name=op.f("fk_invoice_line_items_tenant_id_service_type_id_service_types"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invoice_line_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoice_line_items")),
        sa.UniqueConstraint(
            "tenant_id", "invoice_id", "position", name="uq_invoice_line_items_position"
        ),
    )
    op.create_index(
        "ix_invoice_line_items_tenant_id_hsn_sac",
        "invoice_line_items",
        ["tenant_id", "hsn_sac"],
        unique=False,
    )
    op.create_index(
        "ix_invoice_line_items_tenant_id_service_type_id",
        "invoice_line_items",
        ["tenant_id", "service_type_id"],
        unique=False,
    )
    op.create_table(
        "receipt_allocations",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("receipt_id", sa.UUID(), nullable=False),
        sa.Column("invoice_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_receipt_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_receipt_allocations_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_receipt_allocations_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "receipt_id"],
            ["receipts.tenant_id", "receipts.id"],
            name=op.f("fk_receipt_allocations_tenant_id_receipt_id_receipts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_receipt_allocations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_receipt_allocations")),
        sa.UniqueConstraint(
            "tenant_id", "receipt_id", "invoice_id", name="uq_receipt_allocations_receipt_invoice"
        ),
    )
    op.create_index(
        "ix_receipt_allocations_tenant_id_created_by",
        "receipt_allocations",
        ["tenant_id", "created_by"],
        unique=False,
    )
    op.create_index(
        "ix_receipt_allocations_tenant_id_invoice_id",
        "receipt_allocations",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "credit_note_line_items",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("credit_note_id", sa.UUID(), nullable=False),
        sa.Column("invoice_line_item_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hsn_sac", sa.Text(), nullable=True),
        sa.Column("uqc", sa.Text(), server_default="NOS", nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("taxable_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("gst_rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column(
            "cess_rate",
            sa.Numeric(precision=7, scale=4),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "sgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "utgst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "igst_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column(
            "cess_amount",
            sa.Numeric(precision=18, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("line_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "hsn_sac IS NULL OR hsn_sac ~ '^[0-9]{4,8}$'",
            name=op.f("ck_credit_note_line_items_hsn_sac_format"),
        ),
        sa.CheckConstraint(
            "cess_amount >= 0", name=op.f("ck_credit_note_line_items_cess_amount_non_negative")
        ),
        sa.CheckConstraint(
            "cess_rate >= 0", name=op.f("ck_credit_note_line_items_cess_rate_non_negative")
        ),
        sa.CheckConstraint(
            "cgst_amount >= 0", name=op.f("ck_credit_note_line_items_cgst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "gst_rate >= 0", name=op.f("ck_credit_note_line_items_gst_rate_non_negative")
        ),
        sa.CheckConstraint(
            "igst_amount >= 0", name=op.f("ck_credit_note_line_items_igst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "line_total >= 0", name=op.f("ck_credit_note_line_items_line_total_non_negative")
        ),
        sa.CheckConstraint(
            "position >= 1", name=op.f("ck_credit_note_line_items_position_positive")
        ),
        sa.CheckConstraint(
            "quantity >= 0", name=op.f("ck_credit_note_line_items_quantity_non_negative")
        ),
        sa.CheckConstraint(
            "sgst_amount >= 0", name=op.f("ck_credit_note_line_items_sgst_amount_non_negative")
        ),
        sa.CheckConstraint(
            "taxable_value >= 0", name=op.f("ck_credit_note_line_items_taxable_value_non_negative")
        ),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_credit_note_line_items_unit_price_non_negative")
        ),
        sa.CheckConstraint(
            "utgst_amount >= 0", name=op.f("ck_credit_note_line_items_utgst_amount_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["credit_notes.tenant_id", "credit_notes.id"],
            name=op.f("fk_credit_note_line_items_tenant_id_credit_note_id_credit_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_line_item_id"],
            ["invoice_line_items.tenant_id", "invoice_line_items.id"],
            name=op.f(
                "fk_credit_note_line_items_tenant_id_invoice_line_item_id_invoice_line_items"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_note_line_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_note_line_items")),
        sa.UniqueConstraint(
            "tenant_id", "credit_note_id", "position", name="uq_credit_note_line_items_position"
        ),
    )
    op.create_index(
        "ix_credit_note_line_items_tenant_id_invoice_line_item_id",
        "credit_note_line_items",
        ["tenant_id", "invoice_line_item_id"],
        unique=False,
    )


def downgrade() -> None:
    # Tables, keys, constraints and indexes (generated from app.models, then reviewed).
    op.drop_index(
        "ix_credit_note_line_items_tenant_id_invoice_line_item_id",
        table_name="credit_note_line_items",
    )
    op.drop_table("credit_note_line_items")
    op.drop_index("ix_receipt_allocations_tenant_id_invoice_id", table_name="receipt_allocations")
    op.drop_index("ix_receipt_allocations_tenant_id_created_by", table_name="receipt_allocations")
    op.drop_table("receipt_allocations")
    op.drop_index(
        "ix_invoice_line_items_tenant_id_service_type_id", table_name="invoice_line_items"
    )
    op.drop_index("ix_invoice_line_items_tenant_id_hsn_sac", table_name="invoice_line_items")
    op.drop_table("invoice_line_items")
    op.drop_index("ix_credit_notes_tenant_id_series_id", table_name="credit_notes")
    op.drop_index("ix_credit_notes_tenant_id_note_date_id", table_name="credit_notes")
    op.drop_index("ix_credit_notes_tenant_id_invoice_id", table_name="credit_notes")
    op.drop_index("ix_credit_notes_tenant_id_customer_id", table_name="credit_notes")
    op.drop_index("ix_credit_notes_tenant_id_created_by", table_name="credit_notes")
    op.drop_index("ix_credit_notes_tenant_id_company_id", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_index("ix_receipts_tenant_id_series_id", table_name="receipts")
    op.drop_index("ix_receipts_tenant_id_reference", table_name="receipts")
    op.drop_index("ix_receipts_tenant_id_receipt_date_id", table_name="receipts")
    op.drop_index("ix_receipts_tenant_id_customer_id_receipt_date", table_name="receipts")
    op.drop_index("ix_receipts_tenant_id_created_by", table_name="receipts")
    op.drop_index("ix_receipts_tenant_id_company_id", table_name="receipts")
    op.drop_table("receipts")
    op.drop_index("ix_invoices_tenant_id_status_due_date", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_series_id", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_number", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_invoice_date_id", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_customer_id", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_created_by", table_name="invoices")
    op.drop_index("ix_invoices_tenant_id_company_id", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("uq_refresh_tokens_token_hash", table_name="refresh_tokens")
    op.drop_index("ix_refresh_tokens_tenant_id_session_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_table("document_counters")
    op.drop_index(
        "uq_customers_tenant_id_email",
        table_name="customers",
        postgresql_where=sa.text("archived_at IS NULL"),
    )
    op.drop_index("ix_customers_tenant_id_state_code", table_name="customers")
    op.drop_index("ix_customers_tenant_id_name", table_name="customers")
    op.drop_index("ix_customers_tenant_id_gstin", table_name="customers")
    op.drop_index("ix_customers_tenant_id_client_type_id", table_name="customers")
    op.drop_index("ix_customers_tenant_id_account_manager_id", table_name="customers")
    op.drop_table("customers")
    op.drop_index("ix_sessions_tenant_id_user_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("uq_password_reset_tokens_token_hash", table_name="password_reset_tokens")
    op.drop_index("ix_password_reset_tokens_tenant_id_user_id", table_name="password_reset_tokens")
    op.drop_table("password_reset_tokens")
    op.drop_index("uq_email_verifications_token_hash", table_name="email_verifications")
    op.drop_index("ix_email_verifications_tenant_id_user_id", table_name="email_verifications")
    op.drop_table("email_verifications")
    op.drop_index("ix_document_series_tenant_id_company_id", table_name="document_series")
    op.drop_table("document_series")
    op.drop_index("uq_account_managers_tenant_id_email", table_name="account_managers")
    op.drop_index("ix_account_managers_tenant_id_user_id", table_name="account_managers")
    op.drop_table("account_managers")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.drop_table("tax_rates")
    op.drop_index("ix_subscriptions_status_current_period_end", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_index("uq_service_types_tenant_id_name", table_name="service_types")
    op.drop_table("service_types")
    op.drop_table("gst_settings")
    op.drop_index("ix_companies_tenant_id_gstin", table_name="companies")
    op.drop_table("companies")
    op.drop_index("uq_client_types_tenant_id_name", table_name="client_types")
    op.drop_table("client_types")
    op.drop_table("tenants")
    op.drop_index("ix_audit_logs_tenant_id_user_id", table_name="audit_logs")
    op.drop_index("ix_audit_logs_tenant_id_entity", table_name="audit_logs")
    op.drop_index("ix_audit_logs_tenant_id_created_at", table_name="audit_logs")
    op.drop_index("ix_audit_logs_tenant_id_action", table_name="audit_logs")
    op.drop_table("audit_logs")
