"""Offline plan of a 5,000-file repo vs parsing every file with PyYAML's C loader.

    python benchmarks/bench_plan.py [--repo DIR] [--repeat 3]

Generates the synthetic repo (benchmarks/generate_repo.py) unless --repo is given,
then prints, from the same run: the plan's wall time and peak memory (measured in a
child process), and the time to parse every file with yaml.CSafeLoader. Target
(issue 2): plan <= 0.5x the parse-everything time. Best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_everything(repo: Path) -> tuple[float, int]:
    start = time.perf_counter()
    documents = 0
    for path in sorted(repo.rglob("*.yaml")):
        documents += sum(1 for _ in yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))
    return time.perf_counter() - start, documents


def _plan_in_child(repo: str, queue) -> None:  # type: ignore[no-untyped-def]
    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings

    start = time.perf_counter()
    plan = plan_manifests([repo], Settings(issuer="https://issuer.example/"))
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((elapsed, peak_kib, len(plan.actions), len(plan.findings)))


def plan_once(repo: Path) -> tuple[float, int, int, int]:
    ctx = get_context("spawn")  # a fresh interpreter: its peak memory is the plan's alone
    queue = ctx.Queue()
    child = ctx.Process(target=_plan_in_child, args=(str(repo), queue))
    child.start()
    result = queue.get()
    child.join()
    return result  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from generate_repo import repo_for_benchmark

        repo = repo_for_benchmark(args.repo, tmp)
        parse_runs = [parse_everything(repo) for _ in range(args.repeat)]
        plan_runs = [plan_once(repo) for _ in range(args.repeat)]
    parse_s, documents = min(parse_runs)
    plan_s, peak_kib, actions, findings = min(plan_runs)
    print(
        f"plan {plan_s:.2f} s (peak memory {peak_kib / 1024:.0f} MiB, {actions} actions, "
        f"{findings} findings) vs libyaml parse of every file {parse_s:.2f} s "
        f"({documents} documents): {plan_s / parse_s:.2f}x (target <= 0.5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
