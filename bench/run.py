"""``python -m bench run``: start the server, drive every scenario, write the results.

Every target is a ratio between two numbers measured in this run on this machine: a
product route and its reference (a raw route behind the same HTTP stack, the bare SQL,
the machine's bcrypt rate), or the same route on two sizes of data.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.utils.clock import today_ist
from bench import fixtures, references, say
from bench.load import Job, Request, Result, drive
from bench.process import MemoryPeak, Server
from bench.report import Target, write_report
from bench.seed import BENCH_SECRET, PASSWORD, BenchDatabase

API = "/api/v1"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float
    warmup: float
    active_tenants: int  # tenants the load spreads over (the big one included)
    logins: int
    report_repeats: int
    pdf_renders: int
    allocations: int


QUICK = Mode("quick", 4.0, 1.0, 11, 11, 4, 6, 400)
FULL = Mode("full", 12.0, 2.0, 31, 100, 15, 24, 1500)
SMOKE = Mode("smoke", 0.25, 0.05, 2, 2, 1, 1, 4)


@dataclass
class Run:
    mode: Mode
    db: BenchDatabase
    server: Server
    tenants: list[fixtures.Tenant]
    clients: int
    results: dict[str, Result] = field(default_factory=dict)
    memory: dict[str, MemoryPeak] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    overall: MemoryPeak = field(default_factory=MemoryPeak)

    @property
    def big(self) -> fixtures.Tenant:
        return self.tenants[0]

    @property
    def small(self) -> list[fixtures.Tenant]:
        return self.tenants[1 : self.mode.active_tenants]

    def job(
        self, requests: list[Request], users: int, *, cycle: bool = True, keep: bool = False
    ) -> Job:
        return Job(
            "127.0.0.1",
            self.server.port,
            requests,
            users,
            self.mode.seconds,
            self.mode.warmup,
            cycle,
            keep,
        )

    def measure(self, name: str, job: Job, clients: int | None = None) -> Result:
        self.server.start_sampling()
        cpu = self.server.cpu_seconds()
        result = drive(name, job, clients or self.clients)
        result.extra["server_cpu"] = (self.server.cpu_seconds() - cpu) / max(result.seconds, 1e-9)
        peak = self.server.stop_sampling()
        result.extra["users"] = job.users
        self.results[name], self.memory[name] = result, peak
        self.overall.merge(peak)
        errors = sum(result.errors.values())
        say(
            f"[bench] {name:<34} {result.rate:8.1f}/s  p50 {result.p50 * 1000:7.1f} ms  "
            f"p99 {result.p99 * 1000:7.1f} ms  errors {errors}"
        )
        for message, count in list(result.errors.items())[:3]:
            say(f"        {count} x {message}")
        return result


def auth(tenant: fixtures.Tenant, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("Authorization", f"Bearer {tenant.token}"), *extra)


JSON_BODY = ("Content-Type", "application/json")


def interleave(groups: list[list[Request]]) -> list[Request]:
    """One request of each tenant in turn, so concurrent users hit different tenants."""
    out: list[Request] = []
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        out += [g[i] for g in groups if i < len(g)]
    return out


def invoice_body(customer: str) -> bytes:
    line = {
        "description": "Retainer",
        "hsn_sac": "998314",
        "quantity": "2",
        "unit_price": "1500.00",
        "gst_rate": "18",
    }
    return json.dumps({"customer_id": customer, "issue": True, "lines": [line] * 5}).encode()


# -- scenarios ------------------------------------------------------------------------------


def login(run: Run) -> None:
    wanted = run.tenants[: max(run.mode.logins, run.mode.active_tenants)]
    requests = [
        Request(
            "POST",
            f"{API}/auth/login",
            (JSON_BODY,),
            json.dumps({"email": t.email, "password": PASSWORD}).encode(),
        )
        for t in wanted
    ]
    result = run.measure(
        "login", run.job(requests, 2 * run.server.workers, cycle=False, keep=True), clients=1
    )
    for index, body in result.bodies.items():
        wanted[index].token = json.loads(body)["access_token"]
    missing = [t.email for t in run.tenants[: run.mode.active_tenants] if not t.token]
    if missing:
        raise RuntimeError(f"login failed for {missing[:3]}: {result.errors}")


def constant(run: Run) -> None:
    requests = [Request("GET", "/bench/constant")]
    run.measure("constant (reference)", run.job(requests, 32))
    run.measure("constant, 2 client processes", run.job(requests, 32), clients=2)


def reads(run: Run) -> None:
    def get_invoice(t: fixtures.Tenant) -> list[Request]:
        return [Request("GET", f"{API}/invoices/{i}", auth(t)) for i in t.invoices]

    def pk(t: fixtures.Tenant) -> list[Request]:
        return [Request("GET", f"/bench/pk-select/{t.tenant_id}/{i}") for i in t.invoices]

    def floor(t: fixtures.Tenant) -> Request:
        return Request("GET", "/bench/authenticated", auth(t))

    pk_select = run.measure(
        "pk select (reference)", run.job(interleave([pk(t) for t in run.small]), 16)
    )
    floor_result = run.measure(
        "authenticated constant (reference)", run.job([floor(t) for t in run.small], 16)
    )
    run.notes.append(
        "Authenticated constant: the product's session, BEGIN, sign-in session check and "
        "COMMIT, then a constant; no invoice is read. It runs at "
        f"{floor_result.rate / pk_select.rate:.2f} of the pk select: the most any "
        "authenticated product read can reach against that reference here."
    )
    run.measure("GET invoice", run.job(interleave([get_invoice(t) for t in run.small]), 16))
    run.measure("GET invoice, big tenant", run.job(get_invoice(run.big), 16))

    def listing(t: fixtures.Tenant, page: int) -> Request:
        return Request("GET", f"{API}/invoices?status=issued&page={page}", auth(t))

    def raw_list(t: fixtures.Tenant, page: int) -> Request:
        return Request("GET", f"/bench/raw-list/{t.tenant_id}?status=issued&page={page}")

    run.measure("raw list (reference)", run.job([raw_list(t, 1) for t in run.small], 16))
    run.measure("list page 1", run.job([listing(t, 1) for t in run.small], 16))
    run.measure("list page 1, big tenant", run.job([listing(run.big, 1)], 16))
    big, deep = run.big, run.big.deep_page
    keyset = Request("GET", f"{API}/invoices?status=issued&after={big.deep_anchor}", auth(big))
    run.measure("list deep page, big tenant", run.job([keyset], 16))
    run.measure("list deep page by offset, big tenant", run.job([listing(big, deep)], 16))
    run.notes.append(
        f"Deep page: page {deep} of `status=issued` (20 per page) for the big tenant, asked "
        f"with `after=<id of the last row of page {deep - 1}>` (keyset) and with `page=` (offset)."
    )


def writes(run: Run) -> None:
    def creates(t: fixtures.Tenant, path: str) -> list[Request]:
        return [
            Request("POST", path, auth(t, JSON_BODY), invoice_body(c), (201,)) for c in t.customers
        ]

    many = interleave([creates(t, f"{API}/invoices") for t in run.small])
    raw = interleave([creates(t, "/bench/raw-create-issue") for t in run.small])
    run.measure("raw create+issue (reference)", run.job(raw, 8))
    run.measure("create+issue, many tenants", run.job(many, 8))
    hot = run.small[0]
    run.measure("create+issue, one hot tenant", run.job(creates(hot, f"{API}/invoices"), 8))
    allocate(run)


def allocate(run: Run) -> None:
    """One receipt per customer with open invoices (made here), then 1.00 allocations."""
    setup = []
    for tenant in [run.big, *run.small]:
        for customer in tenant.open_invoices:
            body = {"customer_id": customer, "amount": "100000.00", "mode": "bank_transfer"}
            setup.append(
                Request(
                    "POST",
                    f"{API}/receipts",
                    auth(tenant, JSON_BODY),
                    json.dumps(body).encode(),
                    (201,),
                )
            )
    made = drive("receipts", Job("127.0.0.1", run.server.port, setup, 4, 0, 0, False, True), 1)
    groups: list[list[Request]] = []
    index = 0
    for tenant in [run.big, *run.small]:
        for invoices in tenant.open_invoices.values():
            body_of = made.bodies.get(index)
            index += 1
            if body_of is None:
                continue
            receipt = json.loads(body_of)["id"]
            groups.append(
                [
                    Request(
                        "POST",
                        f"{API}/receipts/{receipt}/allocate",
                        auth(tenant, JSON_BODY),
                        json.dumps({"allocations": [{"invoice_id": i, "amount": "1.00"}]}).encode(),
                    )
                    for i in invoices
                ]
            )
    requests = interleave(groups)[: run.mode.allocations]
    run.measure("allocate a receipt", run.job(requests, 8, cycle=False))


def reports(run: Run) -> dict[str, float]:
    big = run.big
    today = today_ist()
    month = _last_month(today)
    paths = {
        "dashboard": f"{API}/dashboard/metrics",
        "aging": f"{API}/dashboard/aging-analysis",
        "gstr1": f"{API}/reports/gstr1?period={month:%m%Y}",
    }
    latency = {}
    for name, path in paths.items():
        repeats = [Request("GET", path, auth(big))] * (run.mode.report_repeats + 1)
        result = run.measure(f"{name}, big tenant", run.job(repeats, 1, cycle=False), clients=1)
        latency[name] = result.p50
    aggregates = references.report_aggregates(uuid.UUID(big.company_id), today, month)
    bare = references.bare_sql(
        run.db.app_url, uuid.UUID(big.tenant_id), aggregates, run.mode.report_repeats
    )
    run.notes.append(
        "Bare SQL medians (same statements, runtime role, RLS, one warm connection): "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in bare.items())
    )
    return {name: latency[name] / bare[name] for name in paths}


def pdfs(run: Run) -> None:
    per = max(1, run.mode.pdf_renders // len(run.small))
    fresh = interleave(
        [
            [Request("GET", f"{API}/invoices/{i}/pdf", auth(t)) for i in t.invoices[-per:]]
            for t in run.small
        ]
    )[: run.mode.pdf_renders]
    run.measure("PDF first render", run.job(fresh, 2, cycle=False), clients=1)
    run.measure("PDF repeat (cached)", run.job(fresh, 2), clients=1)


def _last_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _load_average(when: str) -> str:
    one, five, _ = os.getloadavg()
    return (
        f"Load average {when} the run: {one:.1f} (1 min), {five:.1f} (5 min) on "
        f"{os.cpu_count()} CPUs; other work on the machine shifts absolute numbers."
    )


def _reference(name: str) -> bool:
    return "reference" in name or "client processes" in name


# -- the run -------------------------------------------------------------------------------


def execute(
    db: BenchDatabase, mode: Mode, workers: int, clients: int, port: int, output: Path | None = None
) -> Path:
    started = time.perf_counter()
    tenants = fixtures.load(db.admin_url, mode.active_tenants, 200)
    log = Path(os.environ.get("BENCH_SERVER_LOG", tempfile.gettempdir() + "/rms-bench-server.log"))
    server = Server(db.app_url, port, workers, BENCH_SECRET, log)
    run = Run(mode, db, server, tenants, clients)
    run.notes.append(_load_average("before"))
    try:
        server.wait_ready()
        login(run)
        constant(run)
        reads(run)
        writes(run)
        report_ratios = reports(run)
        pdfs(run)
    finally:
        server.stop()
    run.notes.append(_load_average("after"))
    run.notes.append(
        f"PDF renderer processes (one beside each worker, replaced every 200 renders): peak "
        f"RSS {run.overall.helper / 2**20:.0f} MB; their CPU time counts as server CPU."
    )
    bcrypt = references.bcrypt_rate(workers, max(1.0, mode.seconds / 2))
    targets = targets_of(run, report_ratios, bcrypt)
    path = (
        output
        or RESULTS / f"{datetime.now(UTC):%Y-%m-%d-%H%M}-{socket.gethostname()}-{mode.name}.md"
    )
    write_report(path, run, targets, bcrypt, time.perf_counter() - started)
    say(f"[bench] results: {path}")
    return path


def targets_of(run: Run, report_ratios: dict[str, float], bcrypt: float) -> list[Target]:
    r = run.results

    def rate(name: str) -> float:
        return r[name].rate

    targets = [
        Target(
            "create+issue vs raw create+issue",
            rate("create+issue, many tenants") / rate("raw create+issue (reference)"),
            ">=",
            0.5,
        ),
        Target(
            "hot tenant vs many tenants (rate)",
            rate("create+issue, one hot tenant") / rate("create+issue, many tenants"),
            ">=",
            0.5,
        ),
        Target(
            "hot tenant p99/p50",
            r["create+issue, one hot tenant"].p99 / r["create+issue, one hot tenant"].p50,
            "<=",
            5.0,
        ),
        Target(
            "GET invoice vs raw pk select",
            rate("GET invoice") / rate("pk select (reference)"),
            ">=",
            0.6,
        ),
        Target(
            "list page vs raw list", rate("list page 1") / rate("raw list (reference)"), ">=", 0.5
        ),
        Target(
            "GET p50: big / small tenant",
            r["GET invoice, big tenant"].p50 / r["GET invoice"].p50,
            "<=",
            1.5,
        ),
        Target(
            "list p50: big / small tenant",
            r["list page 1, big tenant"].p50 / r["list page 1"].p50,
            "<=",
            1.5,
        ),
        Target(
            "deep page / page 1 p50 (big tenant)",
            r["list deep page, big tenant"].p50 / r["list page 1, big tenant"].p50,
            "<=",
            2.0,
        ),
    ]

    def cost(reference: str, product: str) -> float:
        return r[reference].cpu_per_request / max(r[product].cpu_per_request, 1e-9)

    targets += [
        Target(
            "(CPU) create+issue vs raw",
            cost("raw create+issue (reference)", "create+issue, many tenants"),
            ">=",
            0.5,
        ),
        Target(
            "(CPU) GET invoice vs raw pk select",
            cost("pk select (reference)", "GET invoice"),
            ">=",
            0.6,
        ),
        Target(
            "(CPU) list page vs raw list", cost("raw list (reference)", "list page 1"), ">=", 0.5
        ),
    ]
    targets += [
        Target(f"{name} p50 / bare SQL", ratio, "<=", 2.0) for name, ratio in report_ratios.items()
    ]
    targets += [
        Target(
            "PDF first render / repeat p50",
            r["PDF first render"].p50 / r["PDF repeat (cached)"].p50,
            ">=",
            50.0,
        ),
        Target("login vs bcrypt cost-12 rate", rate("login") / bcrypt, ">=", 0.8),
        Target("peak RSS per worker (MB)", run.overall.worst_worker / 2**20, "<=", 200.0),
    ]
    worst = max(
        (res.p99 / res.p50, name)
        for name, res in r.items()
        if res.latencies and res.extra.get("users", 1) > 1 and not _reference(name)
    )
    targets.append(Target(f"worst p99/p50 under load ({worst[1]})", worst[0], "<=", 5.0))
    return targets
