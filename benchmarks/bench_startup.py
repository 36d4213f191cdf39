"""Start-up: `wi-migrate --help` and `wi-migrate plan --help` beside `python -c 'import click'`.

    python benchmarks/bench_startup.py [--repeat 10]

Each case is a fresh process timed from outside (interleaved rounds, see measure.py); the
modules each one imports are counted with `python -X importtime`. Target (issue 14):
`wi-migrate --help` <= 2x importing click.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure


def imported(argv: list[str]) -> list[str]:
    """The third-party packages that `argv` (a python command) imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, check=False
    )
    names = set()
    for line in done.stderr.splitlines():
        if "|" in line and not line.startswith("import time: self"):
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return sorted(n for n in names if n not in sys.stdlib_module_names and n[0] != "_")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    click = [sys.executable, "-c", "import click"]
    help_ = [*measure.cli(), "--help"]
    plan_help = [*measure.cli(), "plan", "--help"]
    cases = {
        "import click": lambda: measure.child(click),
        "wi-migrate --help": lambda: measure.child(help_),
        "wi-migrate plan --help": lambda: measure.child(plan_help),
    }
    before = measure.load()
    runs = measure.interleaved(cases, args.repeat)
    measure.print_table("start-up", measure.figures(runs), args.repeat, before)
    for what in (["-m", "migrate", "--help"], ["-m", "migrate", "plan", "--help"]):
        third = [n for n in imported(what) if n not in set(imported(["-c", "import click"]))]
        print(f"  python {' '.join(what)} imports, beyond click: {', '.join(third) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
