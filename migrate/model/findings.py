"""Every finding code the tool can report, with its severity (docs/findings.md lists them)."""

from __future__ import annotations

from migrate.model.inventory import Finding, Origin

CATALOGUE: dict[str, tuple[str, str]] = {
    # reading sources
    "invalid-yaml": ("error", "a file that mentions Pod Identity is not valid YAML"),
    "unreadable-file": ("error", "a file that mentions Pod Identity is in no encoding read"),
    "unreadable-document": ("error", "a YAML document whose values cannot be built"),
    "duplicate-key": ("error", "a key given twice in one mapping"),
    "helm-template": ("warning", "a Helm template mentions Pod Identity"),
    "helm-values": ("warning", "a chart's or release's values set aadpodidbinding"),
    "helm-template-label": ("warning", "a chart's template writes aadpodidbinding itself"),
    "helm-selector": ("info", "a chart's binding selector and pod label are the same value"),
    "helm-selector-mismatch": (
        "warning",
        "a chart's binding selector and pod label are different expressions",
    ),
    "label-outside-pod-template": ("warning", "aadpodidbinding outside a workload's pod template"),
    "label-on-workload-metadata": ("info", "aadpodidbinding on a workload's own metadata"),
    "pi-addon-manager": ("warning", "the addon manager keeps Pod Identity's objects"),
    "pi-chart": ("info", "Pod Identity's own chart, vendored"),
    "pi-mention": ("info", "a document mentions Pod Identity without being one of its objects"),
    "default-namespace": ("info", "an object without a namespace was placed in 'default'"),
    "conflicting-definitions": ("warning", "one object is defined twice with different values"),
    "invalid-identity": ("error", "an AzureIdentity or AzureIdentityBinding cannot be read"),
    "invalid-object": ("error", "an object whose pod template is not a mapping"),
    "invalid-name": ("error", "a name or namespace Kubernetes would refuse"),
    "invalid-label-value": ("error", "a selector or label value no pod can carry"),
    "behavior-spelling": ("warning", "a Behavior annotation that is not exactly 'namespaced'"),
    "kustomize-patch-base-missing": (
        "warning",
        "a kustomize patch sets aadpodidbinding on an object not in PATH",
    ),
    "kustomize-patch-manual": ("warning", "an inline or JSON6902 patch sets aadpodidbinding"),
    "shared-kustomize-base": ("info", "several kustomize overlays build one base's workloads"),
    "pi-install-resource": ("warning", "a kustomization's resources: entry installs Pod Identity"),
    "iac-pod-identity": (
        "warning",
        "a Terraform, Bicep or ARM line mentions Pod Identity; the tool does not change it",
    ),
    "templated-manifest": ("warning", "a templated manifest (not YAML until rendered) mentions PI"),
    "templated-value": (
        "warning",
        "a name, namespace or selector is a template placeholder filled in later",
    ),
    "unknown-owner": ("warning", "a pod's owner is of a kind the tool does not know"),
    # mapping rules
    "missing-identity": ("error", "a binding names an AzureIdentity that does not exist"),
    "label-without-binding": ("warning", "pods carry a selector that no binding serves"),
    "unused-binding": ("info", "a binding whose selector no workload uses"),
    "cross-namespace-binding": ("info", "pods use a binding from another namespace"),
    "invalid-resource-id": ("error", "an AzureIdentity's resourceID is not a UAMI resource id"),
    "missing-client-id": ("error", "a user-assigned AzureIdentity has no clientID"),
    "invalid-guid": ("error", "an AzureIdentity's clientID or tenantID is not a GUID"),
    "service-principal-identity": ("warning", "a service-principal identity needs a new UAMI"),
    "multiple-identities": ("warning", "pods use several identities"),
    "invalid-subject": ("error", "a namespace or ServiceAccount name is not a Kubernetes name"),
    "too-many-credentials": ("error", "an identity would pass 20 federated credentials"),
    "issuer-unknown": ("warning", "the cluster's OIDC issuer is not known"),
    "issuer-format": ("warning", "the OIDC issuer URL looks wrong"),
    "credential-exists": ("info", "a federated credential already exists"),
    "exception-matched": ("warning", "pods match an AzurePodIdentityException"),
    "label-in-selector": ("warning", "aadpodidbinding is part of an immutable selector"),
    "immutable-pod-template": ("warning", "a Pod's or Job's template cannot change in place"),
    "service-account-shared": ("info", "a ServiceAccount is shared with other workloads"),
    "service-account-not-found": ("warning", "a reused ServiceAccount is not in the source"),
    "unused-secret-provider-class": ("info", "a SecretProviderClass uses pod identity"),
    "proxy-sidecar": ("warning", "the migration sidecar is not for production"),
    "proxy-sidecar-host-network": ("error", "the migration sidecar cannot run with hostNetwork"),
    "cluster-name-default": ("info", "credential names use the default cluster name"),
    "pi-installation": ("info", "Pod Identity's own installation is removed by 'uninstall'"),
    "pi-release-crds": ("info", "a GitOps release of Pod Identity's chart leaves its CRDs"),
    "aks-addon": ("warning", "the AKS pod-identity add-on is removed through Azure"),
    "selector-in-use": ("warning", "a selector is used where the tool cannot change it"),
    "binding-kept": ("info", "retire keeps a binding whose selector is still used"),
    "chart-values-changed": ("info", "chart values that set the pod label are changed by rewrite"),
    "chart-keys-assumed": ("warning", "a chart not in PATH is assumed to have the common keys"),
    "selector-use-account-unknown": (
        "warning",
        "pods given a selector outside the tool's reach run as an unknown ServiceAccount",
    ),
    "owned-workload": ("warning", "an object is owned by Helm, Flux or Argo CD"),
    # rewriting files
    "placeholder-client-id": ("warning", "a new identity's client id is not known yet"),
    "redumped-document": ("info", "a document was re-dumped instead of spliced"),
    "not-rewritten": ("warning", "a change the tool cannot make safely in the file"),
    "switch-manual-step": (
        "warning",
        "switch moves workloads to ServiceAccounts a person must annotate elsewhere",
    ),
    "empty-kustomization": ("info", "a kustomization.yaml lists nothing any more"),
    "symlink-out-of-repo": ("error", "a file to rewrite links to a file outside the repo"),
    # live cluster
    "webhook-missing": ("warning", "the Workload Identity webhook is not installed"),
    "pi-identity-on-node": ("warning", "a Pod Identity identity is still attached to nodes"),
}


def make(code: str, origin: Origin, message: str, hint: str, subject: str = "") -> Finding:
    severity, _ = CATALOGUE[code]
    return Finding(code, severity, origin, message, hint, subject)
