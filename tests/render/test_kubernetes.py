"""kubernetes target: objects valid for Kubernetes, patches that do what they say on the originals."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from migrate.write.render import kubevalidate
from tests.render import sample

VERSION = kubevalidate.latest()


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return sample.rendered(sample.plan(), ("kubernetes",))


def docs(files: dict[str, str], suffix: str) -> list[tuple[str, dict]]:
    return [(p, yaml.safe_load(t)) for p, t in sorted(files.items()) if p.endswith(suffix)]


def test_new_service_accounts_validate_strictly(files) -> None:
    accounts = [(p, d) for p, d in docs(files, ".yaml") if not p.endswith(".patch.yaml")]
    accounts = [(p, d) for p, d in accounts if d.get("kind") == "ServiceAccount"]
    assert len(accounts) == 7
    for path, doc in accounts:
        kubernetes_validate.validate(doc, VERSION, strict=True)
        annotations = doc["metadata"]["annotations"]
        assert all(isinstance(v, str) and v for v in annotations.values()), path


def test_switch_and_retire_patches_applied_to_the_originals_stay_valid(files) -> None:
    """The patches are merged (strategic merge for maps) into the fixture's own objects."""
    originals = sample.originals()
    checked = 0
    for path, patch in docs(files, ".patch.yaml"):
        if not isinstance(patch, dict) or patch["kind"] in ("ServiceAccount",):
            continue
        original = originals[(patch["kind"], patch["metadata"]["name"])]
        if "/retire/" in path:  # retire comes after switch: apply both, in order
            switch = yaml.safe_load(files[path.replace("/retire/", "/switch/")])
            original = sample.strategic_merge(original, switch)
        merged = sample.strategic_merge(original, patch)
        if patch["kind"] == "SecretProviderClass":  # a custom resource: no schema
            assert merged["spec"]["parameters"]["usePodIdentity"] == "false"
            assert (
                merged["spec"]["parameters"]["clientID"] == "5c6d7e8f-9a0b-4c1d-a2e3-f4a5b6c7d8e9"
            )
            continue
        kubernetes_validate.validate(merged, VERSION, strict=True)
        template = merged
        for key in {"CronJob": ["spec", "jobTemplate", "spec", "template"], "Pod": []}.get(
            patch["kind"], ["spec", "template"]
        ):
            template = template[key]
        labels = template["metadata"]["labels"]
        if "/switch/" in path:
            assert labels["azure.workload.identity/use"] == "true", path
            assert "aadpodidbinding" in labels, f"{path}: the label stays until retire"
            assert template["spec"]["serviceAccountName"]
        elif "/retire/" in path:
            assert "aadpodidbinding" not in labels, path
            assert template["spec"].get("serviceAccountName"), "retire keeps the switch"
        checked += 1
    assert checked == 10 + 9


def test_patches_are_partial_objects_kubectl_and_kustomize_can_place(files) -> None:
    for path, patch in docs(files, ".patch.yaml"):
        if isinstance(patch, list):  # JSON patch of a binding's subjects
            assert patch == [{"op": "add", "path": "/subjects/-", "value": patch[0]["value"]}]
            continue
        assert {"apiVersion", "kind", "metadata"} <= patch.keys(), path
        assert patch["metadata"]["name"] and patch["metadata"]["namespace"], path
        assert kubevalidate.errors(patch, VERSION, partial=True) == [], path


def test_the_use_label_is_the_quoted_string_true(files) -> None:
    text = files["kubernetes/switch/orders/deployment-orders-api.patch.yaml"]
    assert 'azure.workload.identity/use: "true"' in text


def test_a_boolean_label_is_caught_by_the_partial_validation() -> None:
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "n"},
        "spec": {"template": {"metadata": {"labels": {"azure.workload.identity/use": True}}}},
    }
    problems = kubevalidate.errors(patch, VERSION, partial=True)
    assert problems and "spec/template/metadata/labels" in problems[0]


def test_new_identity_client_id_is_a_named_placeholder_never_empty(files) -> None:
    text = files["kubernetes/prepare/legacy/serviceaccount-legacy-sp.yaml"]
    assert "azure.workload.identity/client-id: REPLACE-WITH-CLIENT-ID-OF-legacy-sp" in text
    assert "client id of the new identity legacy-sp is not known" in text
    assert "grep -rl --include='*.yaml' 'REPLACE-WITH-'" in files["kubernetes/prepare/apply.sh"]


def test_deletions_keep_the_plan_order(files) -> None:
    listed = yaml.safe_load(files["kubernetes/uninstall/delete.yaml"])["objects"]
    script = [
        line
        for line in files["kubernetes/uninstall/delete.sh"].splitlines()
        if line.startswith("kubectl ")
    ]
    assert [o["name"] for o in listed][:3] == ["nmi", "mic", "mic-exception"]
    assert len(script) == len(listed) == 13
    assert script[0].startswith("kubectl delete daemonset.apps -n default nmi --ignore-not-found")
    assert (
        "kubectl delete customresourcedefinition.apiextensions.k8s.io azureidentities"
        in files["kubernetes/uninstall/delete.sh"]
    )
    retire = files["kubernetes/retire/delete.sh"]
    assert retire.index("azureidentitybinding.") < retire.index("azureidentity.aadpodidentity")


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_scripts_are_valid_bash(files, tmp_path: Path) -> None:
    for path, text in files.items():
        if path.endswith(".sh"):
            assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
            script = tmp_path / "script.sh"
            script.write_text(text)
            subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.skipif(not shutil.which("kubectl"), reason="needs kubectl (runs offline)")
def test_kubectl_patch_local_and_kustomize_agree_with_the_python_merge(files, tmp_path) -> None:
    """kubectl's own strategic merge, offline: every workload patch, then the kustomization."""
    originals = sample.originals()
    stage = tmp_path / "switch"
    for path, text in files.items():
        if path.startswith("kubernetes/switch/"):
            (stage / path.removeprefix("kubernetes/switch/")).parent.mkdir(
                parents=True, exist_ok=True
            )
            (stage / path.removeprefix("kubernetes/switch/")).write_text(text)
    resources = []
    for path, patch in docs(files, ".patch.yaml"):
        if "/switch/" not in path or patch["kind"] == "SecretProviderClass":
            continue
        original = dict(originals[(patch["kind"], patch["metadata"]["name"])])
        original["metadata"] = {**original["metadata"], "namespace": patch["metadata"]["namespace"]}
        source = tmp_path / f"{patch['kind']}-{patch['metadata']['name']}.yaml"
        source.write_text(yaml.safe_dump(original))
        resources.append(source)
        out = subprocess.run(
            [
                "kubectl",
                "patch",
                "--local",
                "-f",
                str(source),
                "--type",
                "strategic",
                "--patch-file",
                str(stage / path.removeprefix("kubernetes/switch/")),
                "-o",
                "yaml",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert yaml.safe_load(out) == sample.strategic_merge(original, patch), path
    # the rendered kustomization, over the originals
    kustomization = yaml.safe_load((stage / "kustomization.yaml").read_text())
    kustomization["patches"] = [
        p for p in kustomization["patches"] if "secretproviderclass" not in p["path"]
    ]
    kustomization["resources"] = [
        str(r.relative_to(tmp_path)).replace("\\", "/") for r in resources
    ]
    for p in kustomization["patches"]:
        p["path"] = "switch/" + p["path"]
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    built = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path)], check=True, capture_output=True, text=True
    )
    objects = list(yaml.safe_load_all(built.stdout))
    assert len(objects) == len(resources) == 10
    for obj in objects:
        kubernetes_validate.validate(obj, VERSION, strict=True)
