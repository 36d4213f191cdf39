"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok (simulated nodes) and the Azure Workload Identity webhook.

Started the way controller-runtime's envtest starts its API server, plus the controllers a
migration depends on: Deployments roll out, pods are scheduled onto kwok's nodes and become
Running/Ready there, and the real webhook mutates pods labelled azure.workload.identity/use.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from tests.cluster import pki
from tests.cluster.processes import Process, StartupError, free_port, wait_for
from tests.cluster.toolchain import Binaries

TENANT = "11111111-1111-1111-1111-111111111111"  # tests/kube/conftest.py and the fixtures
NODES = ("kwok-node-0", "kwok-node-1", "kwok-node-2")
START_TIMEOUT = 90.0


class ControlPlane:
    def __init__(
        self, binaries: Binaries, workdir: Path, extra_flags: dict[str, list[str]] | None = None
    ) -> None:
        self.binaries = binaries
        self.extra_flags = extra_flags or {}  # by component name, e.g. for the benchmark
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.processes: list[Process] = []
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.issuer = self.url  # the API server serves discovery for its own URL
        self.webhook_port = free_port()
        self.audit_log = workdir / "logs" / "audit.log"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ControlPlane:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pki = pki.generate(self.workdir / "pki")
        self.admin_kubeconfig = self.kubeconfig(pki.ADMIN)
        self.migrator_kubeconfig = self.kubeconfig(pki.MIGRATOR)
        try:
            etcd = self._etcd()
            self._run("kube-apiserver", self._apiserver_argv(etcd))
            wait_for("the API server's /readyz", self._ready, START_TIMEOUT, self.processes)
            self._run("kube-controller-manager", self._controller_manager_argv())
            self._run("kube-scheduler", self._scheduler_argv())
            self._run("kwok", self._kwok_argv())
            self._run(
                "webhook",
                [
                    str(self.binaries["webhook"]),
                    f"--kubeconfig={self.admin_kubeconfig}",
                    f"--port={self.webhook_port}",
                    f"--cert-dir={self._webhook_certs()}",
                    f"--health-addr=127.0.0.1:{free_port()}",
                ],
                env={"AZURE_TENANT_ID": TENANT, "AZURE_ENVIRONMENT": "AzurePublicCloud"},
            )
            wait_for("the webhook's port", self._webhook_listening, START_TIMEOUT, self.processes)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def check_alive(self) -> None:
        for process in self.processes:
            if not process.alive():
                raise StartupError(f"{process.name} is not running:\n{process.tail()}")

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(f"--- {p.name} ({p.log})\n{p.tail(lines)}" for p in self.processes)

    def kubeconfig(self, user: str) -> Path:
        path = self.workdir / f"{user}.kubeconfig"
        return pki.write_kubeconfig(path, self.url, self.pki.ca, user, self.pki.token_of[user])

    # -- raw HTTPS, for probes and for what the SDK does not model --------------------------

    def request(
        self,
        method: str,
        path: str,
        user: str | None = pki.ADMIN,
        body: Any = None,
        accept: str = "application/json",
    ) -> tuple[int, Any]:
        headers = {"Accept": accept}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.pki.token_of[user]}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        context = ssl.create_default_context(cadata=self.pki.ca_pem.decode())
        try:
            with urllib.request.urlopen(req, context=context, timeout=30) as reply:
                raw = reply.read()
                status = reply.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def _ready(self) -> bool:
        status, _ = self.request("GET", "/readyz")
        return status == 200

    def _webhook_listening(self) -> bool:
        context = ssl.create_default_context(cadata=self.pki.ca_pem.decode())
        url = f"https://127.0.0.1:{self.webhook_port}/mutate-v1-pod"
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="GET"), context=context)
        except urllib.error.HTTPError:
            return True  # it answered (a GET is not an admission review)
        return True

    # -- the components --------------------------------------------------------------------

    def _run(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        argv = [*argv, *self.extra_flags.get(name, [])]
        process = Process(name, argv, self.logs / f"{name}.log", env or {}).start()
        self.processes.append(process)
        return process

    def _etcd(self) -> str:
        client, peer = free_port(), free_port()
        client_url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
        self._run(
            "etcd",
            [
                str(self.binaries["etcd"]),
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client_url}",
                f"--advertise-client-urls={client_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=default={peer_url}",
                "--unsafe-no-fsync",  # a test cluster: speed over durability
                "--log-level=warn",
            ],
        )

        def healthy() -> bool:
            with urllib.request.urlopen(f"{client_url}/health", timeout=2) as reply:
                return bool(json.loads(reply.read()).get("health") == "true")

        wait_for("etcd /health", healthy, START_TIMEOUT, self.processes)
        return client_url

    def _apiserver_argv(self, etcd: str) -> list[str]:
        p = self.pki
        return [
            str(self.binaries["kube-apiserver"]),
            f"--etcd-servers={etcd}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={p.server_cert}",
            f"--tls-private-key-file={p.server_key}",
            f"--client-ca-file={p.ca}",
            f"--token-auth-file={p.tokens}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-issuer={self.issuer}",
            f"--service-account-key-file={p.sa_pub}",
            f"--service-account-signing-key-file={p.sa_key}",
            "--service-cluster-ip-range=10.0.0.0/24",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--audit-policy-file={self._audit_policy()}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json",
            "--audit-log-mode=blocking",  # an event is on disk before its response is sent
            "--profiling=false",
            "--v=1",
        ]

    def _audit_policy(self) -> Path:
        """Every request of the migrator, at Metadata level (verb, object, response code)."""
        path = self.workdir / "audit-policy.yaml"
        path.write_text(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n"
            f"- level: Metadata\n  users: [{pki.MIGRATOR}]\n- level: None\n"
        )
        return path

    def audit(self) -> list[dict[str, Any]]:
        """The migrator's requests so far, as the API server answered them."""
        if not self.audit_log.exists():
            return []
        lines = self.audit_log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _delegated(self, name: str) -> list[str]:
        kubeconfig = str(self.admin_kubeconfig)
        return [
            str(self.binaries[name]),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            f"--cert-dir={self.workdir / (name + '-certs')}",
            "--leader-elect=false",
            "--v=1",
        ]

    def _controller_manager_argv(self) -> list[str]:
        return [
            *self._delegated("kube-controller-manager"),
            f"--root-ca-file={self.pki.ca}",
            f"--service-account-private-key-file={self.pki.sa_key}",
            "--use-service-account-credentials=false",
            "--controllers=*",
            # on a loaded machine kwok's node heartbeats come late: after the default 50 s
            # the node lifecycle controller marks every pod of the node NotReady
            # (Ready=False, ContainersReady=True), kwok never sets them Ready again, and
            # rollouts hang (docs/testing.md). The controller stays (it lifts the not-ready
            # taint of new nodes); node failure is not what these tests are about
            "--node-monitor-grace-period=1h",
        ]

    def _scheduler_argv(self) -> list[str]:
        return self._delegated("kube-scheduler")

    def _kwok_argv(self) -> list[str]:
        return [
            str(self.binaries["kwok"]),
            f"--kubeconfig={self.admin_kubeconfig}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            f"--server-address=127.0.0.1:{free_port()}",
            "--cidr=10.244.0.0/16",
            "--node-ip=127.0.0.1",
        ]

    def _webhook_certs(self) -> Path:
        folder = self.workdir / "webhook-certs"
        folder.mkdir(exist_ok=True)
        (folder / "tls.crt").write_bytes(self.pki.server_cert.read_bytes())
        (folder / "tls.key").write_bytes(self.pki.server_key.read_bytes())
        return folder
