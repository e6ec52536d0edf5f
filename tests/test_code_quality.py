"""Lint, format and type checks are part of the suite, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.core.config import PROJECT_ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_ruff_lint() -> None:
    result = _run("ruff", "check", "app", "alembic", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "app", "alembic", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_on_app() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
