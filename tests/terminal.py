"""Run wi-migrate in a real pseudo-terminal of a given size, as a person at a shell would.

rich decides width, colour and progress from the terminal it writes to, so the tests that
care about those run the CLI in a subprocess whose stdout (and, when asked, stderr) is a pty
with a window size set, instead of a captured pipe.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from dataclasses import dataclass

from tests.conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]")


@dataclass(frozen=True)
class Run:
    code: int
    out: str  # what the stdout terminal (or pipe) received, escape sequences removed
    err: str  # the same for stderr
    raw_err: str  # stderr as received, escape sequences kept


def plain(text: str) -> str:
    """Terminal bytes as the lines a person reads: escapes gone, CR LF as LF."""
    return ANSI.sub("", text).replace("\r\n", "\n")


def _pty(columns: int, rows: int) -> tuple[int, int]:
    reader, writer = pty.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return reader, writer


def _drain(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def run(
    *args: str,
    columns: int = 80,
    rows: int = 40,
    stdout_tty: bool = True,
    stderr_tty: bool = False,
    timeout: float = 120,
) -> Run:
    """wi-migrate ARGS with stdout and/or stderr on a pty of COLUMNS x ROWS."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1")
    env.pop("CI", None)  # rich treats CI as "not interactive"
    command = [sys.executable, "-m", "migrate", *args]
    out_pty = _pty(columns, rows) if stdout_tty else None
    err_pty = _pty(columns, rows) if stderr_tty else None
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_pty[1] if out_pty else subprocess.PIPE,
        stderr=err_pty[1] if err_pty else subprocess.PIPE,
    )
    for pair in (out_pty, err_pty):
        if pair:
            os.close(pair[1])
    received: dict[str, bytes] = {}

    def collect(name: str, fd: int) -> None:
        received[name] = _drain(fd)

    threads = []
    for name, pair, stream in (
        ("out", out_pty, process.stdout),
        ("err", err_pty, process.stderr),
    ):
        fd = pair[0] if pair else stream.fileno()  # type: ignore[union-attr]
        threads.append(threading.Thread(target=collect, args=(name, fd), daemon=True))
    for t in threads:
        t.start()
    code = process.wait(timeout=timeout)
    for t in threads:
        t.join(timeout)
    for pair in (out_pty, err_pty):
        if pair:
            os.close(pair[0])
    out = received.get("out", b"").decode("utf-8", "replace")
    err = received.get("err", b"").decode("utf-8", "replace")
    return Run(code, plain(out), plain(err), err)
