"""Offline plan, as the user runs it, at 1k / 5k / 20k files, beside parsing every file.

    python benchmarks/bench_plan.py [--sizes 1000,5000,20000] [--repeat 5] [--cache DIR]
                                    [--repo DIR] [--only json,table]

For each size (a generated repo, benchmarks/generate_repo.py: a tenth of the files carry the
label), one table of interleaved rounds (see measure.py), each case in its own process:

  parse-all     baseline: read and parse every .yaml file with yaml.CSafeLoader (timed inside
                its process: no start-up, no import)
  floor         what no plan can skip, timed from outside: start-up, import PyYAML, read
                every file under REPO, and compose (CSafeLoader) the texts the plan parses
                (recorded from one plan in this process, untimed)
  library       plan_manifests() in a fresh interpreter, timed inside it (no start-up)
  json / yaml / markdown
                `wi-migrate plan REPO -o FORMAT > file`, timed from outside: start-up,
                imports, plan and output
  table (pipe)  `wi-migrate plan REPO > file`, the default format into a pipe or file
  table (tty)   the same on a 120x50 pseudo-terminal

Then the growth of each median between sizes (a quadratic step shows as a factor well above
the files ratio). Target (issue 14): `plan -o json` <= 0.25x parse-all at 5k and 20k, linear.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import measure

ISSUER = "https://issuer.example/"
CASES = ("floor", "library", "json", "yaml", "markdown", "table (pipe)", "table (tty)")


def library_child(repo: str) -> None:
    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings

    started = measure.start()
    plan = plan_manifests([repo], Settings(issuer=ISSUER))
    measure.report_inner(started, actions=len(plan.actions), findings=len(plan.findings))


def parsed_texts(repo: Path) -> str:
    """A file of the texts one plan of REPO parses (JSON list), for the floor child; recorded
    in a process of its own (this one's heap would count in the children's peak RSS)."""
    out = Path(measure.scratch()) / f"parsed-{repo.name}.json"
    subprocess.run([sys.executable, __file__, "--record", str(repo), str(out)], check=True)
    return str(out)


def record_child(repo: str, out: str) -> None:
    import json

    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings
    from migrate.read import builds, charts, files, manifests, substitutions

    texts: list[str] = []
    parse = files.parse

    def recording(path: str, text: str):  # type: ignore[no-untyped-def]
        texts.append(text)
        return parse(path, text)

    readers = [m for m in (manifests, builds, charts, substitutions) if m.parse is parse]
    for module in readers:  # measurement only: which texts the plan parses
        module.parse = recording  # type: ignore[attr-defined]
    try:
        plan_manifests([repo], Settings(issuer=ISSUER))
    finally:
        for module in readers:
            module.parse = parse  # type: ignore[attr-defined]
    Path(out).write_text(json.dumps(texts))
    total = sum(p.stat().st_size for p in Path(repo).rglob("*") if p.is_file())
    parsed = sum(len(t.encode()) for t in texts)
    print(f"floor: the plan parses {len(texts)} texts, {parsed / 1e6:.1f} of {total / 1e6:.1f} MB")


def floor_child(repo: str, texts_file: str) -> None:
    import json
    import os

    import yaml

    for folder, _, names in os.walk(repo):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                f.read()
    with open(texts_file, encoding="utf-8") as f:
        for text in json.load(f):
            list(yaml.compose_all(text, Loader=yaml.CSafeLoader))


def cases(repo: Path, only: set[str]) -> dict[str, measure.Case]:
    plan = [*measure.cli(), "plan", str(repo), "--issuer", ISSUER]
    out: dict[str, measure.Case] = {"parse-all": measure.parse_all_case(repo)}
    floor_texts = parsed_texts(repo) if "floor" in only else ""
    everything: dict[str, measure.Case] = {
        "floor": lambda: measure.child(
            [sys.executable, __file__, "--floor", str(repo), floor_texts]
        ),
        "library": lambda: measure.child(
            [sys.executable, __file__, "--child", str(repo)], inner=True
        ),
        "json": lambda: measure.child([*plan, "-o", "json"]),
        "yaml": lambda: measure.child([*plan, "-o", "yaml"]),
        "markdown": lambda: measure.child([*plan, "-o", "markdown"]),
        "table (pipe)": lambda: measure.child(plan),
        "table (tty)": lambda: measure.child(plan, stdout="tty"),
    }
    out.update((name, case) for name, case in everything.items() if name in only)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, help="keep the generated repos here")
    parser.add_argument("--repo", type=Path, help="measure this repo instead")
    parser.add_argument("--only", default=",".join(CASES), help=f"a subset of {CASES}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--record", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.record:
        record_child(*args.record)
        return 0
    if args.floor:
        floor_child(*args.floor)
        return 0
    if args.child:
        library_child(args.child)
        return 0
    from generate_repo import repos_for_benchmark

    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [int(s) for s in args.sizes.split(",")]
        repos = repos_for_benchmark(args.repo, sizes, args.cache or Path(tmp))
        by_size = {}
        for size, repo in repos.items():
            before = measure.load()
            runs = measure.interleaved(cases(repo, only), args.repeat)
            by_size[size] = measure.figures(runs)
            title = f"plan of {size or repo} files" if size else f"plan of {repo}"
            measure.print_table(title, by_size[size], args.repeat, before)
        measure.print_growth(by_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
