"""The graph of the reviewer's page, laid out: columns in order, no overlapping boxes, an edge
per link, the same layout every time."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict

from migrate.model.inventory import FIC_LIMIT
from migrate.model.plan import CreateFederatedCredential, SwitchWorkload
from migrate.write import report_graph
from tests.render import sample


def test_every_switched_workload_is_drawn_once_with_its_edges() -> None:
    plan = sample.plan()
    graphs = report_graph.graphs(plan)
    switches = [a for a in plan.actions if isinstance(a, SwitchWorkload)]
    drawn = [n for g in graphs for n in g.nodes if n.layer == 2]
    assert sorted(n.tooltip for n in drawn) == sorted(str(s.target) for s in switches)
    for g in graphs:
        assert {n.layer for n in g.nodes} == {0, 1, 2, 3}, g.namespace
        # a workload has one ServiceAccount and at least one binding: two edges or more each
        assert len(g.edges) >= 2 * sum(n.layer == 2 for n in g.nodes)


def test_boxes_do_not_overlap_and_columns_run_left_to_right() -> None:
    for g in report_graph.graphs(sample.plan()):
        columns = defaultdict(list)
        for n in g.nodes:
            columns[n.layer].append(n)
        for layer, nodes in columns.items():
            ys = sorted(n.y for n in nodes)
            assert all(b - a >= report_graph.NODE_HEIGHT for a, b in itertools.pairwise(ys)), layer
            assert len({n.x for n in nodes}) == 1
        xs = [columns[i][0].x + columns[i][0].width for i in range(3)]
        assert all(xs[i] < columns[i + 1][0].x for i in range(3))
        assert all(n.x + n.width <= g.width and n.y + 36 <= g.height for n in g.nodes)


def test_the_layout_is_the_same_every_time() -> None:
    assert report_graph.graphs(sample.plan()) == report_graph.graphs(sample.plan())


def test_an_identity_over_the_credential_limit_is_marked() -> None:
    plan = sample.plan()
    assert not any(n.warn for g in report_graph.graphs(plan) for n in g.nodes)
    fic = next(a for a in plan.actions if isinstance(a, CreateFederatedCredential))
    more = tuple(
        dataclasses.replace(fic, credential=dataclasses.replace(fic.credential, name=f"c{i}"))
        for i in range(FIC_LIMIT)
    )
    crowded = dataclasses.replace(plan, actions=plan.actions + more)
    marked = {n.title for g in report_graph.graphs(crowded) for n in g.nodes if n.warn}
    assert marked == {fic.identity.name}
    assert report_graph.credential_counts(crowded)[fic.identity.key] == 21


def test_without_served_by_identities_link_straight_to_workloads() -> None:
    plan = sample.plan()
    bare = dataclasses.replace(
        plan,
        actions=tuple(
            dataclasses.replace(a, served_by=()) if isinstance(a, SwitchWorkload) else a
            for a in plan.actions
        ),
    )
    graphs = report_graph.graphs(bare)
    assert not any(n.layer == 1 for g in graphs for n in g.nodes)  # no binding made up
    drawn = {n.title for g in graphs for n in g.nodes}
    for a in plan.actions:
        if isinstance(a, CreateFederatedCredential):
            assert a.identity.name in drawn
    assert sum(len(g.edges) for g in graphs) >= 2 * sum(
        isinstance(a, SwitchWorkload) for a in plan.actions
    )
