"""wi-migrate rewrite as a user runs it: --check, --diff, status lines, the git dirty check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, copy_repo, snapshot

ARGS = ("--issuer", "https://issuer.example/", "--cluster-name", "c1")
# switch-comments has no ServiceAccount yet: its switch is rewritten on its own, past the gate
SWITCH = (*ARGS, "--skip-gate", "prepared")
CASE = ROOT / "tests/cases/rewrite/switch-comments/input"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_repo(CASE, tmp_path, monkeypatch)


def test_check_exits_1_and_writes_nothing(repo: Path, run_cli) -> None:
    before = snapshot(repo)
    code, _out, err = run_cli("rewrite", "repo", "--stage", "switch", "--check", *SWITCH)
    assert code == 1
    assert "would rewrite repo/orders.yaml" in err
    assert "unchanged repo/identity.yaml" not in err  # only files the stage concerns
    assert snapshot(repo) == before
    run_cli("rewrite", "repo", "--stage", "switch", *SWITCH)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--check", *SWITCH)
    assert code == 0, err
    assert "nothing to change" in err and "would rewrite" not in err


def test_diff_prints_unified_diffs_and_writes_nothing(repo: Path, run_cli) -> None:
    before = snapshot(repo)
    code, out, _err = run_cli("rewrite", "repo", "--stage", "switch", "--diff", *SWITCH)
    assert code == 0
    assert out.startswith("--- a/repo/orders.yaml\n+++ b/repo/orders.yaml\n")
    assert '+        azure.workload.identity/use: "true"\n' in out
    assert "-      serviceAccountName: orders-runtime\n+      serviceAccountName: orders\n" in out
    assert snapshot(repo) == before


def test_status_lines_and_new_and_deleted_files(tmp_path: Path, monkeypatch, run_cli) -> None:
    shutil.copytree(SAMPLE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("rewrite", "repo", "--stage", "prepare", "--diff", *ARGS)
    assert "--- /dev/null\n+++ b/repo/apps/orders/serviceaccount-orders-api.yaml\n" in out
    assert "would rewrite repo/apps/orders/serviceaccount-orders-api.yaml (new file)" in err
    # the chart is read: its values name the keys to change, the files are left to the user
    assert "skipped repo/charts/inventory/values.yaml (helm-values" in err
    assert "repo/charts/inventory/values.yaml:15: warning helm-values" in err
    code, out, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 0, err
    assert "rewrote repo/apps/orders/identities.yaml (no document left)" in err
    assert not (tmp_path / "repo/apps/orders/identities.yaml").exists()
    assert "repo/platform/aad-pod-identity/kustomization.yaml:1: info empty-kustomization" in err


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_refuses_files_with_uncommitted_changes(repo: Path, run_cli) -> None:
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    orders = repo / "orders.yaml"
    orders.write_text(orders.read_text() + "# work in progress\n")
    before = snapshot(repo)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *SWITCH)
    assert code == 1
    assert "error: uncommitted changes in files to rewrite: repo/orders.yaml" in err
    assert "--allow-dirty" in err
    assert snapshot(repo) == before
    # --check and --diff write nothing: no refusal
    assert run_cli("rewrite", "repo", "--stage", "switch", "--check", *SWITCH)[0] == 1
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", "--allow-dirty", *SWITCH)
    assert code == 0, err
    assert "rewrote repo/orders.yaml" in err


def test_clean_git_tree_is_rewritten(repo: Path, run_cli) -> None:
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *SWITCH)
    assert code == 0, err
    assert "rewrote repo/orders.yaml" in err


def test_a_stale_saved_plan_is_refused(repo: Path, run_cli, tmp_path: Path) -> None:
    code, out, _ = run_cli("plan", "repo", "-o", "json", *ARGS)
    (tmp_path / "plan.json").write_text(out)
    orders = repo / "orders.yaml"
    orders.write_text(orders.read_text().replace("replicas: 3", "replicas: 4"))
    before = snapshot(repo)
    code, _, err = run_cli("rewrite", "plan.json", "--stage", "switch")
    assert code == 1
    assert "plan.json: repo/orders.yaml changed since the plan was made; nothing was changed" in err
    assert snapshot(repo) == before


def test_sample_repo_stage_by_stage_each_run_twice(tmp_path: Path, monkeypatch, run_cli) -> None:
    shutil.copytree(SAMPLE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    crlf = (tmp_path / "repo/apps/legacy/ftp-poller-pod.yaml").read_bytes()
    assert b"\r\n" in crlf
    for stage in ("prepare", "switch", "retire", "uninstall"):
        code, _, err = run_cli("rewrite", "repo", "--stage", stage, *ARGS)
        assert code == 0, err
        assert "rewrote" in err
        after = snapshot(tmp_path / "repo")
        code, _, err = run_cli("rewrite", "repo", "--stage", stage, *ARGS)
        assert "rewrote" not in err and "nothing to change" in err
        assert snapshot(tmp_path / "repo") == after
    pod = (tmp_path / "repo/apps/legacy/ftp-poller-pod.yaml").read_bytes()
    assert b'    azure.workload.identity/use: "true"\r\n' in pod
    assert pod.count(b"\n") == pod.count(b"\r\n")
    assert (
        (tmp_path / "repo/apps/monitoring/log-shipper.yaml")
        .read_bytes()
        .startswith(b"\xef\xbb\xbf")
    )
    # the label stays where it is part of the immutable selector
    assert (
        b"aadpodidbinding"
        in (tmp_path / "repo/apps/analytics/clickstream-ingest-deployment.yaml").read_bytes()
    )


def test_switch_before_prepare_is_refused_like_the_live_gate(repo: Path, run_cli) -> None:
    """The ServiceAccount prepare creates is not in the repo: switching the pods to it
    would leave them without a token. Exit 3, the missing account named, nothing written."""
    before = snapshot(repo)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *ARGS)
    assert code == 3
    assert "gate prepared before switch failed: 1 blocker(s)" in err
    assert "  - ServiceAccount orders/orders is not in the repo yet" in err
    assert "run rewrite --stage prepare first" in err
    assert "--skip-gate prepared" in err
    assert snapshot(repo) == before
    # once prepare's change is in, the gate passes without being skipped
    assert run_cli("rewrite", "repo", "--stage", "prepare", *ARGS)[0] == 0
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *ARGS)
    assert code == 0, err
    assert "gate" not in err


def test_the_prepared_gate_can_be_skipped(repo: Path, run_cli) -> None:
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *SWITCH)
    assert code == 0, err
    assert "gate prepared skipped with 1 blocker(s)" in err
    assert "rewrote" in err


def test_a_missing_client_id_annotation_blocks_the_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    copy_repo(ROOT / "tests/cases/rewrite/prepare-annotate-existing/input", tmp_path, monkeypatch)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *ARGS)
    assert code == 3
    assert "has no azure.workload.identity/client-id annotation yet" in err
    assert run_cli("rewrite", "repo", "--stage", "prepare", *ARGS)[0] == 0
    assert run_cli("rewrite", "repo", "--stage", "switch", *ARGS)[0] == 0


def test_all_stages_at_once_need_no_gate(repo: Path, run_cli) -> None:
    code, _, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 0, err
    assert "gate" not in err


def test_chart_values_go_stage_by_stage_behind_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    """An Argo CD Application's valuesObject: switch waits for prepare's values (the pinned
    account and its client id), then each stage is one values change and a re-run of it
    changes nothing."""
    case = ROOT / "tests/cases/rewrite/prepare-argo-values-object/input"
    repo = copy_repo(case, tmp_path, monkeypatch)
    before = snapshot(repo)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *ARGS)
    assert code == 3 and snapshot(repo) == before
    assert (
        "  - Application/argocd/kong-ingress does not have kong.serviceAccount.name, "
        'kong.serviceAccount.annotations."azure.workload.identity/client-id" in its values yet'
    ) in err
    for stage in ("prepare", "switch", "retire"):
        code, _, err = run_cli("rewrite", "repo", "--stage", stage, *ARGS)
        assert code == 0, err
        assert "rewrote repo/kong.yaml" in err, (stage, err)
        again = run_cli("rewrite", "repo", "--stage", stage, "--check", *ARGS)
        assert again[0] == 0, (stage, again[2])
    text = (repo / "kong.yaml").read_text()
    assert "aadpodidbinding" not in text
    # the comment after the old label is about what the identity is for: it stays, on the new
    assert (
        '            azure.workload.identity/use: "true"   # Key Vault access for TLS certificates\n'
    ) in text
    assert "            name: id-aks-edge-kong\n" in text
    assert not (repo / "identity.yaml").exists()


def test_an_account_defined_elsewhere_is_a_loud_manual_step_not_a_blocker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    """shared-runner is defined in another repo: prepare reports its annotation as a manual
    step, the gate waits only for the account defined here (docs-publisher), each stage
    completes (twice), switch and retire name the workloads that wait on the manual step,
    and nothing claims the files changed since the plan."""
    case = ROOT / "tests/cases/rewrite/prepare-service-account-elsewhere/input"
    repo = copy_repo(case, tmp_path, monkeypatch)
    code, _, err = run_cli("rewrite", "repo", "--stage", "switch", *ARGS)
    assert code == 3
    assert "gate prepared before switch failed: 1 blocker(s)" in err
    assert "ServiceAccount ci/docs-publisher has no azure.workload.identity/client-id" in err
    assert "shared-runner" not in err.split("hint:")[0].split("failed:")[1]
    for stage in ("prepare", "switch", "retire", "uninstall"):
        for run in range(2):  # the second run has nothing left to do
            code, _, err = run_cli("rewrite", "repo", "--stage", stage, *ARGS)
            assert code == 0, (stage, err)
            assert "changed since" not in err and "gate prepared" not in err
            waiting = "Deployment/ci/build-agent → ci/shared-runner"
            loud = stage == "switch" and run == 0
            assert (waiting in err) == loud, (stage, err)
            if run == 0:
                first = err
        err = first
        if stage == "prepare":
            assert "not-rewritten: ServiceAccount/ci/shared-runner" in err
        if stage == "switch":
            assert "warning switch-manual-step: switch moves 2 workload(s)" in err
            assert "CronJob/ci/cache-warmer → ci/shared-runner" in err
    assert "aadpodidbinding" not in (repo / "build-agent.yaml").read_text()


def test_a_saved_plan_with_an_account_defined_elsewhere_is_not_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:
    case = ROOT / "tests/cases/rewrite/switch-service-account-elsewhere/input"
    copy_repo(case, tmp_path, monkeypatch)
    code, out, _ = run_cli("plan", "repo", "-o", "json", *ARGS)
    (tmp_path / "plan.json").write_text(out)
    code, _, err = run_cli("rewrite", "plan.json", "--stage", "prepare")
    assert code == 0 and "changed since" not in err, err
    code, _, err = run_cli("rewrite", "plan.json", "--stage", "switch")
    assert code == 0 and "changed since" not in err, err
    assert "switch-manual-step" in err and "rewrote repo/build-agent.yaml" in err


def test_diff_masks_secret_data_shown_as_context(tmp_path: Path, monkeypatch, run_cli) -> None:
    case = ROOT / "tests/cases/rewrite/retire-service-principal-secret/input"
    copy_repo(case, tmp_path, monkeypatch)
    args = (*ARGS, "--identity-resource-group", "rg-identities")
    code, out, err = run_cli("rewrite", "repo", "--stage", "retire", "--diff", *args)
    assert code == 0, err
    assert "CANARY" not in out + err
    # the lines around the deleted documents are the Secrets': shown, values masked
    assert " stringData:\n   clientSecret: ***\n----\n" in out
    assert "\n ---\n data:\n   STORAGE_CONNECTION: ***\n" in out
