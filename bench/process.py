"""The server under test as a child process: start, wait until ready, sample memory, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from app.core.config import PROJECT_ROOT

SERVE = """
import os
from app.core.serving import serve
serve(
    "bench.server:create_bench_app", host="127.0.0.1", port=int(os.environ["BENCH_PORT"]),
    workers=int(os.environ["BENCH_WORKERS"]), forwarded_allow_ips="127.0.0.1",
    timeout_graceful_shutdown=30,
)
"""


@dataclass
class MemoryPeak:
    per_worker: dict[int, int] = field(default_factory=dict)  # pid -> peak RSS bytes
    total: int = 0  # peak of the sum over workers at one instant
    helper: int = 0  # peak RSS of any worker's own child process (the PDF renderer)

    def merge(self, other: MemoryPeak) -> None:
        for pid, rss in other.per_worker.items():
            self.per_worker[pid] = max(self.per_worker.get(pid, 0), rss)
        self.total = max(self.total, other.total)
        self.helper = max(self.helper, other.helper)

    @property
    def worst_worker(self) -> int:
        return max(self.per_worker.values(), default=0)


class Server:
    """``python -c SERVE``: the bench app under uvicorn, configured like ``app serve``."""

    def __init__(self, app_url: str, port: int, workers: int, secret: str, log: Path) -> None:
        self.port, self.workers = port, workers
        env = {
            **os.environ,
            "ENVIRONMENT": "production",
            "SECRET_KEY": secret,
            "DATABASE_URL": app_url,
            "RATE_LIMIT_ENABLED": "false",
            "RUN_WORKER_IN_PROCESS": "false",
            "BENCH_PORT": str(port),
            "BENCH_WORKERS": str(workers),
        }
        env.pop("DATABASE_ADMIN_URL", None)
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", SERVE],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._sampling = False
        self._peak = MemoryPeak()
        self._thread: threading.Thread | None = None

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/bench/constant"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({self.process.returncode}); see {self.log.name}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        time.sleep(1.0)  # let every worker finish its start-up
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not become ready")

    def worker_pids(self) -> list[int]:
        if self.workers == 1:  # uvicorn serves in the process it was started in
            return [self.process.pid] if self.process.poll() is None else []
        # uvicorn's supervisor also starts multiprocessing's resource tracker.
        return [pid for pid in _children(self.process.pid) if "resource_tracker" not in _cmd(pid)]

    def helper_pids(self) -> list[int]:
        """The workers' own children: the PDF renderer processes."""
        return [child for pid in self.worker_pids() for child in _children(pid)]

    def cpu_seconds(self) -> float:
        """Workers and their renderers (a renderer replaced meanwhile takes its time along)."""
        return sum(_cpu_seconds(pid) for pid in self.worker_pids() + self.helper_pids())

    def start_sampling(self) -> None:
        self._peak = MemoryPeak()
        self._sampling = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> MemoryPeak:
        self._sampling = False
        if self._thread is not None:
            self._thread.join()
        return self._peak

    def _sample(self) -> None:
        while self._sampling:
            total = 0
            for pid in self.worker_pids():
                rss = _rss(pid)
                total += rss
                self._peak.per_worker[pid] = max(self._peak.per_worker.get(pid, 0), rss)
            self._peak.total = max(self._peak.total, total)
            for pid in self.helper_pids():
                self._peak.helper = max(self._peak.helper, _rss(pid))
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# -- /proc (Linux): the children, memory and CPU time of the server's processes ------------

TICKS = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:  # the process has just exited
        return ""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in _read(str(task)).split()]
    return found


def _cmd(pid: int) -> str:
    return _read(f"/proc/{pid}/cmdline").replace("\0", " ")


def _rss(pid: int) -> int:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds(pid: int) -> float:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
