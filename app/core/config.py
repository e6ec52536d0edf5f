"""Settings, read once from the environment (and ``.env``) by pydantic-settings.

Every setting is documented in ``.env.example``. ``production_problems`` lists the
reasons the service must refuse to start in production.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    PROJECT_NAME: str = "RMS Billing"
    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    DEBUG: bool = False
    API_V1_PREFIX: str = "/api/v1"
    # Swagger UI, ReDoc and /openapi.json. Unset: on, except in production.
    DOCS_ENABLED: bool | None = None

    # Database. DATABASE_URL is the runtime role (no BYPASSRLS, not the table owner);
    # DATABASE_ADMIN_URL is the owner used by migrations. Both unset: embedded PostgreSQL.
    DATABASE_URL: str | None = None
    DATABASE_ADMIN_URL: str | None = None
    DB_APP_ROLE: str = "rms_app"
    EMBEDDED_DB_DIR: Path = PROJECT_ROOT / ".data" / "postgres"
    DB_POOL_SIZE: int = Field(default=20, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    DB_POOL_TIMEOUT: float = 10.0
    DB_STATEMENT_TIMEOUT_MS: int = 30_000
    # Behind pgbouncer in transaction mode asyncpg's prepared-statement cache must be off.
    DB_PGBOUNCER: bool = False

    # Tokens and passwords.
    SECRET_KEY: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    JWT_ALGORITHM: Literal["HS256"] = "HS256"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=30, ge=1)
    REFRESH_TOKEN_EXPIRE_DAYS: int = Field(default=7, ge=1)
    EMAIL_VERIFICATION_EXPIRE_HOURS: int = Field(default=24, ge=1)
    PASSWORD_RESET_EXPIRE_MINUTES: int = Field(default=60, ge=1)
    BCRYPT_ROUNDS: int = Field(default=12, ge=4, le=31)

    # Email. SMTP_HOST unset: messages are written as .eml files to MAIL_OUTBOX_DIR.
    SMTP_HOST: str | None = None
    SMTP_PORT: int = 587
    SMTP_USER: str | None = None
    SMTP_PASSWORD: SecretStr | None = None
    SMTP_STARTTLS: bool = True
    SMTP_SSL: bool = False
    SMTP_TIMEOUT: float = 15.0
    MAIL_FROM: str = "RMS Billing <no-reply@rms-billing.local>"
    MAIL_OUTBOX_DIR: Path = PROJECT_ROOT / ".data" / "outbox"

    FRONTEND_URL: str = "http://localhost:5173"
    CORS_ORIGINS: Annotated[list[str], NoDecode] = ["http://localhost:5173"]

    # Run a job worker inside the API process (the embedded default; `python -m app dev`
    # turns it on). In production run `python -m app worker` processes instead.
    RUN_WORKER_IN_PROCESS: bool = False

    TRIAL_DAYS: int = Field(default=14, ge=1)
    # After the trial (or a paid period) ends: a limited free tier, or read-only after a
    # grace period in which writes still work.
    AFTER_TRIAL_POLICY: Literal["free_tier", "hard_lock"] = "free_tier"
    HARD_LOCK_GRACE_DAYS: int = Field(default=3, ge=0)
    FREE_TIER_INVOICES_PER_MONTH: int = Field(default=10, ge=0)
    FREE_TIER_ACTIVE_CUSTOMERS: int = Field(default=50, ge=0)
    FREE_TIER_USERS: int = Field(default=1, ge=1)
    PLAN_MONTHLY_DAYS: int = 30
    PLAN_YEARLY_DAYS: int = 365
    UPGRADE_URL: str = "http://localhost:5173/settings/billing"
    INVITATION_EXPIRE_HOURS: int = Field(default=72, ge=1)
    TIMEZONE: str = "Asia/Kolkata"
    SEED_DEMO_DATA: bool = True
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = True
    DEFAULT_PAGE_SIZE: int = 20
    MAX_PAGE_SIZE: int = 100
    # A list's total is counted up to here; past it the count would cost as much as
    # reading the whole list, so ``total`` stops at this and ``total_exact`` is false.
    LIST_COUNT_LIMIT: int = Field(default=1_000, ge=1)

    # Rate limits, in the `limits` notation ("10/minute;100/hour"). Counted in memory per
    # process, or in Redis when REDIS_URL is set so every API process shares the counts.
    REDIS_URL: str | None = None
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_AUTH_PER_IP: str = "30/minute;300/hour"
    RATE_LIMIT_AUTH_PER_ACCOUNT: str = "10/minute;50/hour"
    RATE_LIMIT_EMAIL_PER_ACCOUNT: str = "3/hour;10/day"
    RATE_LIMIT_PER_TENANT: str = "1200/minute"
    RATE_LIMIT_PER_API_TOKEN: str = "600/minute"
    RATE_LIMIT_KEY_PREFIX: str = "rms-ratelimit"
    # Trust X-Forwarded-For / X-Forwarded-Proto from these proxy addresses ("*" for any).
    FORWARDED_ALLOW_IPS: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]

    # Idempotency-Key replays are kept this long.
    IDEMPOTENCY_TTL_HOURS: int = Field(default=24, ge=1)

    # Web security.
    MAX_REQUEST_BODY_BYTES: int = Field(default=1_048_576, ge=1024)
    HSTS_MAX_AGE_SECONDS: int = Field(default=63_072_000, ge=0)
    GZIP_MINIMUM_BYTES: int = Field(default=1024, ge=0)

    # Prometheus metrics at /metrics. With METRICS_TOKEN set, scrapers must send it as a
    # bearer token; in production /metrics is served only when a token is set.
    METRICS_ENABLED: bool = True
    METRICS_TOKEN: SecretStr | None = None

    # Data rights: tenant erasure waits this long (the owner may cancel); exports are kept
    # for download this long.
    ERASURE_COOLING_OFF_DAYS: int = Field(default=30, ge=0)
    DATA_EXPORT_EXPIRE_HOURS: int = Field(default=72, ge=1)

    @field_validator("CORS_ORIGINS", "FORWARDED_ALLOW_IPS", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator(
        "RATE_LIMIT_AUTH_PER_IP",
        "RATE_LIMIT_AUTH_PER_ACCOUNT",
        "RATE_LIMIT_EMAIL_PER_ACCOUNT",
        "RATE_LIMIT_PER_TENANT",
        "RATE_LIMIT_PER_API_TOKEN",
    )
    @classmethod
    def _valid_limits(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # "10/minute;100/hour"; raises ValueError when malformed
        return value

    @property
    def uses_embedded_db(self) -> bool:
        return self.DATABASE_URL is None

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def docs_enabled(self) -> bool:
        return not self.is_production if self.DOCS_ENABLED is None else self.DOCS_ENABLED

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve production traffic (empty when fine)."""
        if not self.is_production:
            return []
        problems = []
        secret = self.SECRET_KEY.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
            problems.append(
                f"SECRET_KEY is the default or shorter than {MIN_SECRET_KEY_LENGTH} characters"
            )
        if self.uses_embedded_db:
            problems.append("DATABASE_URL is unset, so the embedded database would be used")
        if self.DEBUG:
            problems.append("DEBUG is on")
        if "*" in self.CORS_ORIGINS:
            problems.append("CORS_ORIGINS contains '*'")
        return problems


class ConfigurationError(RuntimeError):
    """The settings are unsafe for the chosen environment."""


@lru_cache
def get_settings() -> Settings:
    return Settings()


def check_startup(settings: Settings) -> None:
    problems = settings.production_problems()
    if problems:
        raise ConfigurationError("Refusing to start in production: " + "; ".join(problems) + ".")
