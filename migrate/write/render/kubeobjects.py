"""The Kubernetes objects and patches of plan actions, as plain data for the templates."""

from __future__ import annotations

from typing import Any

from migrate.model.inventory import WI_CLIENT_ID, ObjectRef
from migrate.model.plan import (
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    ManagedIdentity,
    RemovePodLabel,
    SetSecretProviderClientID,
    SwitchWorkload,
)

Body = dict[str, Any]


def client_id(identity: ManagedIdentity, value: str) -> str:
    """VALUE, or the placeholder naming the identity whose client id goes there (apply.sh
    refuses to run with it)."""
    return value or identity.client_id_or_placeholder


def head(ref: ObjectRef) -> Body:
    """apiVersion, kind, metadata: what kubectl and kustomize need to find the object."""
    metadata = (
        {"name": ref.name, "namespace": ref.namespace} if ref.namespace else {"name": ref.name}
    )
    return {"apiVersion": ref.api_version, "kind": ref.kind, "metadata": metadata}


def sa_annotations(action: CreateServiceAccount | AnnotateServiceAccount) -> dict[str, str]:
    return {
        k: client_id(action.identity, v) if k == WI_CLIENT_ID else v for k, v in action.annotations
    }


def service_account(action: CreateServiceAccount) -> Body:
    body = head(action.target)
    body["metadata"]["annotations"] = sa_annotations(action)
    if action.image_pull_secrets:
        body["imagePullSecrets"] = [{"name": s} for s in action.image_pull_secrets]
    if action.automount is not None:
        body["automountServiceAccountToken"] = action.automount
    return body


def service_account_patch(action: AnnotateServiceAccount) -> Body:
    body = head(action.target)
    body["metadata"]["annotations"] = sa_annotations(action)
    return body


def switch_patch(action: SwitchWorkload) -> Body:
    metadata: Body = {"labels": dict(action.labels)}
    if action.annotations:
        metadata["annotations"] = dict(action.annotations)
    template = {"metadata": metadata, "spec": {"serviceAccountName": action.service_account}}
    return _at(head(action.target), action.template_path, template)


def retire_patch(action: RemovePodLabel) -> Body:
    # a strategic merge patch deletes a map key given as null
    template: Body = {"metadata": {"labels": {action.label: None}}}
    return _at(head(action.target), action.template_path, template)


def secret_provider_patch(action: SetSecretProviderClientID) -> Body:
    body = head(action.target)
    cid = client_id(action.identity, action.client_id)
    body["spec"] = {"parameters": {"clientID": cid, "usePodIdentity": "false"}}
    return body


def binding_patch(action: AddBindingSubject) -> list[Body]:
    """A JSON patch: a binding's subjects list has no merge key, so append to it."""
    sa = action.service_account
    subject = {"kind": "ServiceAccount", "name": sa.name, "namespace": sa.namespace}
    return [{"op": "add", "path": "/subjects/-", "value": subject}]


def kubectl_resource(ref: ObjectRef) -> str:
    """kind.group, as kubectl takes it (core kinds have no group)."""
    group = ref.api_version.rpartition("/")[0]
    return f"{ref.kind.lower()}.{group}" if group else ref.kind.lower()


def _at(body: Body, path: tuple[str, ...], part: Body) -> Body:
    """Merge PART into BODY at PATH (the pod template; the object itself for a Pod)."""
    node = body
    for key in path:
        node = node.setdefault(key, {})
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            node[key].update(value)
        else:
            node[key] = value
    return body
