"""Rewrite of a 5,000-file repo (500 files to change) vs a ruamel.yaml round-trip of them.

    python benchmarks/bench_rewrite.py [--repo DIR] [--stage switch] [--repeat 3]

Generates the synthetic repo (benchmarks/generate_repo.py) unless --repo is given, then
prints, from the same run: the time of `wi-migrate rewrite --stage STAGE` (plan + edits +
atomic writes, in-process, on a fresh copy each time) and the time ruamel.yaml (typ='rt')
needs just to load and dump the files that rewrite changed. Target: rewrite <= 1.0x.
Best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rewrite_once(repo: Path, work: Path, stage: str) -> tuple[float, list[Path]]:
    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings
    from migrate.write.rewrite import stages, writer

    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(repo, work)
    start = time.perf_counter()
    settings = Settings(issuer="https://issuer.example/", cluster_name="c1")
    plan = plan_manifests([str(work)], settings)
    result = stages.rewrite(plan, stage, [str(work)])
    writer.commit(result.files)
    elapsed = time.perf_counter() - start
    changed = [Path(f.path).relative_to(work) for f in result.files if f.changed]
    return elapsed, changed


def ruamel_round_trip(files: list[Path]) -> float:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    start = time.perf_counter()
    for path in files:
        out = io.StringIO()
        yaml.dump_all(list(yaml.load_all(path.read_text(encoding="utf-8"))), out)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--stage", default="switch")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from generate_repo import repo_for_benchmark

        repo = repo_for_benchmark(args.repo, tmp)
        runs = [rewrite_once(repo, Path(tmp) / "work", args.stage) for _ in range(args.repeat)]
        rewrite_s, changed = min(runs, key=lambda r: r[0])
        existing = [repo / p for p in changed if (repo / p).is_file()]
        ruamel_s = min(ruamel_round_trip(existing) for _ in range(args.repeat))
    print(
        f"rewrite --stage {args.stage} {rewrite_s:.2f} s ({len(changed)} files changed) vs "
        f"ruamel round-trip of {len(existing)} changed files {ruamel_s:.2f} s: "
        f"{rewrite_s / ruamel_s:.2f}x (target <= 1.0x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
