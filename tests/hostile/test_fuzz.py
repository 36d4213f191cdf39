"""Property-based fuzzing of plan and rewrite (hypothesis, fixed seed, bounded budget).

Two sources of input: manifests generated from Pod Identity's kinds with hostile values in
every field, and real-looking files (this repo's sample GitOps repo and BASE) mutated line
by line. For every input: no traceback, an exit code the CLI documents, every planned
credential subject a valid `system:serviceaccount:<namespace>:<name>`, and a plan with
errors writes nothing. WI_MIGRATE_FUZZ_EXAMPLES raises the budget for a longer local run.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLE
from tests.hostile.manifests import ARGS, BASE, SUBJECT, repo_with, snapshot

EXAMPLES = int(os.environ.get("WI_MIGRATE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # a fixed seed: CI runs the same inputs every time
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the budget stays bounded
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SAMPLES = sorted(str(p.relative_to(SAMPLE)) for p in SAMPLE.rglob("*.yaml"))

hostile_text = st.sampled_from(
    [
        "",
        "*",
        "a:b",
        "Orders",
        "orders\napi",
        "\u043erders",
        "../..",
        "a" * 300,
        "-x-",
        "{{ .Values.name }}",
        "${NAME}",
        "<<",
        "~",
        "null",
        "0x1F",
        "1e400",
        "9" * 5000,
        "orders/api",
        "shop.example",
        "\t",
        "\ufeff",
        "'",
        '"',
        "\\",
        "\x85",
    ]
)
plain_name = st.from_regex(r"[a-z][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True)
name = st.one_of(plain_name, plain_name, hostile_text)
guid = st.uuids().map(str)
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), hostile_text, guid, plain_name
)
anything = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(name, inner, max_size=3),
    max_leaves=6,
)


def resource_id(sub: str, group: str, identity: str) -> str:
    return (
        f"/subscriptions/{sub}/resourceGroups/{group}/providers/"
        f"Microsoft.ManagedIdentity/userAssignedIdentities/{identity}"
    )


@st.composite
def identity_docs(draw: Any) -> list[dict[str, Any]]:
    ns, ident, selector = draw(name), draw(name), draw(name)
    spec: dict[str, Any] = {
        draw(st.sampled_from(["type", "Type"])): draw(
            st.one_of(st.sampled_from([0, 1, 2, "0", "1"]), scalar)
        ),
        draw(st.sampled_from(["resourceID", "ResourceID", "resourceid"])): draw(
            st.one_of(st.builds(resource_id, guid, name, name), scalar)
        ),
        draw(st.sampled_from(["clientID", "ClientID"])): draw(st.one_of(guid, scalar)),
    }
    if draw(st.booleans()):
        spec["tenantID"] = draw(st.one_of(guid, scalar))
    meta: dict[str, Any] = {"name": ident, "namespace": ns}
    if draw(st.booleans()):
        meta["annotations"] = {
            "aadpodidentity.k8s.io/Behavior": draw(
                st.sampled_from(["namespaced", "Namespaced", ""])
            )
        }
    pod_spec: Any = draw(
        st.one_of(
            st.just({"containers": [{"name": "app", "image": "app:1"}]}),
            st.builds(lambda sa: {"serviceAccountName": sa, "containers": []}, name),
            anything,
        )
    )
    labels = {"app": draw(name), "aadpodidbinding": selector}
    selector_spec = draw(
        st.sampled_from(
            [
                {"matchLabels": {"app": labels["app"]}},
                {"matchLabels": dict(labels)},
                {
                    "matchExpressions": [
                        {"key": "aadpodidbinding", "operator": "In", "values": [selector]}
                    ]
                },
            ]
        )
    )
    return [
        {
            "apiVersion": "aadpodidentity.k8s.io/v1",
            "kind": "AzureIdentity",
            "metadata": meta,
            "spec": spec,
        },
        {
            "apiVersion": "aadpodidentity.k8s.io/v1",
            "kind": "AzureIdentityBinding",
            "metadata": {"name": draw(name), "namespace": draw(st.sampled_from([ns, draw(name)]))},
            "spec": {
                "azureIdentity": draw(st.sampled_from([ident, draw(name)])),
                "selector": selector,
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": draw(
                st.sampled_from(["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod"])
            ),
            "metadata": {"name": draw(name), "namespace": draw(st.sampled_from([ns, draw(name)]))},
            "spec": {
                "selector": selector_spec,
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            },
        },
    ]


@st.composite
def generated_repo(draw: Any) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for i in range(draw(st.integers(1, 3))):
        docs = draw(identity_docs())
        text = yaml.safe_dump_all(
            docs, default_flow_style=draw(st.sampled_from([False, None])), allow_unicode=True
        )
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
        files[f"team{i}/app.yaml"] = text.encode(encoding)
    return files


SNIPPETS = [
    "<<: *missing",
    "x: &a [*a]",
    "  aadpodidbinding: orders",
    "  aadpodidbinding: orders",  # twice: a duplicate key
    '{{- include "x" . }}',
    "\t- tab",
    "---",
    "...",
    "kind: List",
    "items: [",
    "type: .inf",
    "type: " + "1" * 4400,
    "spec: []",
    "metadata: 7",
    "selector: {matchExpressions: [{key: aadpodidbinding, operator: Exists}]}",
    "aadpodidentity.k8s.io/Behavior: Namespaced",
    "clientID: not-a-guid",
    "\ufeffkind: AzureIdentity",
    "\x00",
]


@st.composite
def mutated_repo(draw: Any) -> dict[str, str | bytes]:
    source = draw(st.sampled_from(["BASE", *SAMPLES]))
    text = BASE if source == "BASE" else (SAMPLE / source).read_text()
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines)))
        how = draw(st.sampled_from(["delete", "duplicate", "insert", "indent", "truncate"]))
        if how == "delete" and at < len(lines):
            del lines[at]
        elif how == "duplicate" and at < len(lines):
            lines.insert(at, lines[at])
        elif how == "insert":
            indent = " " * draw(st.integers(0, 8))
            lines.insert(at, indent + draw(st.sampled_from(SNIPPETS)) + "\n")
        elif how == "indent" and at < len(lines):
            lines[at] = " " * draw(st.integers(1, 3)) + lines[at]
        elif how == "truncate" and at < len(lines):
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
    return {"app.yaml": "".join(lines), "intact.yaml": BASE.replace("shop", "intact")}


def check(run_cli: Any, files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = repo_with(Path(tmp) / "repo", files)
        code, out, err = run_cli("plan", str(root), "-o", "json", *ARGS)
        assert code in (0, 1), err  # 70 would be an internal error (a bug)
        assert "Traceback" not in err
        plan = json.loads(out)
        for action in plan["actions"]:
            if action["type"] == "create-federated-credential":
                assert SUBJECT.fullmatch(action["credential"]["subject"]), action
        errors = [f for f in plan["findings"] if f["severity"] == "error"]
        assert (code == 1) == bool(errors)
        before = snapshot(root)
        code, _, err = run_cli("rewrite", str(root), "--stage", "all", *ARGS)
        assert "Traceback" not in err
        if errors:
            assert code == 1, err
            assert snapshot(root) == before, "a plan with errors wrote files"
        else:
            assert code in (0, 1), err


@FUZZ
@given(files=generated_repo())
def test_generated_manifests(run_cli: Any, files: dict[str, str | bytes]) -> None:
    check(run_cli, files)


@FUZZ
@given(files=mutated_repo())
def test_mutated_real_looking_files(run_cli: Any, files: dict[str, str | bytes]) -> None:
    check(run_cli, files)
