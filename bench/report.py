"""The results file: one markdown table of scenarios, one of targets with PASS/MISS."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.run import Run


GIT = shutil.which("git") or "/usr/bin/git"


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    sense: str  # ">=" or "<="
    goal: float

    @property
    def passed(self) -> bool:
        return self.value >= self.goal if self.sense == ">=" else self.value <= self.goal


def _commit() -> str:
    try:
        out = subprocess.run(  # noqa: S603 - git, fixed arguments
            [GIT, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
        dirty = subprocess.run(  # noqa: S603 - git, fixed arguments
            [GIT, "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
        return out.stdout.strip() + (" (working tree modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_report(
    path: Path, run: Run, targets: list[Target], bcrypt: float, seconds: float
) -> None:
    lines = [
        f"# Benchmark: {run.mode.name} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{socket.gethostname()}",
        "",
        f"- Commit {_commit()}; Python {platform.python_version()}; {os.cpu_count()} CPUs; "
        f"{run.server.workers} uvicorn workers (uvloop, httptools, ENVIRONMENT=production, "
        f"rate limits off); {run.clients} load process(es) by default.",
        f"- Data: {len(run.tenants)} tenants; the big one has {run.big.invoice_count:,} invoices; "
        f"load spread over {run.mode.active_tenants} tenants; {run.mode.seconds:g} s per "
        f"scenario after {run.mode.warmup:g} s warm-up. Total {seconds:.0f} s.",
        f"- bcrypt cost-12 verify rate, {run.server.workers} processes: {bcrypt:.1f}/s.",
        "",
        "## Targets",
        "",
        "| target | measured | goal | |",
        "|---|---:|---:|---|",
    ]
    lines += [
        f"| {t.name} | {t.value:.2f} | {t.sense} {t.goal:g} | {'PASS' if t.passed else 'MISS'} |"
        for t in targets
    ]
    lines += [
        "",
        "## Scenarios",
        "",
        "| scenario | users | req/s | p50 ms | p99 ms | p99/p50 | server CPU | server CPU ms/req "
        "| client CPU | peak RSS sum / worst worker MB | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in run.results.items():
        peak = run.memory[name]
        ratio = result.p99 / result.p50 if result.latencies else float("nan")
        lines.append(
            f"| {name} | {result.extra.get('users', '')} | {result.rate:.1f} | "
            f"{result.p50 * 1000:.1f} | {result.p99 * 1000:.1f} | {ratio:.1f} | "
            f"{result.extra.get('server_cpu', 0):.2f} | {result.cpu_per_request * 1000:.2f} | "
            f"{result.client_cpu:.2f} | "
            f"{peak.total / 2**20:.0f} / {peak.worst_worker / 2**20:.0f} | "
            f"{sum(result.errors.values())} |"
        )
    lines += [
        "",
        "Server and client CPU: CPU-seconds per wall second (1.00 = one core busy). Server CPU "
        "per request is the cost of one answer, which other work on the machine changes far "
        "less than throughput: the `(CPU)` targets compare those costs.",
        "",
    ]
    lines += [f"- {note}" for note in run.notes]
    errors = {(name, k): v for name, r in run.results.items() for k, v in r.errors.items()}
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- {name}: {count} x `{message}`" for (name, message), count in errors.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
