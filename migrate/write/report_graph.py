"""The plan as a drawn graph: identity → AzureIdentityBinding → workload → ServiceAccount.

One graph per namespace of the workloads, laid out in four columns. The order inside a column
follows the workloads (barycentres), so most edges run straight across; each node is placed at
the mean height of its neighbours and pushed down only as far as needed to not overlap.
The result is coordinates; the HTML template only draws them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from migrate.model.inventory import FIC_LIMIT
from migrate.model.plan import CreateFederatedCredential, ManagedIdentity, Plan, SwitchWorkload

LAYERS = ("Azure identity", "AzureIdentityBinding", "workload", "ServiceAccount")
ROW = 46  # px from one node to the next in a column
NODE_HEIGHT = 36
CHAR = 7.3  # px per character of the 12px monospace font
GAP = 96  # px between columns, where the edges run
TOP = 30  # px above the first node, for the column headings


@dataclass(frozen=True)
class Node:
    key: str
    layer: int
    title: str
    detail: str
    tooltip: str = ""  # the full reference, shown on hover
    x: float = 0
    y: float = 0
    width: float = 0
    warn: bool = False  # drawn in the warning colour (an identity over its credential budget)


@dataclass(frozen=True)
class Edge:
    path: str  # SVG path data


@dataclass(frozen=True)
class Graph:
    namespace: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    headings: tuple[tuple[float, str], ...]  # (x, text) per column


def credential_counts(plan: Plan) -> dict[str, int]:
    """Federated credentials the plan creates per identity (keyed like the graph's nodes)."""
    counts: dict[str, int] = defaultdict(int)
    for action in plan.actions:
        if isinstance(action, CreateFederatedCredential):
            counts[action.identity.key] += 1
    return dict(counts)


def graphs(plan: Plan) -> list[Graph]:
    """One laid-out graph per namespace that has workloads to switch."""
    by_namespace: dict[str, list[SwitchWorkload]] = defaultdict(list)
    for action in plan.actions:
        if isinstance(action, SwitchWorkload):
            by_namespace[action.target.namespace].append(action)
    counts = credential_counts(plan)
    fallback = _identities_by_account(plan)
    return [
        _layout(namespace, switches, counts, fallback)
        for namespace, switches in sorted(by_namespace.items())
    ]


def _identities_by_account(plan: Plan) -> dict[str, list[ManagedIdentity]]:
    """Identities per ServiceAccount from the credentials: for plans saved without servedBy."""
    out: dict[str, list[ManagedIdentity]] = defaultdict(list)
    for action in plan.actions:
        if isinstance(action, CreateFederatedCredential):
            out[str(action.service_account)].append(action.identity)
    return out


def _layout(
    namespace: str,
    switches: Sequence[SwitchWorkload],
    counts: dict[str, int],
    fallback: dict[str, list[ManagedIdentity]],
) -> Graph:
    nodes: dict[str, Node] = {}
    links: set[tuple[str, str]] = set()

    def node(
        key: str, layer: int, title: str, detail: str, tooltip: str, warn: bool = False
    ) -> str:
        nodes.setdefault(key, Node(key, layer, title, detail, tooltip, warn=warn))
        return key

    def identity(managed: ManagedIdentity) -> str:
        n = counts.get(managed.key, 0)
        detail, warn = f"{n}/{FIC_LIMIT} credentials", n > FIC_LIMIT
        return node(f"i:{managed.key}", 0, managed.name, detail, str(managed), warn)

    def order(s: SwitchWorkload) -> tuple[str, str, str]:  # workloads of a binding together
        first = str(s.served_by[0].binding) if s.served_by else ""
        return first, s.target.name, s.target.kind

    for switch in sorted(switches, key=order):
        target = switch.target
        workload = node(f"w:{target}", 2, target.name, target.kind, str(target))
        account_ref = f"ServiceAccount/{namespace}/{switch.service_account}"
        account = node(f"s:{account_ref}", 3, switch.service_account, "ServiceAccount", account_ref)
        links.add((workload, account))
        for served in switch.served_by:
            ref = served.binding
            binding = node(f"b:{ref}", 1, ref.name, f"in {ref.namespace}", str(ref))
            links.add((identity(served.identity), binding))
            links.add((binding, workload))
        if not switch.served_by:  # a plan saved before servedBy: identity straight to workload
            for managed in fallback.get(account_ref, ()):
                links.add((identity(managed), workload))
    return _place(namespace, nodes, links)


def _place(namespace: str, nodes: dict[str, Node], links: set[tuple[str, str]]) -> Graph:
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(links):
        neighbours[a].append(b)
        neighbours[b].append(a)
    columns = [[k for k, n in nodes.items() if n.layer == layer] for layer in range(4)]
    y: dict[str, float] = {k: TOP + i * ROW for i, k in enumerate(columns[2])}
    for layer in (3, 1, 0):  # from the workloads outwards
        order = sorted(columns[layer], key=lambda k: _mean(y[n] for n in neighbours[k] if n in y))
        y.update(_spread(order, {k: _mean(y[n] for n in neighbours[k] if n in y) for k in order}))
    widths = [
        max((max(len(nodes[k].title), len(nodes[k].detail)) * CHAR + 24 for k in col), default=0)
        for col in columns
    ]
    widths = [max(w, 150) for w in widths]
    xs = [sum(widths[:i]) + GAP * i + 8 for i in range(4)]
    placed = {
        k: dataclasses.replace(n, x=xs[n.layer], y=y[k], width=widths[n.layer])
        for k, n in nodes.items()
    }
    edges = tuple(Edge(_curve(placed[a], placed[b])) for a, b in sorted(links))
    height = max(y.values(), default=TOP) + NODE_HEIGHT + 12
    return Graph(
        namespace,
        tuple(sorted(placed.values(), key=lambda n: (n.layer, n.y))),
        edges,
        xs[3] + widths[3] + 8,
        height,
        tuple((xs[i], LAYERS[i]) for i in range(4)),
    )


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else TOP


def _spread(order: list[str], wanted: dict[str, float]) -> dict[str, float]:
    """Each node at its wanted height, pushed down so no two are closer than a row."""
    out: dict[str, float] = {}
    floor = float(TOP)
    for key in order:
        out[key] = max(wanted[key], floor)
        floor = out[key] + ROW
    return out


def _curve(a: Node, b: Node) -> str:
    x1, y1 = a.x + a.width, a.y + NODE_HEIGHT / 2
    x2, y2 = b.x, b.y + NODE_HEIGHT / 2
    mid = (x1 + x2) / 2
    return f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
