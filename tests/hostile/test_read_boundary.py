"""No input yields a traceback: each bad document is a finding naming file:line, the other
documents of the file are still read, and the command exits 1."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, ROOT
from tests.fakes.kube_apiserver import FakeKubeApiServer
from tests.hostile.manifests import (
    ARGS,
    BASE,
    findings,
    line_of,
    plan_json,
    repo_with,
    where,
)

SPEC = """    spec:
      containers:
        - name: api
          image: contoso.azurecr.io/orders-api:2.4.1
"""


def test_an_integer_over_4300_digits_is_a_finding_on_its_document(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    text = BASE.replace("replicas: 2", "replicas: " + "9" * 5000)
    repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 1
    [bad] = findings(plan, "unreadable-document")
    assert where(bad) == f"repo/app.yaml:{line_of(text, 'replicas:')}"
    assert "5000 digits" in bad["message"] and "Deployment" in bad["message"]
    # the identity and the binding (documents 1 and 2) were still read
    assert findings(plan, "unused-binding")


def test_type_inf_is_an_invalid_identity(tmp_path: Path, monkeypatch: Any, run_cli: Any) -> None:
    text = BASE.replace("type: 0", "type: .inf")
    repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 1
    [bad] = findings(plan, "invalid-identity")
    assert where(bad) == "repo/app.yaml:1"  # the AzureIdentity
    assert "type inf is not 0, 1 or 2" in bad["message"]


def test_a_pod_spec_that_is_a_list_is_a_finding(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    text = BASE.replace(SPEC, "    spec:\n      - name: api\n        image: orders-api:2.4.1\n")
    repo_with(tmp_path / "repo", {"app.yaml": text})
    monkeypatch.chdir(tmp_path)
    code, plan, _ = plan_json(run_cli, "repo")
    assert code == 1
    [bad] = findings(plan, "invalid-object")
    assert where(bad) == f"repo/app.yaml:{line_of(text, 'kind: Deployment') - 1}"
    assert (
        "Deployment shop/orders-api: spec.template.spec is a list, not a mapping"
        in (bad["message"])
    )


def test_a_rewrite_of_such_a_file_writes_nothing(
    tmp_path: Path, monkeypatch: Any, run_cli: Any
) -> None:
    text = BASE.replace("type: 0", "type: .inf")
    repo_with(tmp_path / "repo", {"app.yaml": text, "other.yaml": BASE.replace("shop", "cart")})
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 1 and "Traceback" not in err
    assert (tmp_path / "repo/app.yaml").read_text() == text
    assert (tmp_path / "repo/other.yaml").read_text() == BASE.replace("shop", "cart")


def alias_bomb() -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded."""
    lines = ['l0: &l0 ["aadpodidbinding", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_quickly_and_in_little_memory(tmp_path: Path) -> None:
    bomb = alias_bomb()
    assert len(bomb) < 800
    repo_with(tmp_path / "repo", {"values.yaml": bomb, "app.yaml": BASE})

    def limit_memory() -> None:  # 1 GiB of address space: today's reader needs 1.3 GB
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "migrate", "plan", "repo", "-o", "json", *ARGS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    elapsed = time.monotonic() - start
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1, done.stderr[-2000:]
    assert elapsed < 15, f"{elapsed:.1f} s"
    plan = json.loads(done.stdout)
    [bad] = findings(plan, "invalid-yaml")
    assert bad["origin"]["file"] == "repo/values.yaml"
    assert "aliases" in bad["message"]
    assert findings(plan, "invalid-yaml") == [bad]  # app.yaml is read as usual
    assert any(a["type"] == "switch-workload" for a in plan["actions"])


def test_a_corrupt_journal_file_is_an_error_naming_it(tmp_path: Path, run_cli: Any) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    journal = state / "journal-fake-kube-system.json"  # the local journal of context "fake"
    with FakeKubeApiServer() as fake:
        fake.load_snapshot(FIXTURES / "cluster-sample")
        kube = ["--kubeconfig", str(fake.write_kubeconfig(tmp_path / "kubeconfig"))]
        for corrupt in (b'{"prepare": {"entries": [', b"[1, 2]", b'{"switch": 7}', b"\xff\xfe"):
            journal.write_bytes(corrupt)
            for command in (("status",), ("rollback", "--stage", "switch")):
                code, _, err = run_cli(*command, *kube, "--state-dir", str(state))
                assert code == 1, (command, corrupt, err)
                assert f"error: {journal}: not a wi-migrate journal" in err, err
                assert "Traceback" not in err
        assert journal.read_bytes() == b"\xff\xfe"  # left as found, for the user to look at
