"""Starting and stopping the server a benchmark measures (a child process on a free port, its
output in a log file kept after the run)."""
from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cmd: list[str], env: dict, name: str, url: str, timeout: float = 120, ready=lambda proc: True):
    """(process, log file): `cmd` started in the project folder, once `url` answers 200 and
    `ready(process)` holds. Exits the benchmark with the log's name when it does not."""
    log = tempfile.NamedTemporaryFile(prefix=f"{name}_", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and ready(proc):
                    return proc, log
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start within {timeout:.0f} s; see {log.name}")
        time.sleep(0.25)


def stop(proc, log, timeout: float = 30) -> None:
    """Terminate the server (killed if it does not stop within `timeout`)."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
