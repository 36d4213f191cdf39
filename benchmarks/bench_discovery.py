"""Live discovery of 50,000 pods in 2,000 namespaces on the fake API server, beside a raw
paginated list of the same pods with the same client, in the same run.

    python benchmarks/bench_discovery.py [--namespaces 2000] [--pods 25] [--repeat 5] [--typed]

The fake API server runs in its own process (its threads and heap never share the measured
interpreter). Each namespace holds `--pods` pods (a third labelled aadpodidbinding, most owned
by a ReplicaSet of a Deployment) plus its Deployment, ReplicaSet and default ServiceAccount.
Interleaved rounds (see measure.py), each case in its own process:

  raw list      baseline: `GET /api/v1/pods?limit=500` page by page through our Connection,
                JSON-decoded, each page dropped once counted (timed inside its process)
  discovery     `sources.cluster.read`: every kind, owners resolved, records (timed inside)
  cli json      `wi-migrate plan --cluster --kubeconfig F -o json > file`, timed from outside
  typed list    (--typed) the SDK's `list_pod_for_all_namespaces` into models, for reference

Target (issue 14): discovery <= 1.2x the raw list.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import measure


def objects(namespaces: int, pods: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(namespaces):
        ns = f"team-{n:05d}"
        labels = {"app": "api", "aadpodidbinding": f"sel-{n % 50}"}
        template = {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        }
        out.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": ns},
            }
        )
        deployment_uid, rs_uid = f"d-{n}", f"rs-{n}"
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "api", "namespace": ns, "uid": deployment_uid},
                "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": template},
            }
        )
        owner = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "api",
            "uid": deployment_uid,
            "controller": True,
        }
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": "api-1",
                    "namespace": ns,
                    "uid": rs_uid,
                    "ownerReferences": [owner],
                },
                "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": template},
            }
        )
        for p in range(pods):
            meta: dict[str, Any] = {
                "name": f"api-1-{p:03d}",
                "namespace": ns,
                "labels": labels if p % 3 == 0 else {"app": "api"},
            }
            if p % 10:  # one pod in ten is bare
                meta["ownerReferences"] = [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "api-1",
                        "uid": rs_uid,
                        "controller": True,
                    }
                ]
            spec = {
                "containers": [
                    {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]}
                ],
                "nodeName": f"node-{p % 7}",
            }
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": meta,
                    "spec": spec,
                    "status": {"phase": "Running"},
                }
            )
    return out


def connection(url: str) -> Any:
    from kubernetes import client

    from migrate.kubeapi.client import Connection

    return Connection(client.ApiClient(client.Configuration(host=url)), "bench")


def raw_list(url: str) -> None:
    """Page by page through the same Connection, each page dropped once counted (as
    bench_discovery_real.py's baseline): nothing is kept alive, so the cycle collector has
    nothing to walk."""
    api = connection(url)
    started, pods, token = measure.start(), 0, ""
    while True:
        page = api.call(
            "GET", "/api/v1/pods", {"limit": "500", **({"continue": token} if token else {})}
        )
        pods += len(page["items"])
        token = page["metadata"].get("continue") or ""
        if not token:
            break
    measure.report_inner(started, pods=pods)


def discovery(url: str) -> None:
    from migrate.read import cluster

    started = measure.start()
    inventory, _ = cluster.read(connection(url))
    measure.report_inner(started, workloads=len(inventory.workloads))


def typed_list(url: str) -> None:
    from kubernetes import client

    api = client.CoreV1Api(connection(url).api_client)
    started, count, token = measure.start(), 0, None
    while True:
        page = api.list_pod_for_all_namespaces(limit=500, _continue=token)
        count += len(page.items)
        token = page.metadata._continue
        if not token:
            break
    measure.report_inner(started, pods=count)


def serve(pipe: Any, namespaces: int, pods: int, kubeconfig: str) -> None:
    """The fake API server, in its own process, until the pipe says stop (or closes)."""
    from tests.fakes.kube_apiserver import FakeKubeApiServer

    with FakeKubeApiServer() as fake:
        fake.seed(objects(namespaces, pods))
        fake.write_kubeconfig(kubeconfig)
        pipe.send(fake.url)
        try:
            while pipe.recv() == "requests":
                pipe.send(len(fake.requests))
        except EOFError:
            pass


CHILDREN = {"raw": raw_list, "discovery": discovery, "typed": typed_list}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=2000)
    parser.add_argument("--pods", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--typed", action="store_true", help="also time the SDK's typed list")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child[0]](args.child[1])
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = str(Path(tmp) / "kubeconfig")
        ours, theirs = get_context("spawn").Pipe()
        server = get_context("spawn").Process(
            target=serve, args=(theirs, args.namespaces, args.pods, kubeconfig), daemon=True
        )
        server.start()
        url = ours.recv()

        def mode(name: str) -> measure.Case:
            argv = [sys.executable, __file__, "--child", name, url]
            return lambda: measure.child(argv, inner=True)

        cli = [*measure.cli(), "plan", "--cluster", "--kubeconfig", kubeconfig, "-o", "json"]
        cases = {
            "raw list": mode("raw"),
            "discovery": mode("discovery"),
            "cli json": lambda: measure.child(cli),  # the issuer: the one the cluster publishes
        }
        if args.typed:
            cases["typed list"] = mode("typed")
        before = measure.load()
        ours.send("requests")
        first = ours.recv()
        runs = measure.interleaved(cases, args.repeat)
        ours.send("requests")
        requests = (ours.recv() - first) // args.repeat
        ours.send("stop")
        server.join(timeout=10)
    title = f"{args.namespaces * args.pods} pods in {args.namespaces} namespaces"
    measure.print_table(title, measure.figures(runs), args.repeat, before)
    print(f"  requests per round (all cases): {requests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
