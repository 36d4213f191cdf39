"""How every benchmark measures: child processes, interleaved repetitions, min and median.

Each figure is a *case*: a function that runs once and returns a `Run` (wall seconds, the
child's peak RSS, bytes written). Cases of one table are repeated interleaved with their
baseline (B T1 .. Tn, Tn .. T1 B, B T1 ..), so a change in the machine's load hits the tool
and the baseline alike; `os.getloadavg()` is printed beside the figures (the machine is
shared: a load above the core count makes every figure slower, ratios less so).

`child(argv)` runs a command in its own process and reads its rusage with `os.wait4`, so the
peak RSS is that child's alone (not the max over all children). A library call is measured
the same way, by a small `--child` mode of the benchmark script that prints its own timing.
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import json
import os
import pty
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    seconds: float  # wall
    cpu: float  # user + system seconds of the same span: less at the mercy of the load
    rss_kib: int
    out_bytes: int = 0
    detail: str = ""


Case = Callable[[], Run]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min) on {os.cpu_count()} cores"


def cli() -> list[str]:
    """The installed `wi-migrate` next to this interpreter (what the user runs)."""
    script = Path(sys.executable).parent / "wi-migrate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "migrate"]


def child(
    argv: Sequence[str],
    stdout: str = "file",
    env: dict[str, str] | None = None,
    inner: bool = False,
) -> Run:
    """Run argv in its own process. stdout: "file" (redirected to a file), "tty" (a
    pseudo-terminal 120x50, drained by a thread), or "null". With inner=True the child prints
    a JSON object with its own "seconds" (a library call timed inside the child) on stdout."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)  # see compiled()
    compiled()
    err = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    master = -1
    drained = bytearray()
    reader: threading.Thread | None = None
    out: IO[bytes] | int
    if stdout == "tty":
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
        out = slave
        full_env.pop("NO_COLOR", None)
        full_env["TERM"] = "xterm-256color"
    elif stdout == "null":
        out = subprocess.DEVNULL
    else:
        out = open(os.path.join(scratch(), "stdout"), "w+b")  # noqa: SIM115
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=out, stderr=err, env=full_env, cwd=ROOT)
    if master >= 0:
        os.close(out)  # type: ignore[arg-type]
        reader = threading.Thread(target=_drain, args=(master, drained), daemon=True)
        reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    err.close()
    if reader is not None:
        reader.join()
        os.close(master)
        size, text = len(drained), ""
    elif isinstance(out, int):
        size, text = 0, ""
    else:
        size = out.tell()
        out.seek(0)
        text = out.read(4096).decode(errors="replace") if inner else ""
        out.close()
    if process.returncode not in (0, 2):  # 2: plan --exit-code style "changes"
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}")
    detail = ""
    cpu = usage.ru_utime + usage.ru_stime
    if inner:
        reported = json.loads(text)
        seconds, cpu = reported.pop("seconds"), reported.pop("cpu")
        detail = ", ".join(f"{k} {v}" for k, v in reported.items())
    return Run(seconds, cpu, usage.ru_maxrss, size, detail)


def _drain(fd: int, into: bytearray) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO once the child closed the terminal
            return
        if not chunk:
            return
        into += chunk


_SCRATCH: list[str] = []


@functools.cache
def compiled() -> None:
    """The project's bytecode, written once before the first child runs: a user's install
    has it (pip compiles a wheel's modules; an editable install writes them on first use).
    A machine that sets PYTHONDONTWRITEBYTECODE (this one does) would otherwise make every
    CLI run compile ~150 modules, ~0.12 s that no user pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "migrate")], env=env, check=True
    )


def scratch() -> str:
    if not _SCRATCH:
        import tempfile

        _SCRATCH.append(tempfile.mkdtemp(prefix="wi-bench-"))
    return _SCRATCH[0]


def start() -> tuple[float, float]:
    """Wall and CPU clocks, for `report_inner` at the end of what a `--child` mode times."""
    return time.perf_counter(), time.process_time()


def report_inner(started: tuple[float, float], **detail: Any) -> None:
    """What a `--child` mode prints: its own timing, for `child(..., inner=True)`."""
    seconds, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
    print(json.dumps({"seconds": seconds, "cpu": cpu, **detail}))


def interleaved(cases: dict[str, Case], repeat: int) -> dict[str, list[Run]]:
    """Every case `repeat` times; the first case is the baseline. Order alternates
    (B T1 .. Tn, then Tn .. T1 B), so the baseline runs beside the tools in every round."""
    names = list(cases)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else names[::-1]:
            runs[name].append(cases[name]())
    return runs


@dataclass(frozen=True)
class Figure:
    name: str
    min: float
    median: float
    cpu: float  # median
    rss_mib: float
    ratio: float  # median / baseline median (wall)
    cpu_ratio: float  # median CPU / baseline median CPU
    detail: str


def figures(runs: dict[str, list[Run]]) -> list[Figure]:
    first = next(iter(runs.values()))
    baseline = statistics.median(r.seconds for r in first)
    baseline_cpu = statistics.median(r.cpu for r in first)
    out = []
    for name, rs in runs.items():
        median = statistics.median(r.seconds for r in rs)
        cpu = statistics.median(r.cpu for r in rs)
        out.append(
            Figure(
                name,
                min(r.seconds for r in rs),
                median,
                cpu,
                max(r.rss_kib for r in rs) / 1024,
                median / baseline,
                cpu / baseline_cpu,
                rs[-1].detail
                or (f"{rs[-1].out_bytes / 1e6:.1f} MB out" if rs[-1].out_bytes else ""),
            )
        )
    return out


def print_table(title: str, figs: list[Figure], repeat: int, load_before: str) -> None:
    print(f"\n{title}  ({repeat} interleaved rounds; {load_before} -> {load()})")
    width = max(len(f.name) for f in figs)
    print(
        f"  {'':{width}}  {'wall min':>8} {'median':>7} {'x base':>7}   "
        f"{'cpu med':>7} {'x base':>7}   {'peak RSS':>9}"
    )
    for f in figs:
        print(
            f"  {f.name:{width}}  {f.min:8.3f} {f.median:7.3f} {f.ratio:6.2f}x   "
            f"{f.cpu:7.3f} {f.cpu_ratio:6.2f}x   {f.rss_mib:5.0f} MiB  {f.detail}"
        )


def print_growth(by_size: dict[int, list[Figure]]) -> None:
    """Median at each size over the median at the previous size, beside the size ratio."""
    sizes = sorted(by_size)
    if len(sizes) < 2:
        return
    print(
        "\ngrowth between sizes of the median wall / median CPU [peak RSS] "
        "(linear = the files ratio)"
    )
    names = [f.name for f in by_size[sizes[0]]]
    width = max(len(n) for n in names)
    steps = list(itertools.pairwise(sizes))
    header = "  ".join(f"{a // 1000}k->{b // 1000}k (x{b / a:g})" for a, b in steps)
    print(f"  {'':{width}}  {header}")
    for i, name in enumerate(names):
        cells = []
        for a, b in steps:
            fa, fb = by_size[a][i], by_size[b][i]
            cells.append(
                f"x{fb.median / fa.median:5.2f} [x{fb.rss_mib / fa.rss_mib:4.2f}]".ljust(19)
            )
        print(f"  {name:{width}}  {'  '.join(cells)}")


def parse_all(repo: str) -> None:
    """The baseline child: read and parse every .yaml file with PyYAML's C loader."""
    import yaml

    started = start()
    documents = 0
    for path in sorted(Path(repo).rglob("*.yaml")):
        documents += sum(1 for _ in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))
    report_inner(started, documents=documents)


def parse_all_case(repo: Path) -> Case:
    return lambda: child([sys.executable, __file__, "parse-all", str(repo)], inner=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["parse-all"]:
        parse_all(sys.argv[2])
