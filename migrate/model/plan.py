"""The MigrationPlan: ordered actions and findings, as data (docs/architecture.md).

A plan is what every writer executes. It serializes to JSON/YAML
(`apiVersion: wi-migrate/v1`, `kind: MigrationPlan`) and loads back to an equal
object, so `plan -o json > plan.json` and a later `apply plan.json` run the same plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from migrate.errors import UserError
from migrate.model import codec, schema
from migrate.model.inventory import (
    CLUSTER_SOURCE,
    FIC_AUDIENCE,
    Finding,
    ObjectRef,
    Origin,
    Pairs,
)
from migrate.model.stages import ALL

API_VERSION = "wi-migrate/v1"
KIND = "MigrationPlan"
PLACEHOLDER_MARK = "REPLACE-WITH-"  # a value the user fills in (render refuses to apply it)


@dataclass(frozen=True)
class Settings:
    """Everything plan() depends on besides the inventory; recorded in the plan."""

    issuer: str = ""
    cluster_name: str = ""  # "" means "cluster" in credential names (with an info finding)
    sa_name: str = "{selector}"
    fic_name: str = "{cluster}-{namespace}-{service_account}"
    force_namespaced: bool = False
    proxy_sidecar: bool = False
    proxy_sidecar_port: int = 8000
    identity_resource_group: str = ""
    default_namespace: str = ""  # -n: for objects that name none (after kustomization.yaml)


@dataclass(frozen=True)
class ManagedIdentity:
    """A user-assigned managed identity in Azure, existing or to be created."""

    name: str
    resource_group: str
    subscription: str
    resource_id: str  # "" for an identity still to be created
    client_id: str  # "" until a new identity exists
    tenant_id: str = ""

    @property
    def new(self) -> bool:
        return not self.resource_id

    @property
    def key(self) -> str:
        """The identity's one key: its resource id (case-insensitive in ARM), or the name a new
        one will have."""
        return (self.resource_id or f"new:{self.resource_group}/{self.name}").lower()

    @property
    def client_id_or_placeholder(self) -> str:
        """The client id, or the placeholder written where it goes until the identity exists."""
        return self.client_id or f"{PLACEHOLDER_MARK}CLIENT-ID-OF-{self.name}"

    def __str__(self) -> str:
        return self.resource_id or f"(new) {self.resource_group or '<resource-group>'}/{self.name}"


@dataclass(frozen=True)
class FederatedCredential:
    name: str
    issuer: str  # "" while unknown (plan without --issuer)
    subject: str
    audiences: tuple[str, ...] = (FIC_AUDIENCE,)


@dataclass(frozen=True)
class CreateManagedIdentity:
    """A new UAMI replacing a service-principal AzureIdentity (types 1 and 2)."""

    stage: str
    identity: ManagedIdentity
    replaces: ObjectRef  # the AzureIdentity
    service_principal_client_id: str  # whose role assignments are copied
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class CreateFederatedCredential:
    stage: str
    identity: ManagedIdentity
    credential: FederatedCredential
    service_account: ObjectRef
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class CreateServiceAccount:
    stage: str
    target: ObjectRef
    identity: ManagedIdentity
    annotations: Pairs  # client-id is "" for an identity still to be created
    image_pull_secrets: tuple[str, ...]
    automount: bool | None
    next_to: str  # file of the first workload using it (where a rewrite puts it)
    caused_by: tuple[Origin, ...]
    # (namePrefix, nameSuffix) the kustomize build of next_to adds: the file writes the
    # name without them (names.written); () outside such a build
    name_affixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnnotateServiceAccount:
    stage: str
    target: ObjectRef
    identity: ManagedIdentity
    annotations: Pairs
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class AddBindingSubject:
    """Give a new ServiceAccount the roles the workloads' old account had."""

    stage: str
    target: ObjectRef  # RoleBinding or ClusterRoleBinding
    service_account: ObjectRef
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class ServedBy:
    """An AzureIdentityBinding that serves a workload's pods, and the identity it binds."""

    binding: ObjectRef
    identity: ManagedIdentity


@dataclass(frozen=True)
class SwitchWorkload:
    stage: str
    target: ObjectRef
    template_path: tuple[str, ...]
    service_account: str
    labels: Pairs
    annotations: Pairs
    caused_by: tuple[Origin, ...]
    served_by: tuple[ServedBy, ...] = ()  # what reviewers see; writers do not need it
    name_affixes: tuple[str, ...] = ()  # the workload's kustomize build's, as on a new account


@dataclass(frozen=True)
class SetSecretProviderClientID:
    stage: str
    target: ObjectRef
    client_id: str
    identity: ManagedIdentity
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class RemovePodLabel:
    stage: str
    target: ObjectRef
    template_path: tuple[str, ...]
    label: str
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class ValueChange:
    """One key of a chart's values: set to VALUE, or removed (REMOVE)."""

    key: tuple[str, ...]
    value: str = ""  # "" for the client id of an identity still to be created
    remove: bool = False
    # how it is written: "string" always quoted (a label or annotation: `true` unquoted is
    # a bool to Helm), "name" quoted when YAML needs it, "flag" a bool (`enabled: false`)
    style: str = "string"


@dataclass(frozen=True)
class SetChartValues:
    """Chart values changed where they are written (inventory ValuesSite): the
    ServiceAccount's name and client-id annotation at prepare, the use label at switch,
    the removal of aadpodidbinding at retire."""

    stage: str
    target: ObjectRef  # the HelmRelease or Application that holds the values
    values_at: tuple[str, ...]
    changes: tuple[ValueChange, ...]
    identity: ManagedIdentity
    caused_by: tuple[Origin, ...]


@dataclass(frozen=True)
class DeleteObject:
    stage: str
    target: ObjectRef
    reason: str
    caused_by: tuple[Origin, ...]


Action = Union[  # noqa: UP007 - a runtime alias, also used by the codec
    CreateManagedIdentity,
    CreateFederatedCredential,
    CreateServiceAccount,
    AnnotateServiceAccount,
    AddBindingSubject,
    SwitchWorkload,
    SetSecretProviderClientID,
    RemovePodLabel,
    SetChartValues,
    DeleteObject,
]
ACTION_TYPES: dict[str, type[Any]] = {
    "create-managed-identity": CreateManagedIdentity,
    "create-federated-credential": CreateFederatedCredential,
    "create-service-account": CreateServiceAccount,
    "annotate-service-account": AnnotateServiceAccount,
    "add-binding-subject": AddBindingSubject,
    "switch-workload": SwitchWorkload,
    "set-secret-provider-client-id": SetSecretProviderClientID,
    "remove-pod-label": RemovePodLabel,
    "set-chart-values": SetChartValues,
    "delete-object": DeleteObject,
}
ACTION_NAMES = {cls: name for name, cls in ACTION_TYPES.items()}


def action_name(action: Action) -> str:
    return ACTION_NAMES[type(action)]


def target_of(action: Action) -> str:
    """What an action changes, in a few words."""
    if isinstance(action, CreateManagedIdentity):
        return f"identity {action.identity}"
    if isinstance(action, CreateFederatedCredential):
        return f"credential {action.credential.name} on {action.identity.name}"
    return str(action.target)


@dataclass(frozen=True)
class Plan:
    settings: Settings
    source: tuple[str, ...]  # the roots planned: paths, "-" (stdin), or "cluster:<context>"
    actions: tuple[Action, ...] = ()
    findings: tuple[Finding, ...] = ()
    # what the plan was computed from: file path or object ref -> sha256 / resourceVersion
    fingerprints: Pairs = field(default=())
    cluster_id: str = ""  # the planned cluster's kube-system Namespace uid; "" for manifests

    def stage(self, stage: str) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if stage in (ALL, a.stage))

    @property
    def cluster_context(self) -> str | None:
        """The kube context of a cluster's plan (its one source is cluster:<context>); None for
        a plan of manifests."""
        if len(self.source) == 1 and self.source[0].startswith(CLUSTER_SOURCE):
            return self.source[0].removeprefix(CLUSTER_SOURCE)
        return None

    @property
    def shown_source(self) -> str:
        return ", ".join(self.source) or "-"

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def to_document(plan: Plan) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "source": list(plan.source),
        "settings": codec.dump(plan.settings),
        "actions": [{"type": action_name(a), **codec.dump(a)} for a in plan.actions],
        "findings": [codec.dump(f) for f in plan.findings],
        "fingerprints": codec.dump_pairs(plan.fingerprints),
        **({"clusterId": plan.cluster_id} if plan.cluster_id else {}),
    }


def from_document(doc: Any, where: str = "plan") -> Plan:
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise UserError(f"{where}: not a {KIND} document", "pass a file written by 'plan -o json'")
    if doc.get("apiVersion") != API_VERSION:
        raise UserError(
            f"{where}: apiVersion {doc.get('apiVersion')!r} is not {API_VERSION!r}",
            "re-create the plan with this version of wi-migrate",
        )
    schema.check(doc, where)
    try:
        actions = []
        for i, raw in enumerate(doc.get("actions") or []):
            name = raw.get("type")
            if name not in ACTION_TYPES:
                raise codec.DecodeError(f"actions[{i}].type: unknown action {name!r}")
            body = {k: v for k, v in raw.items() if k != "type"}
            actions.append(codec.load(ACTION_TYPES[name], body, f"actions[{i}]"))
        return Plan(
            settings=codec.load(Settings, doc.get("settings") or {}, "settings"),
            source=_roots(doc.get("source")),
            actions=tuple(actions),
            findings=tuple(
                codec.load(Finding, f, f"findings[{i}]")
                for i, f in enumerate(doc.get("findings") or [])
            ),
            fingerprints=codec.load_pairs(doc.get("fingerprints") or {}, "fingerprints"),
            cluster_id=str(doc.get("clusterId", "")),
        )
    except codec.DecodeError as e:
        raise UserError(f"{where}: {e}", "the plan file was edited or is damaged") from None


def _roots(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str):  # plans written before source was a list: "a, b"
        return tuple(value.split(", ")) if value else ()
    if value is None:
        return ()
    raise codec.DecodeError(f"source: {value!r} is not a list of paths")


def dumps_json(plan: Plan) -> str:
    return codec.json_text(to_document(plan)) + "\n"


def dumps_yaml(plan: Plan) -> str:
    from migrate.model import yamltags

    return yamltags.dump(to_document(plan))


def load_file(path: str) -> Plan:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise UserError(
            f"{path}: cannot read the plan: {e}", "pass a plan.json or plan.yaml"
        ) from None
    return from_document(doc, path)


def is_plan_file(path: str) -> bool:
    """True when PATH looks like a saved plan rather than manifests."""
    if not path.endswith((".json", ".yaml", ".yml")):
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return False
    return KIND in head and API_VERSION in head
