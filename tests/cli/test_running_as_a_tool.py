"""Issue edge 8 (and the install lines of 9): in-cluster configuration when run inside a pod,
`completion bash|zsh|fish`, broken pipes exit quietly, the docs' install lines work as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE
from tests.fakes.kube_apiserver import FakeKubeApiServer

PROGRAM = Path(sys.executable).with_name("wi-migrate")


@pytest.fixture
def pod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The cluster as a pod sees it: HTTPS API at KUBERNETES_SERVICE_HOST/PORT, a mounted
    ServiceAccount token and CA (the folder set by WI_MIGRATE_SERVICE_ACCOUNT_DIR, default
    /var/run/secrets/kubernetes.io/serviceaccount), no kubeconfig."""
    with FakeKubeApiServer(tls=True, token="pod-token") as server:
        server.load_snapshot(ROOT / "fixtures" / "cluster-sample")
        mount = tmp_path / "serviceaccount"
        mount.mkdir()
        (mount / "token").write_text("pod-token")
        (mount / "ca.crt").write_text(Path(server.ca_path).read_text())
        (mount / "namespace").write_text("kube-system")
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(server.port))
        monkeypatch.setenv("WI_MIGRATE_SERVICE_ACCOUNT_DIR", str(mount))
        yield server


def test_in_a_pod_the_service_account_reaches_the_api(pod: FakeKubeApiServer, run_cli: Any) -> None:
    code, out, err = run_cli("plan", "--cluster", "-o", "json")
    assert code == 0, err
    assert json.loads(out)["source"] == ["cluster:in-cluster"]
    assert pod.count("GET") > 5  # every read went to the in-cluster API, with the pod's token
    code, out, err = run_cli("status", "--state-dir", "state")
    assert code == 0, err
    assert "cluster in-cluster" in out


def test_a_kubeconfig_beats_the_pod_environment(
    pod: FakeKubeApiServer, run_cli: Any, tmp_path: Path
) -> None:
    with FakeKubeApiServer() as other:
        config = other.write_kubeconfig(tmp_path / "kubeconfig", context="desk")
        code, out, err = run_cli("plan", "--cluster", "--kubeconfig", str(config), "-o", "json")
        assert code == 0, err
        assert json.loads(out)["source"] == ["cluster:desk"]


def test_in_a_pod_a_missing_token_is_a_clear_error(
    pod: FakeKubeApiServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WI_MIGRATE_SERVICE_ACCOUNT_DIR", str(tmp_path / "nothing"))
    code, _, err = run_cli("plan", "--cluster")
    assert code == 1
    assert "Traceback" not in err
    assert "token" in err and str(tmp_path / "nothing") in err


@pytest.mark.parametrize(
    "shell, marker",
    [
        ("bash", "complete -o nosort -F _wi_migrate_completion wi-migrate"),
        ("zsh", "#compdef wi-migrate"),
        ("fish", "complete --no-files --command wi-migrate"),
    ],
)
def test_completion_scripts(shell: str, marker: str, run_cli: Any) -> None:
    code, out, err = run_cli("completion", shell)
    assert code == 0, err
    assert marker in out
    assert "_WI_MIGRATE_COMPLETE" in out


def test_the_bash_script_completes_commands_and_options() -> None:
    """The protocol the script speaks, through the installed program."""
    env = {**os.environ, "_WI_MIGRATE_COMPLETE": "bash_complete", "COMP_CWORD": "1"}
    done = subprocess.run(
        [str(PROGRAM)], env={**env, "COMP_WORDS": "wi-migrate comp"}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "plain,completion" in done.stdout.split()
    env["COMP_CWORD"] = "2"
    done = subprocess.run(
        [str(PROGRAM)],
        env={**env, "COMP_WORDS": "wi-migrate plan --clus"},
        capture_output=True,
        text=True,
    )
    assert "plain,--cluster" in done.stdout.split()
    bash = subprocess.run(
        ["bash", "-c", f"source <({PROGRAM} completion bash) && complete -p wi-migrate"],
        capture_output=True,
        text=True,
    )
    assert bash.returncode == 0, bash.stderr
    assert "_wi_migrate_completion" in bash.stdout


def test_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    """`wi-migrate plan ... | head -0`: the reader is gone before the plan is written."""
    process = subprocess.Popen(
        [str(PROGRAM), "plan", str(SAMPLE), "-o", "yaml"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like head, which exits after its lines
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, err
    assert err == ""


def test_the_shell_pipeline_with_head() -> None:
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{PROGRAM} plan {SAMPLE} -o yaml | head -1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "apiVersion: wi-migrate/v1\n"
    assert done.stderr == ""


INSTALL = re.compile(r"pip install\s+(?P<what>.+)")


def install_lines() -> list[tuple[str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text().splitlines():
            match = INSTALL.search(line)
            if match:
                found.append((doc.name, match["what"].strip()))
    return found


def test_every_install_line_installs_from_a_clone_or_a_built_wheel() -> None:
    """wi-migrate is not published on an index: `pip install wi-migrate` cannot work."""
    lines = install_lines()
    assert len(lines) >= 3
    for doc, what in lines:
        target = next(w for w in what.split() if not w.startswith("-") and w != "&&")
        target = target.strip("'\"")
        assert (
            target.startswith((".", "dist/", "./", "git+"))
            or target.endswith(".whl")
            or target.split("[")[0] in ("kubernetes-validate",)
        ), f"{doc}: pip install {what}"


def test_the_ci_example_builds_the_tool_from_the_checkout() -> None:
    guide = (ROOT / "docs" / "gitops-guide.md").read_text()
    assert "pip install wi-migrate" not in guide
    assert re.search(r"pip install (\S+ )*(\.|dist/\S+\.whl|git\+https://\S+)", guide), guide
