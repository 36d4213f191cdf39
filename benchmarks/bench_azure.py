"""Federated credential writes: 300 identities x 3 credentials, 50 ms per write in the fake.

    python benchmarks/bench_azure.py [--identities 300] [--per-identity 3] [--latency 0.05]
                                     [--concurrency 8] [--repeat 5]

The fake Azure runs in its own process (so its threads do not share our interpreter lock) and
holds each FIC write for --latency seconds, as a slow ARM would. ensure_federated_credentials
(the real azure-mgmt-msi client over HTTPS, reads included) is timed and printed beside the lower
bound for the concurrency: max(credentials on one identity x latency, writes x latency /
concurrency). Each round starts a fresh fake. Target (issue 14): wall <= 1.1x the bound.
Also checks that no identity ever saw two writes at once and that a second run writes nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import load

TENANT = "6f2c1a9e-0d4b-4f43-9a57-0d4a8c1e2b3c"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000be7c4"
ISSUER = "https://westeurope.oic.prod-aks.azure.com/6f2c1a9e/5b1d7c3e/"


def serve(pipe: Any, identities: int, latency: float) -> None:
    """The fake Azure, in a child process, answering `stats` and `stop` over the pipe."""
    from tests.fakes.azure import FakeAzure

    with FakeAzure(tenant_id=TENANT, page_size=100, write_latency=latency) as fake:
        seeded = [
            fake.add_identity(SUBSCRIPTION, "rg-bench", f"id-{n:04}") for n in range(identities)
        ]
        pipe.send((fake.base_url, fake.ca_path, seeded))
        while pipe.recv() == "stats":
            peaks = [fake.peak_concurrent_writes(s["id"]) for s in seeded]
            pipe.send((fake.counters(), max(peaks), fake.peak_concurrent_writes()))


def actions(seeded: list[dict[str, str]], per_identity: int) -> list[Any]:
    from migrate.model.inventory import ObjectRef
    from migrate.model.plan import CreateFederatedCredential, FederatedCredential, ManagedIdentity

    out = []
    for s in seeded:
        identity = ManagedIdentity(s["name"], "rg-bench", SUBSCRIPTION, s["id"], s["clientId"])
        for k in range(per_identity):
            namespace, account = f"ns-{s['name']}", f"sa-{k}"
            out.append(
                CreateFederatedCredential(
                    "prepare",
                    identity,
                    FederatedCredential(
                        f"bench-{namespace}-{account}",
                        ISSUER,
                        f"system:serviceaccount:{namespace}:{account}",
                    ),
                    ObjectRef("ServiceAccount", account, namespace, "v1"),
                    (),
                )
            )
    return out


@dataclass(frozen=True)
class Round:
    wall: float
    cpu: float
    requests: int
    rerun: float
    created: int
    peak_per_identity: int
    peak_overall: int
    rerun_writes: int


def one_round(args: argparse.Namespace) -> Round:
    """A fresh fake Azure in its own process, one ensure run that creates every credential,
    then a second run that must write nothing."""
    ctx = get_context("spawn")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=serve, args=(theirs, args.identities, args.latency), daemon=True)
    child.start()
    base_url, ca_path, seeded = ours.recv()
    # configuration only, as a user of a private cloud would set it
    os.environ.update(
        AZURE_CLIENT_ID="bench",
        AZURE_CLIENT_SECRET="not-a-secret",
        AZURE_TENANT_ID=TENANT,
        AZURE_TOKEN_CREDENTIALS="EnvironmentCredential",
        REQUESTS_CA_BUNDLE=ca_path,
    )
    from migrate.azure.context import connect
    from migrate.azure.federated import ensure_federated_credentials

    planned = actions(seeded, args.per_identity)
    context = connect(
        subscription=SUBSCRIPTION,
        arm_endpoint=base_url,
        authority=base_url,
        concurrency=args.concurrency,
    )
    try:
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        results = ensure_federated_credentials(planned, context, write=True)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        ours.send("stats")
        counters, peak_per_identity, peak_overall = ours.recv()
        start = time.perf_counter()
        again = ensure_federated_credentials(planned, context, write=True)
        rerun = time.perf_counter() - start
        ours.send("stats")
        after, _, _ = ours.recv()
    finally:
        context.close()
        ours.send("stop")
        child.join(timeout=10)
    assert all(r.status == "unchanged" for r in again)
    return Round(
        wall,
        cpu,
        counters["fic_writes"] + counters["arm_reads"],
        rerun,
        sum(r.status == "changed" for r in results),
        peak_per_identity,
        peak_overall,
        after["arm_writes"] - counters["arm_writes"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, default=300)
    parser.add_argument("--per-identity", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    before = load()
    rounds = [one_round(args) for _ in range(args.repeat)]
    writes = args.identities * args.per_identity
    bound = max(args.per_identity * args.latency, writes * args.latency / args.concurrency)
    walls = [r.wall for r in rounds]
    cpu_ms = [r.cpu / r.requests * 1000 for r in rounds]
    last = rounds[-1]
    print(
        f"{args.identities} identities x {args.per_identity} credentials, "
        f"{args.latency * 1000:g} ms per write, concurrency {args.concurrency}, "
        f"{args.repeat} rounds; {before} -> {load()}"
    )
    print(
        f"wall min {min(walls):.2f} s, median {statistics.median(walls):.2f} s vs bound "
        f"{bound:.2f} s (max({args.per_identity}x{args.latency:g}, {writes}x{args.latency:g}/"
        f"{args.concurrency})): {min(walls) / bound:.2f}x min, "
        f"{statistics.median(walls) / bound:.2f}x median; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (the fake runs "
        f"in its own process)"
    )
    print(
        f"created {last.created}/{writes}, {last.requests} requests; peak writes in flight: "
        f"{last.peak_per_identity} per identity, {last.peak_overall} overall"
    )
    print(
        f"re-run: median {statistics.median(r.rerun for r in rounds):.2f} s, "
        f"{last.rerun_writes} writes"
    )
    print(
        f"where the time above the bound goes: the reads that precede any write (about the "
        f"re-run), and our CPU: median {statistics.median(cpu_ms):.1f} ms per request "
        f"(SDK + requests + TLS)"
    )
    ok = all(r.created == writes and r.peak_per_identity == 1 for r in rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
