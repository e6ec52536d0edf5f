"""The load generator: closed-loop virtual users on keep-alive HTTP/1.1 connections.

Plain asyncio streams on uvloop (no HTTP library in the way), spread over processes so
the client is not the bottleneck: each process reports its own CPU time, and the
harness shows the constant endpoint's rate does not move when the client doubles.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

import uvloop


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    expect: tuple[int, ...] = (200,)


@dataclass(frozen=True)
class Job:
    """What one load process runs: ``users`` virtual users over ``requests``.

    ``cycle``: users walk the list round-robin until ``seconds`` pass; otherwise each
    request is sent once (users share the list) and the job ends when it is exhausted."""

    host: str
    port: int
    requests: list[Request]
    users: int
    seconds: float
    warmup: float = 0.0
    cycle: bool = True
    keep_bodies: bool = False
    offset: int = 0  # where this process starts in the list (spreads tenants)


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bodies: dict[int, bytes] = field(default_factory=dict)
    elapsed: float = 0.0
    cpu: float = 0.0


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}"]
        head += [f"{k}: {v}" for k, v in request.headers]
        if request.body or request.method in ("POST", "PUT"):
            head.append(f"Content-Length: {len(request.body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        body = await (self._chunks() if chunked else self.reader.readexactly(length))
        if close:
            self.writer.close()
            self.writer = None
        return status, body

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _run(job: Job) -> Outcome:
    outcome = Outcome()
    started = time.perf_counter()
    measure_from = started + job.warmup
    deadline = measure_from + job.seconds
    shared = iter(range(job.offset, job.offset + len(job.requests)))
    count = len(job.requests)

    async def user(index: int) -> None:
        connection = Connection(job.host, job.port)
        step = 0
        try:
            while True:
                if job.cycle:
                    position = job.offset + index + step * job.users
                    step += 1
                else:
                    position = next(shared, -1)
                    if position < 0:
                        return
                now = time.perf_counter()
                if job.cycle and now >= deadline:
                    return
                request = job.requests[position % count]
                try:
                    status, body = await connection.send(request)
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    key = type(exc).__name__
                    outcome.errors[key] = outcome.errors.get(key, 0) + 1
                    connection = Connection(job.host, job.port)
                    continue
                done = time.perf_counter()
                if status not in request.expect:
                    key = f"HTTP {status}: {body[:160]!r}"
                    outcome.errors[key] = outcome.errors.get(key, 0) + 1
                elif done >= measure_from or not job.cycle:
                    outcome.latencies.append(done - now)
                    if job.keep_bodies:
                        outcome.bodies[position % count] = body
        finally:
            connection.close()

    cpu = time.process_time()
    await asyncio.gather(*(user(i) for i in range(job.users)))
    outcome.elapsed = time.perf_counter() - (measure_from if job.cycle else started)
    outcome.cpu = time.process_time() - cpu
    return outcome


def run_job(job: Job) -> Outcome:
    return uvloop.run(_run(job))


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    errors: dict[str, int]
    client_cpu: float  # CPU seconds the load processes used, per wall second
    bodies: dict[int, bytes]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def cpu_per_request(self) -> float:
        """Server CPU seconds per answered request: the cost, whatever else the machine runs."""
        return float(self.extra.get("server_cpu", 0.0)) / self.rate if self.rate else float("nan")

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def drive(name: str, job: Job, processes: int = 1) -> Result:
    """Run ``job`` split over ``processes`` (users divided; one list, offsets spread)."""
    processes = max(1, min(processes, job.users))
    jobs = []
    for index in range(processes):
        users = job.users // processes + (1 if index < job.users % processes else 0)
        offset = job.offset + index * (len(job.requests) // processes) if job.cycle else 0
        jobs.append(_slice(job, index, processes, users, offset))
    if processes == 1:
        outcomes = [run_job(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            outcomes = pool.map(run_job, jobs)
    latencies = [x for o in outcomes for x in o.latencies]
    errors: dict[str, int] = {}
    bodies: dict[int, bytes] = {}
    for o in outcomes:
        bodies.update(o.bodies)
        for key, value in o.errors.items():
            errors[key] = errors.get(key, 0) + value
    seconds = max(o.elapsed for o in outcomes)
    cpu = sum(o.cpu for o in outcomes) / seconds if seconds else 0.0
    return Result(name, len(latencies), seconds, latencies, errors, cpu, bodies)


def _slice(job: Job, index: int, processes: int, users: int, offset: int) -> Job:
    if job.cycle:
        return Job(
            job.host,
            job.port,
            job.requests,
            users,
            job.seconds,
            job.warmup,
            True,
            job.keep_bodies,
            offset,
        )
    # Count-bound: each process takes every processes-th request.
    mine = job.requests[index::processes]
    return Job(job.host, job.port, mine, users, job.seconds, 0.0, False, job.keep_bodies, 0)
