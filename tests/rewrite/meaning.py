"""What a rewritten tree must mean, read back with PyYAML: one check per plan action."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from migrate.model import names
from migrate.model.inventory import CHART_VALUES, WI_USE_LABEL
from migrate.model.plan import (
    Action,
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    DeleteObject,
    ObjectRef,
    RemovePodLabel,
    SetChartValues,
    SetSecretProviderClientID,
    SwitchWorkload,
)


def objects(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8-sig")):
        if isinstance(doc, dict) and doc.get("kind") == "List":
            yield from (i for i in doc.get("items") or [] if isinstance(i, dict))
        elif isinstance(doc, dict):
            yield doc


def named(
    tree: Path, files: set[str], ref: ObjectRef, written: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Objects of REF's kind named as REF, or as WRITTEN (kustomize renames them)."""
    wanted = {ref.name, *written}
    return [
        obj
        for file in sorted(files)
        for obj in objects(tree / file)
        if obj.get("kind") == ref.kind and (obj.get("metadata") or {}).get("name") in wanted
    ]


def as_written(action: Action) -> frozenset[str]:
    """The names the files give the target where a kustomize build renames it."""
    kind = getattr(action, "target", None) and action.target.kind  # type: ignore[union-attr]
    return frozenset(
        o.ref.split("/")[2]
        for o in getattr(action, "caused_by", ())
        if o.file and o.ref.count("/") == 2 and o.ref.split("/")[0] == kind
    )


def dig(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def check(action: Action, tree: Path) -> None:
    """Assert the rewritten TREE carries out ACTION (paths in origins are relative to it)."""
    files = {o.file for o in getattr(action, "caused_by", ()) if o.file}
    if isinstance(action, CreateServiceAccount):
        name = names.written(action.target.name, action.name_affixes)
        path = Path(os.path.dirname(action.next_to)) / f"serviceaccount-{name}.yaml"
        (sa,) = named(tree, {str(path)}, action.target, frozenset({name}))
        annotations = dig(sa, "metadata", "annotations")
        assert all(annotations.get(k) for k, _ in action.annotations), annotations
        assert [s["name"] for s in sa.get("imagePullSecrets", [])] == list(
            action.image_pull_secrets
        )
        assert sa.get("automountServiceAccountToken") == action.automount
        return
    if action.target.kind == CHART_VALUES:  # type: ignore[union-attr]
        found = [next(iter(yaml.safe_load_all((tree / f).read_text())), {}) for f in files]
    else:
        found = named(tree, files, action.target, as_written(action))
    if isinstance(action, DeleteObject):
        assert not found, f"{action.target} is still in {files}"
        return
    assert found, f"{action.target} not found in {files}"
    if isinstance(action, SwitchWorkload):
        templates = [dig(o, *action.template_path) or {} for o in found]
        assert any(dig(t, "metadata", "labels", WI_USE_LABEL) == "true" for t in templates)
        accounts = {
            dig(t, "spec", "serviceAccountName") or dig(t, "spec", "serviceAccount")
            for t in templates
        }
        account = names.written(action.service_account, action.name_affixes)
        # a kustomize patch does not repeat the account its base names: the base has it
        base = named(
            tree, files | {o.file for o in action.caused_by}, action.target, as_written(action)
        )
        accounts |= {
            dig(dig(o, *action.template_path) or {}, "spec", "serviceAccountName") for o in base
        }
        assert account in accounts, accounts
        for key, value in action.annotations:
            assert any(dig(t, "metadata", "annotations", key) == value for t in templates)
    elif isinstance(action, RemovePodLabel):
        for obj in found:
            labels = dig(obj, *action.template_path, "metadata", "labels") or {}
            assert action.label not in labels, labels
    elif isinstance(action, AnnotateServiceAccount):
        annotations = dig(found[0], "metadata", "annotations") or {}
        assert all(
            annotations.get(k) == (v or annotations.get(k)) and annotations.get(k)
            for k, v in action.annotations
        )
    elif isinstance(action, AddBindingSubject):
        subjects = found[0].get("subjects") or []
        wanted = {
            "kind": "ServiceAccount",
            "name": action.service_account.name,
            "namespace": action.service_account.namespace,
        }
        assert wanted in subjects, subjects
    elif isinstance(action, SetSecretProviderClientID):
        params = dig(found[0], "spec", "parameters")
        assert params["usePodIdentity"] == "false"
        assert params["clientID"] == (action.client_id or params["clientID"])
    elif isinstance(action, SetChartValues):
        values = dig(found[0], *action.values_at) or {}
        for change in action.changes:
            *parent, key = change.key
            mapping = dig(values, *parent) or {}
            if change.remove:
                assert key not in mapping, mapping
            elif change.style == "flag":  # a bool, as `if .Values.x.enabled` reads it
                assert mapping.get(key) is (change.value == "true"), mapping
            else:  # a string, as a label or annotation must be (not the bool true)
                assert mapping.get(key) == (change.value or mapping.get(key)), mapping
                assert isinstance(mapping.get(key), str) and mapping.get(key), mapping
