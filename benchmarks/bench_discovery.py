"""Live discovery of 50,000 pods in 2,000 namespaces on the fake API server, beside a raw
paginated list of the same objects with the same client, in the same run.

    python benchmarks/bench_discovery.py [--namespaces 2000] [--pods 25] [--repeat 3]

Each namespace holds `--pods` pods (a third labelled aadpodidbinding, most owned by a
ReplicaSet of a Deployment) plus its Deployment, ReplicaSet and default ServiceAccount.
Printed: discovery (`sources.cluster.read`: every kind, owner resolution, records) and
the baseline (`GET /api/v1/pods?limit=500` page by page, JSON-decoded, nothing else).
Also the SDK's typed list (`CoreV1Api.list_pod_for_all_namespaces`, deserialized into
models) for reference. Target (issue): discovery <= 2x the raw list. Best of --repeat.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from migrate.kubeapi.client import Connection
from migrate.read import cluster
from tests.fakes.kube_apiserver import FakeKubeApiServer


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


def raw_list(connection: Connection) -> int:
    return sum(len(page) for page in connection.pages("/api/v1/pods"))


def typed_list(connection: Connection) -> int:
    from kubernetes import client

    api, count, token = client.CoreV1Api(connection.api_client), 0, None
    while True:
        page = api.list_pod_for_all_namespaces(limit=500, _continue=token)
        count += len(page.items)
        token = page.metadata._continue
        if not token:
            return count


def best(repeat: int, work: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--namespaces", type=int, default=2000)
    parser.add_argument("--pods", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--typed", action="store_true", help="also time the SDK's typed list")
    args = parser.parse_args()
    with FakeKubeApiServer() as fake:
        fake.seed(objects(args.namespaces, args.pods))
        connection = Connection(fake.api_client(), "bench")
        raw_time, pods = best(args.repeat, lambda: raw_list(connection))
        fake.clear_requests()
        discovery_time, (inventory, _) = best(args.repeat, lambda: cluster.read(connection))
        calls = len(fake.requests) // args.repeat
        print(
            f"pods: {pods} in {args.namespaces} namespaces; "
            f"workloads found: {len(inventory.workloads)}"
        )
        print(f"raw paginated list of the pods (same client): {raw_time:.2f} s")
        print(
            f"discovery (all kinds, owners, records):       {discovery_time:.2f} s  "
            f"= {discovery_time / raw_time:.2f}x the raw list (target <= 2x), {calls} requests"
        )
        if args.typed:
            typed_time, _ = best(1, lambda: typed_list(connection))
            print(f"SDK typed list of the pods (models, for reference): {typed_time:.2f} s")


if __name__ == "__main__":
    main()
