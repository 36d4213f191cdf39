"""Rewrite, as the user runs it, at 1k / 5k / 20k files, beside a ruamel.yaml round trip of
the files that change.

    python benchmarks/bench_rewrite.py [--sizes 1000,5000,20000] [--stage switch] [--repeat 3]
                                       [--cache DIR] [--repo DIR]

For each size (a generated repo, a tenth of the files carry the label), interleaved rounds
(see measure.py), each case in its own process on a fresh copy of the repo (the copy is not
timed):

  ruamel        baseline: ruamel.yaml (typ='rt') load + dump of every existing file that the
                rewrite changes, timed inside its process
  library       plan + stages.rewrite + writer.commit in a fresh interpreter, timed inside it
  cli           `wi-migrate rewrite --stage STAGE COPY`, timed from outside (start-up, plan,
                edits, atomic writes, the status lines)
  plan (floor)  `wi-migrate plan -o json REPO > file` with the same settings: a rewrite plans
                the files again before it edits them (it never takes a plan on trust), so
                this is what no rewrite can go below

Target (issue 14): rewrite <= 0.1x the ruamel round trip of the changed files.
"""

from __future__ import annotations

import argparse
import filecmp
import io
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import measure

ISSUER = "https://issuer.example/"
CLUSTER = "c1"


def library_child(work: str, stage: str) -> None:
    from migrate.jobs.plan import plan_manifests
    from migrate.model.plan import Settings
    from migrate.write.rewrite import stages, writer

    started = measure.start()
    plan = plan_manifests([work], Settings(issuer=ISSUER, cluster_name=CLUSTER))
    result = stages.rewrite(plan, stage, [work])
    writer.commit(result.files)
    measure.report_inner(started, changed=sum(f.changed for f in result.files))


def ruamel_child(listing: str) -> None:
    from ruamel.yaml import YAML

    files = Path(listing).read_text().split("\n")
    yaml = YAML(typ="rt")
    started = measure.start()
    for path in files:
        out = io.StringIO()
        yaml.dump_all(list(yaml.load_all(Path(path).read_text(encoding="utf-8"))), out)
    measure.report_inner(started, files=len(files))


def fresh(repo: Path, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(repo, work)
    return work


def changed_files(repo: Path, work: Path) -> list[Path]:
    """The existing files of `repo` that a rewrite of its copy `work` changed."""
    out = []
    for path in sorted(work.rglob("*.yaml")):
        original = repo / path.relative_to(work)
        if original.exists() and not filecmp.cmp(original, path, shallow=False):
            out.append(original)
    return out


def cases(repo: Path, stage: str, scratch: Path) -> dict[str, measure.Case]:
    work = scratch / "work"
    me = [sys.executable, __file__, "--stage", stage]
    measure.child([*me, "--child", str(fresh(repo, work))], inner=True)  # which files change
    listing = scratch / "changed.txt"
    changed = changed_files(repo, work)
    listing.write_text("\n".join(str(p) for p in changed))
    rewrite = [*measure.cli(), "rewrite", "--stage", stage, "--issuer", ISSUER]
    plan = [*measure.cli(), "plan", "-o", "json", "--issuer", ISSUER]
    if stage == "switch":  # the generated repo has not had its prepare commit: the gate is
        rewrite += ["--skip-gate", "prepared"]  # still worked out, its refusal skipped
    return {
        "ruamel": lambda: measure.child([*me, "--ruamel", str(listing)], inner=True),
        "library": lambda: measure.child([*me, "--child", str(fresh(repo, work))], inner=True),
        "cli": lambda: measure.child([*rewrite, "--cluster-name", CLUSTER, str(fresh(repo, work))]),
        "plan (floor)": lambda: measure.child([*plan, "--cluster-name", CLUSTER, str(repo)]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--stage", default="switch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, help="keep the generated repos here")
    parser.add_argument("--repo", type=Path, help="measure this repo instead")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ruamel", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        library_child(args.child, args.stage)
        return 0
    if args.ruamel:
        ruamel_child(args.ruamel)
        return 0
    from generate_repo import repos_for_benchmark

    with tempfile.TemporaryDirectory() as tmp:
        sizes = [int(s) for s in args.sizes.split(",")]
        repos = repos_for_benchmark(args.repo, sizes, args.cache or Path(tmp))
        by_size = {}
        for size, repo in repos.items():
            before = measure.load()
            runs = measure.interleaved(cases(repo, args.stage, Path(tmp)), args.repeat)
            by_size[size] = measure.figures(runs)
            title = f"rewrite --stage {args.stage} of {size or repo} files"
            measure.print_table(title, by_size[size], args.repeat, before)
        measure.print_growth(by_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
