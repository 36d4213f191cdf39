"""New ServiceAccount files: `serviceaccount-<name>.yaml` next to the workload that uses it."""

from __future__ import annotations

import os

from migrate.model import names
from migrate.model.inventory import Finding
from migrate.model.plan import CreateServiceAccount
from migrate.read.builds import Builds
from migrate.read.kustomize import Namespaces
from migrate.write.rewrite.actions import placeholder
from migrate.write.rewrite.workspace import Workspace, folder
from migrate.write.rewrite.yamltext import Layout, detect, scalar


def path_of(action: CreateServiceAccount) -> str:
    return os.path.join(folder(action.next_to), f"serviceaccount-{name_of(action)}.yaml")


def name_of(action: CreateServiceAccount) -> str:
    """The name the file writes: kustomize adds the build's namePrefix/nameSuffix."""
    return names.written(action.target.name, action.name_affixes)


def text(
    ws: Workspace,
    action: CreateServiceAccount,
    namespaces: Namespaces,
    findings: list[Finding],
    builds: Builds | None = None,
) -> str:
    path = path_of(action)
    layout = _layout_of(ws, action.next_to)
    s = " " * layout.step
    ns = action.target.namespace
    lines = [
        "apiVersion: v1",
        "kind: ServiceAccount",
        "metadata:",
        f"{s}name: {name_of(action)}",
    ]
    if namespaces.for_file(os.path.abspath(path)) != ns and not _set_by_builds(
        builds, action.next_to, ns
    ):
        lines.append(f"{s}namespace: {scalar(ns)}")
    annotations = []
    for key, value in action.annotations:
        value = value or placeholder(action.identity, path, 1, findings)
        annotations.append(f"{s}{s}{key}: {scalar(value, quoted=True)}")
    if annotations:
        lines += [f"{s}annotations:", *annotations]
    if action.image_pull_secrets:
        dash = " " * layout.seq_indent + "-" + " " * (layout.seq_offset - 1)
        lines.append("imagePullSecrets:")
        lines += [f"{dash}name: {scalar(name)}" for name in action.image_pull_secrets]
    if action.automount is not None:
        lines.append(f"automountServiceAccountToken: {'true' if action.automount else 'false'}")
    return layout.newline.join(lines) + layout.newline


def _set_by_builds(builds: Builds | None, neighbour: str, namespace: str) -> bool:
    """Every kustomize build that reaches the neighbour sets its objects' namespace, one of
    them to NAMESPACE: a namespace in the file would be overridden (or wrong elsewhere)."""
    given = {v.namespace("ServiceAccount", "") for v in builds.of(neighbour)} if builds else set()
    return namespace in given and "" not in given


def _layout_of(ws: Workspace, neighbour: str) -> Layout:
    """The neighbour's style: new files look like the files around them."""
    try:
        docs = ws.documents(neighbour)
        return detect(ws.text(neighbour), docs[0].node) if docs else Layout()
    except Exception:
        return Layout()
