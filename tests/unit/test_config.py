"""Production refuses unsafe settings, and says exactly which."""

from __future__ import annotations

import pytest

from app.core.config import (
    DEFAULT_SECRET_KEY,
    PROJECT_ROOT,
    ConfigurationError,
    Settings,
    check_startup,
)
from app.main import create_app

GOOD_SECRET = "a" * 48
DB = "postgresql://rms_app:pw@db.internal/rms"


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": DB,
        "DEBUG": False,
        "CORS_ORIGINS": ["https://app.rmsbilling.in"],
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_safe_production_settings_start() -> None:
    check_startup(production())
    assert production().production_problems() == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY is the default or shorter than 32"),
        ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is the default or shorter than 32"),
        ({"DATABASE_URL": None}, "the embedded database would be used"),
        ({"DEBUG": True}, "DEBUG is on"),
        ({"CORS_ORIGINS": ["*"]}, "CORS_ORIGINS contains '*'"),
    ],
)
def test_unsafe_production_settings_refuse_to_start(
    overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(ConfigurationError, match="Refusing to start in production") as info:
        create_app(production(**overrides))
    assert reason in str(info.value)


def test_every_problem_is_listed_at_once() -> None:
    problems = production(SECRET_KEY=DEFAULT_SECRET_KEY, DATABASE_URL=None, DEBUG=True)
    assert len(problems.production_problems()) == 3


def test_development_allows_defaults() -> None:
    check_startup(Settings(ENVIRONMENT="development", SECRET_KEY=DEFAULT_SECRET_KEY))  # type: ignore[arg-type]


def test_cors_origins_accept_a_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_bcrypt_cost_defaults_to_12() -> None:
    assert Settings.model_fields["BCRYPT_ROUNDS"].default == 12


def test_every_setting_is_documented_in_env_example() -> None:
    documented = (PROJECT_ROOT / ".env.example").read_text()
    missing = [name for name in Settings.model_fields if f"# {name}=" not in documented]
    assert missing == []


def test_malformed_rate_limits_refuse_to_load() -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_PER_TENANT"):
        Settings(RATE_LIMIT_PER_TENANT="lots")


def test_docs_default_off_in_production_only() -> None:
    assert Settings().docs_enabled
    assert not Settings(ENVIRONMENT="production").docs_enabled
    assert Settings(ENVIRONMENT="production", DOCS_ENABLED=True).docs_enabled
