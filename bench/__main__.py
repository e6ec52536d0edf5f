"""``python -m bench seed|run``: the performance harness (see bench/README.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/rms_bench"
        ),
        help="superuser URL of the bench database (it is dropped and recreated by seed)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="recreate and fill the bench database")
    seed.add_argument("--tenants", type=int, default=100)
    seed.add_argument("--big-invoices", type=int, default=100_000)
    seed.add_argument("--small-invoices", type=int, default=1_000)
    run = commands.add_parser("run", help="serve, drive every scenario, write bench/results/")
    size = run.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", dest="mode", const="quick")
    size.add_argument("--full", action="store_const", dest="mode", const="full")
    run.add_argument("--seed", action="store_true", help="seed first (the default data)")
    run.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    run.add_argument("--clients", type=int, default=1, help="load-generator processes")
    run.add_argument("--port", type=int, default=8765)
    run.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)

    from bench.seed import database_exists, database_urls, seed_database, split_url

    server_url, name = split_url(args.database)
    if args.command == "seed" or args.seed:
        db = seed_database(
            server_url,
            name,
            getattr(args, "tenants", 100),
            getattr(args, "big_invoices", 100_000),
            getattr(args, "small_invoices", 1_000),
        )
    else:
        db = database_urls(server_url, name)
        if not database_exists(server_url, name):
            raise SystemExit(f"no database {name}: run `python -m bench seed` first (or --seed)")
        from app.core.migrations import upgrade

        upgrade(db.admin_url)  # data seeded before a new migration stays usable
    if args.command == "run":
        from bench.run import FULL, QUICK, execute

        mode = FULL if args.mode == "full" else QUICK
        execute(db, mode, args.workers, args.clients, args.port, args.output)


if __name__ == "__main__":
    main(sys.argv[1:])
