"""`python -m launcher embedded [--demo]` or `python -m launcher local`."""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher")
    sub = parser.add_subparsers(dest="mode", required=True)
    embedded = sub.add_parser("embedded", help="all services in one process, embedded PostgreSQL")
    embedded.add_argument("--host", default="127.0.0.1")
    embedded.add_argument("--port", type=int, default=8000, help="gateway port; services follow")
    embedded.add_argument("--demo", action="store_true", help="seed a small German/English sample")
    embedded.add_argument("--data-dir", type=Path, default=Path(".data"))
    embedded.add_argument("--database-url", default=None, help="use this PostgreSQL instead")
    local = sub.add_parser("local", help="every service as its own process (RabbitMQ + PostgreSQL)")
    local.add_argument("--port", type=int, default=8000)
    local.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/resonance"
    )
    local.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args()
    if args.mode == "embedded":
        from launcher import embedded

        embedded.main(
            host=args.host,
            base_port=args.port,
            demo=args.demo,
            data_dir=args.data_dir,
            database_url=args.database_url,
        )
    else:
        from launcher import local as local_mode

        local_mode.main(base_port=args.port, database_url=args.database_url, amqp_url=args.amqp_url)


if __name__ == "__main__":
    main()
