"""The layering of migrate/ as a check (docs/architecture.md draws it).

Rooms, top to bottom: cli > commands > jobs > write > planner > read > (kubeapi, azure) > model,
with errors.py under all of them. A module imports only from its own room or a lower one, lazily
imported modules included. The two API adapters import only model/ and errors; only kubeapi/
imports `kubernetes`, only azure/ imports `azure.*`; click is for cli.py and commands/, rich for
commands/ and write/report*; the sub-rooms of write/ (render, rewrite, live) never import each
other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "migrate"
RANK = {
    "__main__": 9,
    "cli": 8,
    "commands": 7,
    "jobs": 6,
    "write": 5,
    "planner": 4,
    "read": 3,
    "kubeapi": 2,
    "azure": 2,
    "model": 1,
    "errors": 0,
}
OUTSIDE_ONLY_IN = {"kubernetes": {"kubeapi"}, "azure": {"azure"}, "click": {"cli", "commands"}}
WRITE_ROOMS = {"render", "rewrite", "live"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, nested and lazy ones included."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).rstrip(".")
            found += [
                (node.lineno, f"{base}.{a.name}" if base == "migrate" else base) for a in node.names
            ]
    return found


def room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def write_room(module: str) -> str:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "write" and parts[2] in WRITE_ROOMS else ""


def problems() -> list[str]:
    out = []
    for name, path in modules().items():
        if name == "migrate":
            continue
        here = room(name)
        where = str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        for line, target in imports(path, name):
            top = target.split(".")[0]
            if top in OUTSIDE_ONLY_IN and here not in OUTSIDE_ONLY_IN[top]:
                out.append(f"{where}:{line} imports {target} (only {sorted(OUTSIDE_ONLY_IN[top])})")
            if top == "rich" and not (
                here == "commands" or name.startswith("migrate.write.report")
            ):
                out.append(f"{where}:{line} imports {target} (rich only where output is drawn)")
            if top != "migrate" or target == "migrate":
                continue
            there = room(target)
            if there == "templates":
                continue
            if there not in RANK:
                out.append(f"{where}:{line} imports {target}: a room the contract does not know")
            elif RANK[there] > RANK[here] or (RANK[there] == RANK[here] and there != here):
                out.append(f"{where}:{line} imports {target}: {here} may not import {there}")
            if write_room(name) and write_room(target) and write_room(name) != write_room(target):
                out.append(f"{where}:{line} imports {target}: write sub-rooms are independent")
    return out


def test_every_module_belongs_to_a_room() -> None:
    assert {room(name) for name in modules() if name != "migrate"} <= set(RANK)


def test_the_layers_hold() -> None:
    assert problems() == []


@pytest.mark.parametrize(
    ("importer", "source", "complaint"),
    [
        (
            "migrate.model.plan",
            "from migrate.planner import mapping\n",
            "model may not import planner",
        ),
        ("migrate.read.files", "import kubernetes\n", "only ['kubeapi']"),
        ("migrate.planner.mapping", "def f():\n    import azure.identity\n", "only ['azure']"),
        ("migrate.write.rewrite.stages", "from migrate.write.live import steps\n", "independent"),
        (
            "migrate.kubeapi.client",
            "from migrate.azure import retry\n",
            "kubeapi may not import azure",
        ),
        ("migrate.jobs.plan", "import click\n", "only ['cli', 'commands']"),
    ],
)
def test_the_check_catches_each_kind_of_breach(
    importer: str, source: str, complaint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "module.py"
    path.write_text(source)
    real = modules()
    monkeypatch.setattr("tests.test_architecture.modules", lambda: {**real, importer: path})
    assert any(complaint in p for p in problems()), problems()
