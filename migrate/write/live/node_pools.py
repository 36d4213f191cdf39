"""Pod Identity's identities still attached to the nodes (docs/domain.md §1), a security check.

MIC (standard mode) attached every identity in use to the node pools' VM scale sets; in managed
mode and with the AKS add-on they were attached by hand. With NMI gone, any pod on those nodes
can ask IMDS for a token of every identity still attached. The nodes' providerIDs name their
scale set (or VM); Compute says what is attached. Read-only: detaching is left to the user,
because the kubelet identity sits on the same scale sets and must stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.azure.compute import attached_identities
from migrate.azure.context import AzureContext
from migrate.kubeapi.client import ApiFailure, Connection
from migrate.kubeapi.kinds import kind
from migrate.model import findings
from migrate.model.inventory import Finding, Inventory, Origin
from migrate.model.stages import RETIRE
from migrate.write.live.journal import Journal, StageLog

_PROVIDER_ID = re.compile(
    r"^azure://+subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Compute/"
    r"(virtualMachineScaleSets|virtualMachines)/([^/]+)",
    re.IGNORECASE,
)
_CLI_GROUP = {"virtualmachinescalesets": "vmss", "virtualmachines": "vm"}


@dataclass(frozen=True)
class NodeHost:
    """A node pool's VM scale set, or the VM of a node outside any scale set."""

    subscription: str
    resource_group: str
    collection: str  # virtualMachineScaleSets | virtualMachines, as the providerID spells it
    name: str

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Compute/{self.collection}/{self.name}"
        )

    @property
    def scale_set(self) -> bool:
        return self.collection.lower() == "virtualmachinescalesets"

    def az(self, verb: str) -> str:
        group = _CLI_GROUP[self.collection.lower()]
        return f"az {group} identity {verb} --subscription {self.subscription} " + (
            f"-g {self.resource_group} -n {self.name}"
        )


def used_identities(inventory: Inventory, journal: Journal) -> dict[str, str]:
    """Resource ids of the identities Pod Identity used (lower-cased id -> id): the live
    AzureIdentities and those the retire stage deleted (from its journal's before-images)."""
    used = {i.resource_id.lower(): i.resource_id for i in inventory.identities if i.resource_id}
    for entry in journal.stages.get(RETIRE, StageLog(RETIRE)).entries.values():
        if entry.ref.startswith("AzureIdentity/") and entry.before:
            spec = {k.lower(): v for k, v in (entry.before.get("spec") or {}).items()}
            rid = str(spec.get("resourceid") or "")
            if rid:
                used.setdefault(rid.lower(), rid)
    return used


def node_hosts(connection: Connection) -> tuple[list[NodeHost], list[str]]:
    """The scale sets / VMs behind the cluster's nodes, and the nodes that are not Azure VMs."""
    hosts: dict[str, NodeHost] = {}
    other = []
    for page in connection.pages(kind("Node").path()):
        for node in page:
            name = (node.get("metadata") or {}).get("name", "")
            match = _PROVIDER_ID.match(str((node.get("spec") or {}).get("providerID") or ""))
            if match is None:
                other.append(name)
                continue
            host = NodeHost(*match.groups())
            hosts.setdefault(host.id.lower(), host)
    return sorted(hosts.values(), key=lambda h: h.id.lower()), sorted(other)


def attached(context: AzureContext, host: NodeHost) -> tuple[set[str], str]:
    """Lower-cased resource ids of the identities attached to `host`, or why Azure won't say."""
    return attached_identities(
        context, host.subscription, host.resource_group, host.name, host.scale_set
    )


def check(
    connection: Connection, context: AzureContext, used: dict[str, str]
) -> tuple[list[Finding], list[str]]:
    """A security finding per used identity still attached to a node host; notes for what
    could not be checked (a host Azure would not show, nodes that are not Azure VMs)."""
    try:
        hosts, other = node_hosts(connection)
    except ApiFailure as e:
        if e.status != 403:
            raise
        return [], [
            "not checked: the node pools are found from the Nodes, which wi-migrate may not list "
            "(grant 'list nodes', see docs/clusterrole.yaml)\n" + unchecked(used)[0]
        ]
    found: list[Finding] = []
    notes = []
    if other:
        notes.append(
            f"not checked: {len(other)} node(s) without an Azure VM providerID "
            f"({', '.join(other[:5])}{', ...' if len(other) > 5 else ''})"
        )
    for host in hosts:
        on_host, problem = attached(context, host)
        if problem:
            notes.append(
                f"could not read the identities of {host.id}: {problem}; check by "
                f"hand: {host.az('show')} (reading needs Microsoft.Compute/"
                f"{host.collection}/read)"
            )
            continue
        for key in sorted(on_host & used.keys()):
            found.append(_finding(host, used[key]))
    return found, notes


def unchecked(used: dict[str, str]) -> list[str]:
    """Without Azure access: the identities to look for on the node pools, and how."""
    if not used:
        return []
    listed = "\n".join(f"  - {rid}" for _, rid in sorted(used.items()))
    return [
        "security: Pod Identity used these identities; if one is still attached to a node "
        "pool's VMSS, any pod can get its tokens from IMDS once NMI is gone. Run again with "
        "--check-node-pools to check every node pool through Azure, or check by hand "
        "(az vmss identity show -g <node-resource-group> -n <vmss>) and detach them "
        "(az vmss identity remove ... --identities <id>), never the kubelet identity:\n" + listed
    ]


def _finding(host: NodeHost, identity_id: str) -> Finding:
    kind_name = "VM scale set" if host.scale_set else "VM"
    return findings.make(
        "pi-identity-on-node",
        Origin(ref=host.id),
        f"security: Pod Identity's identity {identity_id.rsplit('/', 1)[-1]} is still attached "
        f"to the {kind_name} {host.name}: any pod on its nodes can get its tokens from IMDS",
        f"detach it once no pod needs it through IMDS (never the kubelet identity): "
        f"{host.az('remove')} --identities {identity_id}",
        subject=identity_id,
    )
