"""A throwaway PostgreSQL server for the tests and the benchmarks, on a unix socket in a temp dir.

initdb refuses to run as root, so under root the server runs as the `postgres` user (Debian's
package creates it). No TCP port is opened: four xdist workers each start their own server
without ever colliding on a port.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

PG_USER = "postgres"


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: $PG_BINDIR, Debian's versioned folders, or PATH."""
    explicit = os.environ.get("PG_BINDIR")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PgServer:
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="doithoai-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "run"
        self._as_other = os.geteuid() == 0

    def _cmd(self, *args: str) -> list[str]:
        if self._as_other:
            return ["runuser", "-u", PG_USER, "--", *args]
        return list(args)

    def start(self) -> None:
        self.socket_dir.mkdir()
        if self._as_other:
            shutil.chown(self.root, PG_USER)
            shutil.chown(self.socket_dir, PG_USER)
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories={self.socket_dir}",
            "-c max_connections=300",
            "-c shared_buffers=64MB",
        ]
        # Commits do not wait for the log's fsync: crash-safe, as SQLite's WAL with synchronous
        # NORMAL that the SQLite store runs (a power cut may lose the last fraction of a second).
        options.append("-c synchronous_commit=off")
        if not self.durable:
            # Tests prove behaviour, not durability: no fsync makes initdb-to-ready seconds.
            options += ["-c fsync=off", "-c full_page_writes=off"]
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.root / "log"),
                "-o",
                " ".join(options),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def unique_schema(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def wait_ready(server: PgServer, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(server.socket_dir.glob(".s.PGSQL.*")):
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not start")
        time.sleep(0.05)
