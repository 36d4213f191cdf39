"""What switch and retire do to each workload (mapping rules 7 and 8, docs/mapping-rules.md)."""

from __future__ import annotations

from migrate.model import findings
from migrate.model.inventory import (
    PI_LABEL,
    WI_PROXY_PORT,
    WI_PROXY_SIDECAR,
    WI_USE_LABEL,
    Finding,
    Inventory,
    Workload,
)
from migrate.model.plan import (
    ManagedIdentity,
    RemovePodLabel,
    ServedBy,
    SetSecretProviderClientID,
    Settings,
    SwitchWorkload,
)
from migrate.model.stages import IMMUTABLE_TEMPLATES, RETIRE, SWITCH
from migrate.planner.planned import NOTHING, Planned, acts, found


class WorkloadChanges:
    """Plans each workload's switch and retire actions; each SecretProviderClass once."""

    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self._inventory = inventory
        self._settings = settings
        self._spc_done: set[tuple[str, str]] = set()

    def switch(
        self,
        workload: Workload,
        account: str,
        managed: ManagedIdentity,
        served_by: tuple[ServedBy, ...] = (),
    ) -> Planned:
        labels = dict(workload.labels)
        wanted_labels = () if labels.get(WI_USE_LABEL) == "true" else ((WI_USE_LABEL, "true"),)
        annotations: tuple[tuple[str, str], ...] = ()
        planned = NOTHING
        if self._settings.proxy_sidecar:
            present = set(workload.annotations)
            sidecar, notes = self._proxy_sidecar(workload)
            annotations = tuple(a for a in sidecar if a not in present)
            planned += found(notes)
        if workload.kind in IMMUTABLE_TEMPLATES and (
            wanted_labels or workload.service_account != account
        ):
            planned += found(_immutable(workload))
        if wanted_labels or annotations or workload.service_account != account:
            planned += acts(
                SwitchWorkload(
                    SWITCH,
                    workload.ref,
                    workload.template_path,
                    account,
                    wanted_labels,
                    annotations,
                    workload.origins,
                    served_by,
                    workload.name_affixes,
                )
            )
        for name in workload.secret_provider_classes:
            planned += self._secret_provider(workload, name, managed)
        return planned

    def _proxy_sidecar(self, workload: Workload) -> tuple[tuple[tuple[str, str], ...], Finding]:
        if workload.host_network:
            return (), (
                findings.make(
                    "proxy-sidecar-host-network",
                    workload.origins[0],
                    f"{workload.ref} runs with hostNetwork: the webhook rejects the proxy "
                    "sidecar for it, so it is not added",
                    "move the application to an SDK that supports workload identity before "
                    "switching this workload, or drop hostNetwork",
                    str(workload.ref),
                )
            )
        sidecar = (
            (WI_PROXY_SIDECAR, "true"),
            (WI_PROXY_PORT, str(self._settings.proxy_sidecar_port)),
        )
        return sidecar, (
            findings.make(
                "proxy-sidecar",
                workload.origins[0],
                f"{workload.ref} gets the migration proxy sidecar: upstream says it is not for "
                "production; it needs a privileged init container and ignores requests that "
                "pick an identity by resource id",
                "check that Pod Security / Gatekeeper admit the init container; plan the SDK "
                "upgrade that lets you remove the sidecar",
                str(workload.ref),
            )
        )

    def _secret_provider(self, workload: Workload, name: str, managed: ManagedIdentity) -> Planned:
        key = (workload.namespace, name)
        spc = next(
            (s for s in self._inventory.secret_provider_classes if (s.namespace, s.name) == key),
            None,
        )
        if spc is None or not spc.use_pod_identity or key in self._spc_done:
            return NOTHING
        self._spc_done.add(key)
        return acts(
            SetSecretProviderClientID(
                SWITCH, spc.ref, managed.client_id, managed, spc.origins + workload.origins
            )
        )

    def unused_secret_provider_findings(self) -> list[Finding]:
        return [
            findings.make(
                "unused-secret-provider-class",
                spc.origins[0],
                f'SecretProviderClass {spc.namespace}/{spc.name} has usePodIdentity: "true" but '
                "no migrated workload mounts it",
                "set parameters.clientID to the identity's client id and usePodIdentity: "
                '"false" when the pods that mount it move to workload identity',
                str(spc.ref),
            )
            for spc in self._inventory.secret_provider_classes
            if spc.use_pod_identity and (spc.namespace, spc.name) not in self._spc_done
        ]

    def own_labels(self) -> Planned:
        """aadpodidbinding on a workload's own metadata: no effect, removed at retire."""
        planned = NOTHING
        for w in self._inventory.workloads:
            if not w.own_label:
                continue
            pods = (
                f"its pods' label {PI_LABEL}: {w.selector} is what Pod Identity reads"
                if w.selector
                else f"its pods carry no {PI_LABEL} label, so nothing of it is migrated"
            )
            planned += found(
                findings.make(
                    "label-on-workload-metadata",
                    w.origins[0],
                    f"{w.ref} has {PI_LABEL}: {w.own_label} on its own metadata.labels, not its "
                    f"pod template: the label has no effect ({pods}); retire removes it",
                    "nothing to do; the label on the object itself never selected an identity",
                    str(w.ref),
                )
            ) + acts(RemovePodLabel(RETIRE, w.ref, (), PI_LABEL, w.origins))
        return planned

    def retire_label(self, workload: Workload) -> Planned:
        selected = dict(workload.selector_labels)
        if PI_LABEL in selected:
            where = "matchLabels" if selected[PI_LABEL] else "matchExpressions"
            return found(
                findings.make(
                    "label-in-selector",
                    workload.origins[0],
                    f"{workload.ref}: {PI_LABEL} is also in spec.selector.{where}, which is "
                    "immutable; the label stays on the pod template (it does nothing once the "
                    "bindings are gone)",
                    "to drop it, re-create the workload with a selector without the label "
                    "(delete with --cascade=orphan, then apply the new selector)",
                    str(workload.ref),
                )
            )
        return acts(
            RemovePodLabel(RETIRE, workload.ref, workload.template_path, PI_LABEL, workload.origins)
        )


def _immutable(workload: Workload) -> Finding:
    return findings.make(
        "immutable-pod-template",
        workload.origins[0],
        f"{workload.ref}: a {workload.kind}'s pod template cannot be changed in place",
        f"delete and re-create the {workload.kind} with the new template "
        "(kubectl replace --force, or let the next run pick it up)",
        str(workload.ref),
    )
