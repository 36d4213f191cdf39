"""YAML as people write it: UTF-16 files, merge keys, duplicate keys; Kubernetes selectors
with matchExpressions; Pod Identity's exact spelling of the namespaced behavior."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile.manifests import (
    ARGS,
    BASE,
    actions,
    findings,
    line_of,
    plan_json,
    repo_with,
    snapshot,
    where,
)


def kinds(plan: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((a["type"], a["stage"]) for a in plan["actions"])


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-16", b""),  # Python writes the BOM of the machine's byte order
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-le", b""),  # no BOM: told apart by the NUL bytes of ASCII text
        ("utf-16-be", b""),
    ],
)
def test_utf16_files_are_read_like_utf8_ones(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, encoding: str, bom: bytes
) -> None:
    repo_with(tmp_path / "utf8", {"app.yaml": BASE})
    repo_with(tmp_path / "utf16", {"app.yaml": bom + BASE.encode(encoding)})
    monkeypatch.chdir(tmp_path)
    _, want, _ = plan_json(run_cli, "utf8")
    code, got, _ = plan_json(run_cli, "utf16")
    assert code == 0
    assert kinds(got) == kinds(want) and len(got["actions"]) == 6


def test_a_utf16_file_is_rewritten_in_utf16(tmp_path: Path, monkeypatch: Any, run_cli: Any) -> None:
    data = BASE.encode("utf-16")  # with its BOM
    repo_with(tmp_path / "repo", {"app.yaml": data})
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--skip-gate", "prepared", *ARGS)
    assert code == 0, err
    after = (tmp_path / "repo/app.yaml").read_bytes()
    assert after[:2] == data[:2]
    assert '        azure.workload.identity/use: "true"\n' in after.decode("utf-16")


def test_a_file_in_no_encoding_the_tool_reads_is_reported(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    latin1 = BASE.replace("orders-api:2.4.1", "orders-api:2.4.1  # Kunde: Müller").encode("latin-1")
    repo_with(tmp_path / "repo", {"app.yaml": latin1})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 1
    [bad] = findings(plan, "unreadable-file")
    assert where(bad) == f"repo/app.yaml:{line_of(BASE, 'orders-api:2.4.1')}"
    assert "not UTF-8" in bad["message"]


MERGED = BASE.replace(
    "  selector:\n    matchLabels:\n      app: orders-api\n",
    "  selector:\n    matchLabels: &selector\n      app: orders-api\n",
).replace(
    "      labels:\n        app: orders-api\n",
    "      labels:\n        <<: *selector\n",
)


def test_merge_keys_are_read_not_reported_as_invalid(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    repo_with(tmp_path / "repo", {"app.yaml": MERGED})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 0, plan["findings"]
    assert not findings(plan, "invalid-yaml")
    assert len(actions(plan, "switch-workload")) == 1
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 0, err
    text = (tmp_path / "repo/app.yaml").read_text()
    assert "        <<: *selector\n" in text and "aadpodidbinding" not in text
    assert '        azure.workload.identity/use: "true"\n' in text


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            "        aadpodidbinding: orders\n",
            "        aadpodidbinding: orders\n        aadpodidbinding: admin\n",
            "aadpodidbinding",
        ),
        ("  selector: orders\n", "  selector: orders\n  selector: admin\n", "selector"),
        (
            "  clientID: 3f1c",
            "  clientID: 00000000-0000-0000-0000-000000000000\n  clientID: 3f1c",
            "clientID",
        ),
    ],
)
def test_a_duplicate_key_is_an_error_and_nothing_is_rewritten(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, old: str, new: str, key: str
) -> None:
    text = BASE.replace(old, new)
    assert text != BASE
    root = repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 1
    [bad] = findings(plan, "duplicate-key")
    second = [
        n for n, line in enumerate(text.splitlines(), 1) if line.strip().startswith(key + ":")
    ]
    assert where(bad) == f"repo/app.yaml:{second[1]}"
    assert f"{key!r} is given twice" in bad["message"]
    before = snapshot(root)
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 1 and "duplicate-key" in err
    assert snapshot(root) == before


EXPRESSIONS = BASE.replace(
    "  selector:\n    matchLabels:\n      app: orders-api\n",
    "  selector:\n    matchExpressions:\n      - {key: aadpodidbinding, operator: In, values: [orders]}\n",
)


def test_a_label_selected_by_match_expressions_is_kept_at_retire(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    repo_with(tmp_path / "repo", {"app.yaml": EXPRESSIONS})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert not actions(plan, "remove-pod-label")
    [kept] = findings(plan, "label-in-selector")
    assert where(kept) == f"repo/app.yaml:{line_of(EXPRESSIONS, 'kind: Deployment') - 1}"
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 0, err
    assert "        aadpodidbinding: orders\n" in (tmp_path / "repo/app.yaml").read_text()


CROSS = BASE.replace(
    "  name: orders\n  namespace: shop\n",
    "  name: orders\n  namespace: shop\n  annotations:\n    aadpodidentity.k8s.io/Behavior: {behavior}\n",
).replace(
    "  name: orders-api\n  namespace: shop\n", "  name: orders-api\n  namespace: storefront\n"
)


@pytest.mark.parametrize(
    ("behavior", "served"), [("namespaced", False), ("Namespaced", True), ("NAMESPACED", True)]
)
def test_only_the_exact_spelling_namespaced_is_namespaced(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, behavior: str, served: bool
) -> None:
    text = CROSS.format(behavior=behavior)
    repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    _, plan, _ = plan_json(run_cli, "repo")
    assert bool(actions(plan, "switch-workload")) is served
    spelled = findings(plan, "behavior-spelling")
    if behavior == "namespaced":
        assert not spelled
    else:
        [warning] = spelled
        assert warning["severity"] == "warning"
        assert where(warning) == "repo/app.yaml:1"
        assert f"'{behavior}' is not 'namespaced'" in warning["message"]
