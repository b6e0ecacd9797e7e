"""Every service as its own local process against RabbitMQ and PostgreSQL (like a Procfile).

The end-to-end tests use `Stack`; `python -m launcher local` runs it in the foreground.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from launcher.topology import MODULES, SERVICES, env_for

ORDER = ["gateway", "ingest", "identity", "scoring", "routing", "sla"]


def ports_from(base: int) -> dict[str, int]:
    return {name: base + i for i, name in enumerate(ORDER)}


def free_ports() -> dict[str, int]:
    """A free loopback port for every deployable (for tests that run several stacks)."""
    sockets = []
    for _ in ORDER:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = {name: s.getsockname()[1] for name, s in zip(ORDER, sockets, strict=True)}
    for s in sockets:
        s.close()
    return ports


class Stack:
    """Gateway and the five services as separate processes."""

    def __init__(
        self,
        *,
        database_url: str,
        amqp_url: str,
        exchange: str = "resonance",
        base_port: int = 8000,
        ports: dict[str, int] | None = None,
        extra_env: dict[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.ports = ports or ports_from(base_port)
        self.env = {
            **os.environ,
            **env_for(
                database_url=database_url,
                transport="rabbitmq",
                ports=self.ports,
                amqp_url=amqp_url,
                exchange=exchange,
                extra=extra_env,
            ),
        }
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def start_service(self, name: str) -> None:
        out = open(self.log_dir / f"{name}.log", "ab") if self.log_dir else subprocess.DEVNULL
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", MODULES[name], "serve", "--port", str(self.ports[name])],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def start(self, timeout: float = 90.0) -> None:
        for service in SERVICES:
            self.start_service(service.name)
        self.wait_ready(timeout=timeout)

    def wait_ready(self, *, timeout: float = 90.0, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names or self.processes)
        while pending:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see its log")
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.ports[name]}/readyz", timeout=2
                    ) as response:
                        if response.status == 200:
                            pending.discard(name)
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready in {timeout}s: {sorted(pending)}")
            if pending:
                time.sleep(0.2)

    def stop_service(self, name: str, *, kill: bool = False) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_service(name)


def main(*, base_port: int, database_url: str, amqp_url: str) -> None:
    stack = Stack(database_url=database_url, amqp_url=amqp_url, base_port=base_port)
    stack.start()
    print(f"Resonance is running at {stack.url} (one process per service); Ctrl-C stops it.")
    try:
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
