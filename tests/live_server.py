"""The real app served by uvicorn in a background thread, for tests that speak HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import uvicorn

from app.core.config import PROJECT_ROOT
from tests.smtp_server import free_port


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


class ServerProcess:
    """The real app in its own uvicorn process, configured through the environment."""

    def __init__(self, settings: Any, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **settings_environment(settings), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=PROJECT_ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def settings_environment(settings: Any) -> dict[str, str]:
    """The suite's settings as environment variables for a server in another process."""
    names = [
        "ENVIRONMENT",
        "DATABASE_URL",
        "DATABASE_ADMIN_URL",
        "BCRYPT_ROUNDS",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_STARTTLS",
        "MAIL_OUTBOX_DIR",
        "FRONTEND_URL",
        "LOG_LEVEL",
        "DB_POOL_SIZE",
        "RATE_LIMIT_ENABLED",
    ]
    env = {name: str(getattr(settings, name)) for name in names}
    env["SECRET_KEY"] = settings.SECRET_KEY.get_secret_value()
    env["RUN_WORKER_IN_PROCESS"] = "false"
    env["LOG_JSON"] = "true"
    return env
