"""The chart and release readers (migrate/read/charts.py): the keys each finding asks for."""

from __future__ import annotations

import shutil
from pathlib import Path

from migrate.model.plan import Settings
from migrate.planner.mapping import plan
from migrate.read import manifests

CASES = Path(__file__).resolve().parents[1] / "cases" / "plan"


def _findings(path: Path) -> dict[str, list]:
    """The plan's findings by code (the planner adds those of selector uses)."""
    out: dict[str, list] = {}
    for f in plan(manifests.read([str(path)]), Settings()).findings:
        out.setdefault(f.code, []).append(f)
    return out


def test_chart_pod_labels_value_names_the_keys_per_stage() -> None:
    found = _findings(CASES / "helm-chart-pod-labels" / "input")
    (values,) = found["helm-values"]
    assert values.origin.line == 14  # podLabels.aadpodidbinding in values.yaml
    hint = values.hint
    assert "prepare: serviceAccount.create: true, serviceAccount.name: payments-worker" in hint
    # the client id comes from the chart's own AzureIdentity template's value
    assert (
        'serviceAccount.annotations."azure.workload.identity/client-id": '
        '"0f1e2d3c-4b5a-4697-8877-665544332211"' in hint
    )
    assert 'switch: podLabels."azure.workload.identity/use": "true"' in hint
    assert hint.endswith("retire: remove podLabels.aadpodidbinding")
    (match,) = found["helm-selector"]
    assert "podIdentity.enabled: false" in match.hint
    assert "helm-template" not in found  # every template that mentions PI is explained


def test_dedicated_value_without_pod_labels_or_account_template() -> None:
    found = _findings(CASES / "helm-chart-identity-value" / "input")
    (values,) = found["helm-values"]
    assert "written by" in values.message and "_helpers.tpl:5" in values.message
    assert "the chart has no serviceAccount values" in values.hint
    assert "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" in values.hint  # from the binding in PATH
    assert "the chart has no pod-labels value" in values.hint


def test_template_labels_give_the_lines_to_write() -> None:
    found = _findings(CASES / "helm-chart-template-labels" / "input")
    literal, expression = sorted(found["helm-template-label"], key=lambda f: f.origin.file)
    assert (
        "switch: add the line '            azure.workload.identity/use: \"true\"' after line 13"
        in literal.hint
    )
    assert "retire: delete line 13" in expression.hint
    assert found["helm-selector-mismatch"]


def test_a_values_string_is_read_with_its_lines(tmp_path: Path) -> None:
    found = _findings(CASES / "argo-application-values" / "input")
    uses = found["selector-in-use"] + found["chart-values-changed"]
    lines = sorted(f.origin.line for f in uses)
    (backups,) = [f for f in found["selector-in-use"] if "backups" in f.message]
    assert "(spec.source.helm.values (a YAML string): podLabels.aadpodidbinding)" in backups.message
    assert "prepare: serviceAccount.name: backups (then plan again)" in backups.hint
    assumed = [f.message for f in found["chart-keys-assumed"]]
    assert any("installs chart velero, which is not in PATH" in m for m in assumed), assumed
    assert "prepare: serviceAccount.name: backups (then plan again)" in backups.hint
    text = (CASES / "argo-application-values" / "input" / "applications.yaml").read_text()
    assert [n for n, line in enumerate(text.splitlines(), 1) if "aadpodidbinding" in line] == lines


def test_a_chart_without_label_values_keeps_the_template_finding(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: pi\nversion: 1.0.0\n")
    (chart / "templates" / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: azureidentities.aadpodidentity.k8s.io\n"
        '  labels: {{ include "pi.labels" . }}\n'
    )
    found = _findings(tmp_path)
    assert [f.origin.file for f in found["helm-template"]] == [
        str(chart / "templates" / "crd.yaml")
    ]


def test_flux_values_files_name_the_file_that_sets_the_label(tmp_path: Path) -> None:
    """Flux chart.spec.valuesFiles (paths in the source, in place of values.yaml): the label
    set in values-prod.yaml is changed there, for the HelmRelease's namespace."""
    case = CASES.parent / "rewrite" / "switch-argo-value-files" / "input"
    shutil.copytree(case / "charts", tmp_path / "charts")
    (tmp_path / "release.yaml").write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
        "  name: quote-service\n  namespace: quotes\nspec:\n  chart:\n    spec:\n"
        "      chart: ./charts/quote-service\n      valuesFiles:\n"
        "        - ./charts/quote-service/values.yaml\n"
        "        - ./charts/quote-service/values-prod.yaml\n"
        "      sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    shutil.copy(case / "argocd" / "identities.yaml", tmp_path / "identities.yaml")
    found = _findings(tmp_path)
    (changed,) = found["chart-values-changed"]
    assert changed.origin.file.endswith("charts/quote-service/values-prod.yaml")
    assert "installed by HelmRelease quotes/quote-service" in changed.message
    # values-staging.yaml is no values file of this release: its label is only reported
    assert "values-staging.yaml" not in changed.message
