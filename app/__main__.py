"""Zero-setup launcher: ``python3 -m app <command>``.

This module runs on a bare Python 3.11+ with nothing installed, so it only uses
the standard library. It creates ``.venv`` inside the project, installs the
requirements (again only when a requirements file changed), and then re-runs the
command inside that virtualenv through :mod:`app.cli`.

Commands: ``dev`` (embedded PostgreSQL + demo tenant + API + in-process worker),
``test`` (the whole suite), ``serve``, ``worker``, ``migrate``, ``check``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_DIR = Path(os.environ.get("RMS_VENV", PROJECT_ROOT / ".venv"))
RUNTIME_REQUIREMENTS = [PROJECT_ROOT / "requirements.txt"]
TEST_REQUIREMENTS = [*RUNTIME_REQUIREMENTS, PROJECT_ROOT / "tests" / "requirements.txt"]
NEEDS_TEST_REQUIREMENTS = {"test", "lint"}


def _venv_python() -> Path:
    return VENV_DIR / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest(files: list[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _ensure_venv(files: list[Path]) -> Path:
    """Create the virtualenv and install ``files`` unless the stamp says it is current."""
    python = _venv_python()
    stamp = VENV_DIR / f".installed-{'-'.join(f.parent.name for f in files)}.sha256"
    wanted = _requirements_digest(files)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        print(f"[rms] creating virtualenv in {VENV_DIR}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV_DIR)
    print("[rms] installing requirements (first run only)", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    args = [item for file in files for item in ("-r", str(file))]
    subprocess.run([*pip, *args], check=True)
    stamp.write_text(wanted)
    return python


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "dev"
    files = TEST_REQUIREMENTS if command in NEEDS_TEST_REQUIREMENTS else RUNTIME_REQUIREMENTS
    in_venv = Path(sys.prefix).resolve() == VENV_DIR.resolve()
    python = _ensure_venv(files) if not in_venv or command in NEEDS_TEST_REQUIREMENTS else None
    if python is not None and not in_venv:
        os.chdir(PROJECT_ROOT)
        os.execv(str(python), [str(python), "-m", "app.cli", *sys.argv[1:]])
    from app import cli

    cli.main(sys.argv[1:])


if __name__ == "__main__":
    main()
