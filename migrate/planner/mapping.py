"""plan(): the mapping rules of docs/mapping-rules.md, a pure function of (Inventory, Settings)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from migrate.model import findings, names, stages
from migrate.model.inventory import (
    PI_LABEL,
    WI_CLIENT_ID,
    WI_TENANT_ID,
    AzureIdentity,
    AzureIdentityBinding,
    Finding,
    Inventory,
    ObjectRef,
    Origin,
    SelectorUse,
    Workload,
)
from migrate.model.plan import (
    ACTION_TYPES,
    AddBindingSubject,
    AnnotateServiceAccount,
    CreateServiceAccount,
    ManagedIdentity,
    Plan,
    ServedBy,
    Settings,
)
from migrate.model.stages import PREPARE
from migrate.planner import credentials, outside, retirement, templated, values
from migrate.planner.identities import Identities
from migrate.planner.planned import NOTHING, Planned, acts, found
from migrate.planner.service_accounts import Choice, ServiceAccounts, not_found
from migrate.planner.workloads import WorkloadChanges

ACTION_ORDER = tuple(ACTION_TYPES.values())  # within a stage, actions run in this order


@dataclass(frozen=True)
class Group:
    """The pod templates of one namespace that carry one aadpodidbinding selector."""

    namespace: str
    selector: str
    workloads: tuple[Workload, ...]

    @property
    def origins(self) -> tuple[Origin, ...]:
        return tuple(w.origins[0] for w in self.workloads)


def plan(inventory: Inventory, settings: Settings) -> Plan:
    planned = _Planner(inventory, settings).run()
    actions = sorted(
        planned.actions,
        key=lambda a: (stages.index(a.stage), ACTION_ORDER.index(type(a))),
    )
    return Plan(
        settings=settings,
        source=inventory.source,
        actions=tuple(actions),
        findings=tuple(inventory.findings) + planned.findings,
        fingerprints=inventory.fingerprints,
    )


class _Planner:
    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self.inventory = inventory
        self.settings = settings
        self.identities = Identities(inventory, settings)
        self.accounts = ServiceAccounts(inventory, settings)
        self.credentials = credentials.Credentials(inventory, settings)
        self.workloads = WorkloadChanges(inventory, settings)
        self._cross: dict[AzureIdentityBinding, list[str]] = {}
        self._by_selector: dict[str, list[AzureIdentityBinding]] = defaultdict(list)
        for binding in inventory.bindings:
            self._by_selector[binding.selector].append(binding)

    def run(self) -> Planned:
        groups, planned = self._groups()
        planned = Planned.join([planned, *(self._migrate(group) for group in groups)])
        planned = Planned.join([planned, *map(self._outside, self.inventory.selector_uses)])
        planned += found(*(_cross_namespace(b, spaces) for b, spaces in self._cross.items()))
        credential_actions, credential_findings = self.credentials.finish()
        planned += Planned(tuple(credential_actions), tuple(credential_findings))
        return (
            planned
            + found(*templated.all_findings(self.inventory))
            + found(*retirement.unused_bindings(self.inventory))
            + found(*outside.kept_findings(self.inventory))
            + self.identities.unused_service_principals()
            + acts(*retirement.pod_identity_objects(self.inventory, self.identities.replacements()))
            + acts(*retirement.uninstall(self.inventory))
            + found(*retirement.installation_findings(self.inventory))
            + found(*self.workloads.unused_secret_provider_findings())
            + self.workloads.own_labels()
        )

    def _groups(self) -> tuple[list[Group], Planned]:
        grouped: dict[tuple[str, str], list[Workload]] = defaultdict(list)
        exceptions = []
        for workload in self.inventory.workloads:
            if not workload.selector:
                continue
            exception = self._exception_for(workload)
            if exception:
                exceptions.append(exception)
                continue
            grouped[(workload.namespace, workload.selector)].append(workload)
        groups = [Group(ns, sel, tuple(ws)) for (ns, sel), ws in sorted(grouped.items())]
        return groups, found(*exceptions)

    def _exception_for(self, workload: Workload) -> Finding | None:
        labels = set(workload.labels)
        for exception in self.inventory.exceptions:
            if exception.namespace == workload.namespace and labels & set(exception.pod_labels):
                return findings.make(
                    "exception-matched",
                    workload.origins[0],
                    f"{workload.ref} matches AzurePodIdentityException "
                    f"{exception.namespace}/{exception.name}: its pods bypass NMI and are not "
                    "migrated",
                    "if the pods need an Azure identity, remove them from the exception and plan "
                    "again; otherwise drop their aadpodidbinding label by hand",
                    str(workload.ref),
                )
        return None

    def _migrate(self, group: Group) -> Planned:
        pairs, planned = self._bindings(group)
        if not pairs:
            return planned
        resolved = []
        for binding, identity in pairs:
            managed, resolving = self.identities.resolve(identity)
            resolved.append((binding, identity, managed))
            planned += resolving
        usable = [(b, m) for b, _, m in resolved if m is not None]
        if not usable:
            return planned
        choice = self.accounts.choose(group.namespace, group.selector, group.workloads)
        planned += found(*choice.findings)
        invalid = names.namespace_problem(group.namespace) or names.service_account_problem(
            choice.name
        )
        if invalid:  # the credential's subject would not name exactly one ServiceAccount
            return planned + found(_invalid_subject(group, invalid))
        primary = usable[0][1]
        identity = next(i for _, i, m in resolved if m is primary)
        planned += self._service_account(group, choice, primary, identity)
        for _, managed in usable:
            self.credentials.want(
                managed, group.namespace, choice.name, group.origins, group.selector
            )
        if len(usable) > 1:
            planned += found(self._several(group, usable))
        served_by = tuple(ServedBy(b.ref, m) for b, m in usable)
        for workload in group.workloads:
            planned += self.workloads.switch(workload, choice.name, primary, served_by)
            planned += self.workloads.retire_label(workload)
        return planned

    def _outside(self, use: SelectorUse) -> Planned:
        """A selector used where the tool cannot edit: the credential and annotation for
        the account its pods run as; retire keeps its bindings (planner/outside.py). A
        placeholder among its names plans nothing (planner/templated.py)."""
        if templated.templated_use(use):
            return NOTHING  # its templated-value finding says why
        serving = [
            b
            for b in self._by_selector.get(use.selector, ())
            if not use.namespace or b.namespace == use.namespace or not self._namespaced(b)
        ]
        planned = found(outside.in_use(use, serving))
        site = values.editable(use)
        account = values.account(use, site, self.settings) if site else use.service_account
        ref = ObjectRef("ServiceAccount", account, use.namespace, "v1")
        invalid = (
            use.namespace
            and account
            and (names.namespace_problem(use.namespace) or names.service_account_problem(account))
        )
        looked_up = [self.identities.lookup(b.namespace, b.identity) for b in serving]
        # a chart's own AzureIdentity (a template, resolved from the values) serves its pods
        served = [i for i in looked_up if i is not None] + ([use.identity] if use.identity else [])
        for identity in served:
            managed, resolving = self.identities.resolve(identity)
            planned += resolving
            if managed is None:
                continue
            if not use.namespace or not account:
                planned += found(outside.account_unknown(use, identity))
                continue
            if invalid:
                planned += found(
                    findings.make(
                        "invalid-subject",
                        use.origins[0],
                        f"{invalid}: no federated credential is planned for {use.what}",
                        "fix the name where it is written; a credential subject must name "
                        "exactly one ServiceAccount",
                    )
                )
                continue
            self.credentials.want(managed, use.namespace, account, use.origins, use.selector)
            if identity is served[0]:
                annotations = [(WI_CLIENT_ID, managed.client_id)]
                if identity.tenant_id:
                    annotations.append((WI_TENANT_ID, identity.tenant_id))
                if site is not None:
                    planned += acts(
                        *values.changes(use, site, account, managed, tuple(annotations))
                    )
                if site is None or not values.chart_creates(site):
                    planned += acts(
                        AnnotateServiceAccount(
                            PREPARE, ref, managed, tuple(annotations), use.origins
                        )
                    )
                    if not self.accounts.declared(use.namespace, account):
                        user, origin = use.what, use.origins[0]
                        planned += found(not_found(use.namespace, account, user, origin))
        return planned

    def _namespaced(self, binding: AzureIdentityBinding) -> bool:
        identity = self.identities.lookup(binding.namespace, binding.identity)
        return self.settings.force_namespaced or bool(identity and identity.namespaced)

    def _bindings(
        self, group: Group
    ) -> tuple[list[tuple[AzureIdentityBinding, AzureIdentity]], Planned]:
        """Bindings that serve the group, each with its AzureIdentity (mapping rule 1)."""
        pairs, planned, missing = [], NOTHING, False
        for binding in self._by_selector.get(group.selector, ()):
            identity = self.identities.lookup(binding.namespace, binding.identity)
            if identity is None:
                planned += self.identities.report_missing(binding, group.workloads[0])
                missing = True
                continue
            namespaced = identity.namespaced or self.settings.force_namespaced
            if binding.namespace != group.namespace:
                if namespaced:
                    continue
                self._cross.setdefault(binding, []).append(group.namespace)
            pairs.append((binding, identity))
        if not pairs and not missing:
            planned += found(self._without_binding(group))
        return sorted(pairs, key=lambda pair: (pair[0].namespace, pair[0].name)), planned

    def _without_binding(self, group: Group) -> Finding:
        return findings.make(
            "label-without-binding",
            group.origins[0],
            f"{len(group.workloads)} workload(s) in {group.namespace} carry "
            f"{PI_LABEL}: {group.selector} but no AzureIdentityBinding with that selector "
            f"serves namespace {group.namespace}; nothing is planned for them"
            + templated.could_serve(self.inventory, group.selector),
            "add the binding's manifest to the paths you plan (it may live in another repo), "
            "or plan against the cluster with --cluster",
            f"selector {group.selector}",
        )

    def _service_account(
        self, group: Group, choice: Choice, managed: ManagedIdentity, identity: AzureIdentity
    ) -> Planned:
        annotations = [(WI_CLIENT_ID, managed.client_id)]
        if identity.tenant_id:
            annotations.append((WI_TENANT_ID, identity.tenant_id))
        ref = ObjectRef("ServiceAccount", choice.name, group.namespace, "v1")
        planned = NOTHING
        if choice.create:
            planned += acts(
                CreateServiceAccount(
                    PREPARE,
                    ref,
                    managed,
                    tuple(annotations),
                    choice.image_pull_secrets,
                    choice.automount,
                    group.workloads[0].origins[0].file,
                    group.origins,
                    group.workloads[0].name_affixes,
                )
            )
        else:
            current = dict(choice.existing.annotations) if choice.existing else {}
            missing = tuple((k, v) for k, v in annotations if current.get(k) != v or not v)
            if missing:
                caused = group.origins + (choice.existing.origins if choice.existing else ())
                planned += acts(AnnotateServiceAccount(PREPARE, ref, managed, missing, caused))
        return planned + acts(
            *(
                AddBindingSubject(PREPARE, role_binding.ref, ref, role_binding.origins)
                for role_binding in choice.role_bindings
            )
        )

    def _several(
        self, group: Group, usable: list[tuple[AzureIdentityBinding, ManagedIdentity]]
    ) -> Finding:
        names = ", ".join(f"{b.namespace}/{b.identity}" for b, _ in usable)
        return findings.make(
            "multiple-identities",
            group.origins[0],
            f"pods with {PI_LABEL}: {group.selector} in {group.namespace} use {len(usable)} "
            f"identities ({names}); each gets a federated credential, and the ServiceAccount's "
            f"client-id is the first ({usable[0][1].name})",
            "the application must pass the client id of the identity it wants for the others "
            "(e.g. ManagedIdentityCredential(client_id=...) or AZURE_CLIENT_ID per call)",
            f"selector {group.selector}",
        )


def _cross_namespace(binding: AzureIdentityBinding, namespaces: list[str]) -> Finding:
    where = ", ".join(namespaces)
    return findings.make(
        "cross-namespace-binding",
        binding.origins[0],
        f"AzureIdentityBinding {binding.namespace}/{binding.name} serves pods in other "
        f"namespaces ({where}); each namespace gets its own federated credential",
        "nothing to do; to forbid such use in Pod Identity, annotate the AzureIdentity "
        "aadpodidentity.k8s.io/Behavior: namespaced",
        str(binding.ref),
    )


def _invalid_subject(group: Group, problem: str) -> Finding:
    return findings.make(
        "invalid-subject",
        group.origins[0],
        f"{problem}: no federated credential, ServiceAccount or workload change is planned for "
        f"the pods of selector {group.selector!r} in namespace {group.namespace!r}",
        "fix the name in the manifests (Kubernetes names are lower-case ASCII); a credential "
        "subject must name exactly one ServiceAccount",
    )
