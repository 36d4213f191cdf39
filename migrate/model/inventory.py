"""The inventory: frozen records of what a source (files or a cluster) holds.

Every record carries its origins: where it was read (file + line, or an object
reference + resourceVersion). A record defined in a base and patched in an overlay
has several origins, the defining one first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Pairs = tuple[tuple[str, str], ...]
"""An ordered string mapping (labels, annotations) that stays hashable."""

PI_GROUP = "aadpodidentity.k8s.io"
PI_LABEL = "aadpodidbinding"
CLUSTER_SOURCE = "cluster:"  # the source of what was read from a cluster: cluster:<context>
WI_USE_LABEL = "azure.workload.identity/use"
WI_CLIENT_ID = "azure.workload.identity/client-id"
WI_TENANT_ID = "azure.workload.identity/tenant-id"
WI_PROXY_SIDECAR = "azure.workload.identity/inject-proxy-sidecar"
WI_PROXY_PORT = "azure.workload.identity/proxy-sidecar-port"
FIC_AUDIENCE = "api://AzureADTokenExchange"
FIC_LIMIT = 20  # federated credentials per identity (docs/domain.md §2)
NAMESPACED_BEHAVIOR = "aadpodidentity.k8s.io/Behavior"


@dataclass(frozen=True, order=True)
class Origin:
    """Where a record was read: a file and line, or a cluster object and its version."""

    file: str = ""  # path relative to the scanned root, "-" for stdin, "" for the cluster
    line: int = 0  # 1-based; 0 when unknown
    document: int = 0  # index of the YAML document in the file
    # "Kind/namespace/name" for a cluster object, or of the object as written when a build
    # renames it; REMOTE_ENTRY + the entry for an object a remote kustomize resource makes
    ref: str = ""
    version: str = ""  # short sha256 of the file, or the object's resourceVersion

    def __str__(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        return self.ref or "-"

    @property
    def remote_entry(self) -> str:
        """The `resources:` entry (a URL) of FILE, a kustomization, that makes the object."""
        return self.ref.removeprefix(REMOTE_ENTRY) if self.ref.startswith(REMOTE_ENTRY) else ""


REMOTE_ENTRY = "resources: "


def text_of(origin: Origin, ref: ObjectRef) -> tuple[str, int, int, str]:
    """Which text of which file an object was read from: the builds of one document by
    several kustomize overlays give one key (Origin.ref: the object as written, when a build
    renames it); from a cluster, the object itself."""
    return (origin.file, origin.document, origin.line, origin.ref or str(ref))


@dataclass(frozen=True, order=True)
class ObjectRef:
    kind: str
    name: str
    namespace: str = ""  # "" for cluster-scoped kinds
    api_version: str = ""

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class AzureIdentity:
    name: str
    namespace: str
    type: int  # 0 user-assigned managed identity, 1 SP + secret, 2 SP + certificate
    resource_id: str
    client_id: str
    tenant_id: str
    secret_ref: str  # "namespace/name" of the clientPassword Secret; never its content
    namespaced: bool  # annotation aadpodidentity.k8s.io/Behavior: namespaced
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("AzureIdentity", self.name, self.namespace, f"{PI_GROUP}/v1")


@dataclass(frozen=True)
class AzureIdentityBinding:
    name: str
    namespace: str
    identity: str  # name of an AzureIdentity in the binding's namespace
    selector: str
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("AzureIdentityBinding", self.name, self.namespace, f"{PI_GROUP}/v1")


@dataclass(frozen=True)
class AzurePodIdentityException:
    name: str
    namespace: str
    pod_labels: Pairs
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("AzurePodIdentityException", self.name, self.namespace, f"{PI_GROUP}/v1")


@dataclass(frozen=True)
class AzureAssignedIdentity:
    """Runtime state written by MIC: evidence that a pod really uses an identity."""

    name: str
    namespace: str
    identity: str  # "namespace/name" of the AzureIdentity
    binding: str  # "namespace/name" of the AzureIdentityBinding
    pod: str  # "namespace/name" of the pod
    node: str
    origins: tuple[Origin, ...]


@dataclass(frozen=True)
class Workload:
    """An object with a pod template (or a Pod) and what the migration needs of it."""

    kind: str
    api_version: str
    name: str
    namespace: str
    template_path: tuple[str, ...]  # keys from the document root to the pod template
    labels: Pairs  # pod template labels
    selector_labels: Pairs  # spec.selector.matchLabels (immutable)
    service_account: str  # "" when the pod uses the default ServiceAccount
    secret_provider_classes: tuple[str, ...]  # CSI secrets-store volumes
    host_network: bool
    managed_by: str  # "helm", "flux", "argocd" or ""
    origins: tuple[Origin, ...]
    annotations: Pairs = ()  # pod template annotations
    # (namePrefix, nameSuffix) its kustomize build adds to names written beside it: a new
    # ServiceAccount written next to it gets them too; () outside such a build
    name_affixes: tuple[str, ...] = ()
    # an aadpodidbinding label on the object's own metadata, not its pod template: Pod
    # Identity never sees it (a copy of its demo's habit); retire removes it
    own_label: str = ""

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace, self.api_version)

    @property
    def selector(self) -> str:
        return dict(self.labels).get(PI_LABEL, "")


@dataclass(frozen=True)
class ServiceAccount:
    name: str
    namespace: str
    annotations: Pairs
    image_pull_secrets: tuple[str, ...]
    automount: bool | None
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ServiceAccount", self.name, self.namespace, "v1")


@dataclass(frozen=True)
class RoleBinding:
    """A RoleBinding or ClusterRoleBinding, with the ServiceAccounts it names."""

    kind: str
    name: str
    namespace: str  # "" for a ClusterRoleBinding
    service_accounts: tuple[str, ...]  # "namespace/name" of each ServiceAccount subject
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace, "rbac.authorization.k8s.io/v1")


@dataclass(frozen=True)
class SecretProviderClass:
    name: str
    namespace: str
    use_pod_identity: bool
    client_id: str
    origins: tuple[Origin, ...]

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(
            "SecretProviderClass", self.name, self.namespace, "secrets-store.csi.x-k8s.io/v1"
        )


@dataclass(frozen=True)
class PIComponent:
    """A piece of the Pod Identity installation (NMI, MIC, their RBAC, CRDs, leftovers)."""

    ref: ObjectRef
    component: str  # "nmi", "mic", "crd", "exception", "config" or "rbac"
    install: str  # "raw", "helm", "addon" (AKS) or "addon-manager" (labelled for it)
    origins: tuple[Origin, ...]


CHART_VALUES = "ChartValues"  # a ValuesSite target: a chart's values file, the whole document


@dataclass(frozen=True)
class ValuesSite:
    """Where plain-YAML chart values that set the pod label are written, so the tool can
    change them itself: a Flux HelmRelease's spec.values, an Argo CD Application's
    spec.source.helm.valuesObject (docs/charts-values-iac.md)."""

    target: ObjectRef  # the object that holds the values, as its file names it
    values_at: tuple[str, ...]  # the values' mapping in that object: ("spec", "values")
    label_key: tuple[str, ...]  # the aadpodidbinding key in the values: ("podLabels", PI_LABEL)
    account_key: tuple[str, ...]  # the chart's account values: ("serviceAccount",)
    # the scalar values the plan depends on, by key path in the values: the account's
    # name, create and annotations, and the labels next to the pod label
    present: tuple[tuple[tuple[str, ...], str], ...]
    # values retire sets besides removing the label: the chart's own AzureIdentity and
    # binding turned off (("azureIdentity", "enabled"), "false")
    retire: tuple[tuple[tuple[str, ...], str], ...] = ()

    def value(self, *key: str) -> str | None:
        return next((v for k, v in self.present if k == key), None)


@dataclass(frozen=True)
class SelectorUse:
    """A selector used where the tool reports but cannot change it itself: a Terraform
    helm_release's values or set blocks, chart values delivered from outside, a custom
    resource whose operator builds the pods (Prometheus podMetadata, KEDA ScaledJob).

    While it stands the selector is in use: retire keeps its bindings and identities, and
    prepare still plans the federated credential and annotation for SERVICE_ACCOUNT (or a
    finding asks for its name when it is "")."""

    selector: str
    namespace: str  # where the pods run; "" when the source does not say
    service_account: str  # the account the pods run as; "" when not known
    what: str  # what carries it, as the finding names it: 'helm_release "web" set podLabels...'
    hint: str  # the exact change to make there (block and argument, value key, field)
    origins: tuple[Origin, ...]
    values: ValuesSite | None = None  # set when the tool can change the values itself
    identity: AzureIdentity | None = None  # the chart's own, when no binding in PATH serves


@dataclass(frozen=True)
class Substitute:
    """What a Flux Kustomization's spec.postBuild gives the ${VAR} placeholders of the
    files it builds (read/substitutions.py): shown, not planned with."""

    by: ObjectRef  # the Flux Kustomization
    values: Pairs  # VAR -> value, those the object's placeholders use
    others: tuple[str, ...]  # substituteFrom sources ("ConfigMap/vars"), their values not read
    origin: Origin


@dataclass(frozen=True)
class TemplatedObject:
    """An object whose name, namespace, selector or ServiceAccount is a template placeholder
    (${VAR}, {{ ... }}, %{ ... }, $(VAR); model/placeholders.py) that a later step fills in.

    Nothing is planned from it: no credential, ServiceAccount, patch or delete. The selector
    it may carry keeps the bindings it could name at retire, and a binding's identity the
    AzureIdentities it could name (planner/templated.py)."""

    ref: ObjectRef  # as written, placeholders included
    fields: tuple[tuple[str, str, int], ...]  # (field, value as written, line) templated
    selector: str  # a binding's selector or a pod's aadpodidbinding label, as written
    identity: str  # a binding's azureIdentity, as written
    origins: tuple[Origin, ...]
    substitutes: tuple[Substitute, ...] = ()  # Flux Kustomizations in PATH that fill it in
    service_account: str = ""  # a workload's serviceAccountName as written ("" for default)

    @property
    def variables(self) -> bool:
        """Whether a field holds a ${VAR} that a Flux Kustomization could fill in."""
        return any("${" in value for _, value, _ in self.fields)


@dataclass(frozen=True)
class ExistingCredential:
    """A federated identity credential that already exists in Azure."""

    identity_resource_id: str
    name: str
    issuer: str
    subject: str


@dataclass(frozen=True)
class Inventory:
    identities: tuple[AzureIdentity, ...] = ()
    bindings: tuple[AzureIdentityBinding, ...] = ()
    exceptions: tuple[AzurePodIdentityException, ...] = ()
    assigned: tuple[AzureAssignedIdentity, ...] = ()
    workloads: tuple[Workload, ...] = ()
    service_accounts: tuple[ServiceAccount, ...] = ()
    role_bindings: tuple[RoleBinding, ...] = ()
    secret_provider_classes: tuple[SecretProviderClass, ...] = ()
    components: tuple[PIComponent, ...] = ()
    credentials: tuple[ExistingCredential, ...] = ()
    selector_uses: tuple[SelectorUse, ...] = ()  # selectors used where the tool cannot edit
    templated: tuple[TemplatedObject, ...] = ()  # objects named by placeholders: not planned
    # problems the source met while reading (invalid YAML, Helm templates, ...)
    findings: tuple[Finding, ...] = field(default=())
    source: tuple[str, ...] = ()  # the roots read: paths, "-", or "cluster:<context>"
    # every file or object read: path or "Kind/namespace/name" -> sha256 prefix / resourceVersion
    fingerprints: Pairs = ()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error", "warning" or "info"
    origin: Origin
    message: str
    hint: str
    subject: str = ""  # the object it is about, e.g. "AzureIdentityBinding/ns/name"
