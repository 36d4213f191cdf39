"""Live discovery of 50,000 kwok pods in 2,000 namespaces on the real control plane
(tests/cluster), beside a raw paginated list of the same pods, in the same run.

    python benchmarks/bench_discovery_real.py [--namespaces 2000] [--pods 25] [--repeat 3]

Each namespace holds one ReplicaSet (no owner: a workload of its own) of `--pods` replicas
with `nodeName` set to a kwok node, so the controller-manager creates the pods and kwok makes
them Running (no scheduler in the way); every third namespace's template is labelled
aadpodidbinding. The controller-manager runs with a raised client QPS so the pods appear in
minutes. Printed, best of --repeat:

- the baseline: `GET /api/v1/pods?limit=500` page by page as the migrator over one kept-alive
  connection, each page JSON-decoded and dropped once counted;
- discovery: `wi-migrate plan --cluster -o json` in-process as the migrator (every kind,
  owners, the plan), with the requests it made counted in the API server's audit log.

Building the binaries on first use takes 9 to 72 minutes (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import ssl
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migrate.cli import main as wi_migrate
from tests.cluster import seed, toolchain
from tests.cluster.admin import Admin
from tests.cluster.control_plane import NODES, ControlPlane
from tests.cluster.pki import MIGRATOR
from tests.cluster.processes import wait_for

FAST_CONTROLLERS = [
    "--kube-api-qps=2000",
    "--kube-api-burst=4000",
    "--concurrent-replicaset-syncs=20",
    "--controllers=replicaset,namespace,serviceaccount,garbagecollector",
]


def populate(plane: ControlPlane, namespaces: int, pods: int) -> float:
    started = time.perf_counter()
    names = [f"team-{n:05d}" for n in range(namespaces)]

    def namespace(name: str) -> None:
        status, body = plane.request("POST", "/api/v1/namespaces", body=ns_object(name))
        assert status in (201, 409), body

    def replica_set(n: int) -> None:
        ns = names[n]
        status, body = plane.request(
            "POST", f"/apis/apps/v1/namespaces/{ns}/replicasets", body=rs_object(n, ns, pods)
        )
        assert status in (201, 409), body

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(namespace, names))
        # pods need each namespace's default ServiceAccount (the controller-manager makes it)
        wait_for(
            "default ServiceAccounts",
            lambda: count(plane, "/api/v1/serviceaccounts") >= namespaces,
            600,
        )
        list(pool.map(replica_set, range(namespaces)))
    want = namespaces * pods

    def all_running() -> bool:
        done = count(plane, "/api/v1/pods", "status.phase=Running")
        print(f"  pods running: {done}/{want}", flush=True)
        return done >= want

    wait_for(f"{want} pods Running", all_running, 3600, plane.processes, interval=15)
    return time.perf_counter() - started


def ns_object(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def rs_object(n: int, ns: str, pods: int) -> dict[str, Any]:
    labels = {"app": "api"}
    if n % 3 == 0:
        labels["aadpodidbinding"] = f"sel-{n % 50}"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "api", "namespace": ns},
        "spec": {
            "replicas": pods,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "nodeName": NODES[n % len(NODES)],
                    "containers": [
                        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]}
                    ],
                },
            },
        },
    }


def count(plane: ControlPlane, path: str, field_selector: str = "") -> int:
    total, token = 0, ""
    while True:
        query = f"?limit=500&continue={token}" + (
            f"&fieldSelector={field_selector}" if field_selector else ""
        )
        status, page = plane.request("GET", path + query)
        assert status == 200, page
        total += len(page["items"])
        token = page["metadata"].get("continue") or ""
        if not token:
            return total


def raw_list(plane: ControlPlane) -> tuple[int, int]:
    """Every pod, 500 a page, as the migrator, over one kept-alive connection, each page
    JSON-decoded and dropped once counted: (pods, requests)."""
    context = ssl.create_default_context(cadata=plane.pki.ca_pem.decode())
    address = urllib.parse.urlsplit(plane.url)
    connection = http.client.HTTPSConnection(address.hostname or "", address.port, context=context)
    headers = {
        "Authorization": f"Bearer {plane.pki.token_of[MIGRATOR]}",
        "Accept": "application/json",
    }
    pods, requests, token = 0, 0, ""
    try:
        while True:
            query = "limit=500" + (f"&continue={urllib.parse.quote(token)}" if token else "")
            connection.request("GET", f"/api/v1/pods?{query}", headers=headers)
            reply = connection.getresponse()
            assert reply.status == 200, reply.status
            page = json.loads(reply.read())
            requests += 1
            pods += len(page["items"])
            token = page["metadata"].get("continue") or ""
            if not token:
                return pods, requests
    finally:
        connection.close()


def discovery(plane: ControlPlane) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = wi_migrate(
            ["plan", "--cluster", "-o", "json", "--kubeconfig", str(plane.migrator_kubeconfig)]
        )
    assert code in (0, 1), code
    plan: dict[str, Any] = json.loads(out.getvalue())
    return plan


def best(repeat: int, work: Any, plane: ControlPlane) -> tuple[float, Any, int]:
    times, result, calls = [], None, 0
    for _ in range(repeat):
        before = len(plane.audit())
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
        calls = len(plane.audit()) - before
    return min(times), result, calls


def run(args: argparse.Namespace) -> None:
    binaries = toolchain.ensure()
    with tempfile.TemporaryDirectory(prefix="wi-migrate-bench-") as work:
        flags = {"kube-controller-manager": FAST_CONTROLLERS}
        plane = ControlPlane(binaries, Path(work), flags).start()
        try:
            admin = Admin(plane.admin_kubeconfig)
            seed.bootstrap(plane, admin)
            admin.close()
            took = populate(plane, args.namespaces, args.pods)
            print(
                f"created {args.namespaces * args.pods} pods in {args.namespaces} namespaces "
                f"in {took:.0f} s"
            )
            raw_time, (pods, raw_calls), _ = best(args.repeat, lambda: raw_list(plane), plane)
            plan_time, plan, calls = best(args.repeat, lambda: discovery(plane), plane)
            print(
                f"pods: {pods} in {args.namespaces} namespaces; the plan: "
                f"{len(plan['actions'])} actions, {len(plan['findings'])} findings"
            )
            print(
                f"raw paginated list of the pods (migrator, 500/page): {raw_time:.2f} s, "
                f"{raw_calls} requests"
            )
            print(
                f"discovery (wi-migrate plan --cluster -o json):     {plan_time:.2f} s, "
                f"{calls} requests = {plan_time / raw_time:.2f}x the raw list"
            )
        finally:
            plane.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespaces", type=int, default=2000)
    parser.add_argument("--pods", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
