"""Generate a synthetic GitOps manifests repository for the performance benchmarks.

The output is deterministic for a given set of arguments (one seeded ``random.Random``) and is
built with the standard library only. Layout::

    teams/<team>/<app>/<env>/*.yaml         workloads and filler, namespace ``<team>-<env>``
    teams/<team>/<app>/<env>/kustomization.yaml
    teams/<team>/identity/pod-identity.yaml  AzureIdentity + AzureIdentityBinding pairs
    teams/<team>/identity/kustomization.yaml

Exactly ``changed`` workload files carry the ``aadpodidbinding`` pod label; every other file
(except the per-team identity files) mentions nothing about pod identity.

Usage: ``python benchmarks/generate_repo.py OUTDIR [--files N] [--changed N] [--identities N]
[--seed N] [--verify]``. ``verify(outdir)`` parses every file with PyYAML's C loader.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENVS = ("dev", "staging", "prod")
PI_LABEL = "aadpodidbinding"
REGISTRY = "contosoacr.azurecr.io"
FILES_PER_FOLDER = 9.3  # including kustomization.yaml
FOLDERS_PER_TEAM = 13.5
WORKLOAD_SHARE = (0.36, 0.5)  # share of a folder's files that hold a workload
REUSE_SELECTOR = 0.15  # chance that a PI workload reuses a selector already used in its namespace
PI_WITH_SA = 0.35  # chance that a PI workload runs under a ServiceAccount declared in its folder
PLAIN_WITH_SA = 0.35  # same for workloads without the label

TEAM_WORDS = (
    "payments", "checkout", "catalog", "search", "growth", "billing", "ledger", "fraud",
    "logistics", "shipping", "pricing", "loyalty", "marketing", "insights", "reporting", "media",
    "content", "mobile", "partners", "support", "onboarding", "risk", "compliance", "treasury",
    "inventory", "warehouse", "routing", "messaging", "notify", "platform", "data", "ml",
    "recommend", "ads", "auction", "booking", "travel", "maps", "weather", "telemetry",
    "commerce", "storefront", "reviews", "social", "chat", "video", "music", "games", "rewards",
    "tax", "invoicing", "procurement", "hr", "payroll", "legal", "security", "edge", "devex",
    "quality", "release",
)  # fmt: skip
APP_PREFIXES = (
    "order", "cart", "price", "stock", "user", "profile", "media", "invoice", "quote", "offer",
    "coupon", "ticket", "report", "event", "audit", "feed", "asset", "label", "route", "slot",
    "parcel", "rate", "score", "alert", "survey", "review", "promo", "wallet", "refund", "tariff",
    "vendor", "store", "menu", "fleet", "trip", "claim", "policy", "lead", "deal", "sample",
)  # fmt: skip
APP_SUFFIXES = (
    "svc", "hub", "engine", "portal", "sync", "store", "router", "manager", "tracker", "feed",
    "center", "desk",
)  # fmt: skip
KIND_WEIGHTS = {"Deployment": 58, "StatefulSet": 14, "CronJob": 13, "Job": 8, "DaemonSet": 7}
COMPONENTS = {
    "Deployment": (
        "api", "web", "worker", "consumer", "gateway", "frontend", "backend", "ingest",
        "renderer", "notifier", "scheduler", "exporter", "admin", "grpc",
    ),
    "StatefulSet": ("db", "cache", "queue", "index", "broker", "ledger-store"),
    "CronJob": ("cleanup", "backup", "report", "reindex", "rotate", "digest"),
    "Job": ("migrate", "seed", "db-init", "bootstrap", "backfill"),
    "DaemonSet": ("log-agent", "node-probe", "metrics-agent"),
}  # fmt: skip
CONFIG_SUFFIXES = ("dashboards", "alerts", "rules", "templates", "fixtures", "routes", "flags")
STALE_WORDS = ("legacy", "old", "reader", "writer", "batch", "tools", "ops", "shared", "spare")
WORDS = (
    "cache", "timeout", "retry", "backoff", "pool", "size", "max", "min", "enabled", "buffer",
    "queue", "topic", "partition", "consumer", "producer", "batch", "window", "threshold",
    "endpoint", "region", "replica", "shard", "index", "limit", "rate", "burst", "interval",
    "ttl", "compression", "format", "locale", "currency", "page", "sort", "order", "filter",
    "schema", "version", "mode", "level", "sampling", "trace", "metrics", "export", "flush",
    "connect", "read", "write", "idle", "keepalive", "health", "ready", "startup", "grace",
    "shutdown", "worker", "thread", "heap", "gc", "tls", "cipher", "proxy", "upstream", "route",
)  # fmt: skip


@dataclass
class Workload:
    kind: str
    comp: str
    folder: Folder
    inline_service: bool = False
    inline_hpa: bool = False
    inline_pdb: bool = False
    inline_config: bool = False
    selector: str | None = None
    service_account: str | None = None

    @property
    def name(self) -> str:
        return f"{self.folder.app}-{self.comp}"

    @property
    def filename(self) -> str:
        return f"{self.comp}-{self.kind.lower()}.yaml"


@dataclass(frozen=True)
class Extra:
    filename: str
    kind: str
    workload: Workload | None = None


@dataclass
class Folder:
    team: str
    app: str
    env: str
    n_files: int = 0  # without kustomization.yaml
    explicit_ns: bool = False
    workloads: list[Workload] = field(default_factory=list)
    extras: list[Extra] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return f"{self.team}-{self.env}"

    @property
    def rel(self) -> str:
        return f"teams/{self.team}/{self.app}/{self.env}"

    def has_extra(self, kind: str) -> bool:
        return any(e.kind == kind for e in self.extras)


@dataclass
class Identity:
    name: str
    team: str
    env: str
    client_id: str
    subscription: str

    @property
    def namespace(self) -> str:
        return f"{self.team}-{self.env}"


@dataclass
class Counts:
    files: int = 0
    documents: int = 0
    identities: int = 0
    bindings: int = 0
    files_with_pi_label: int = 0
    files_mentioning_pi: int = 0
    namespaces: int = 0
    folders: int = 0
    bytes: int = 0


# --------------------------------------------------------------------------------------------
# helpers


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    norm = sum(weights)
    if norm <= 0:
        weights, norm = [1.0] * len(weights), float(len(weights))
    raw = [total * w / norm for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _names(rng: random.Random, words: Sequence[str], n: int) -> list[str]:
    """``n`` distinct names drawn from ``words``, numbered once the list runs out."""
    out: list[str] = []
    round_no = 0
    while len(out) < n:
        batch = rng.sample(list(words), len(words))
        out += [w if round_no == 0 else f"{w}{round_no + 1}" for w in batch]
        round_no += 1
    return out[:n]


def _indent(lines: list[str], n: int) -> list[str]:
    pad = " " * n
    return [pad + line if line else line for line in lines]


def _q(value: str) -> str:
    return f'"{value}"'


def _weighted_kind(rng: random.Random) -> str:
    return rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]


# --------------------------------------------------------------------------------------------
# planning


def _plan_folders(rng: random.Random, files: int) -> list[Folder]:
    target = max(1, round(files / FILES_PER_FOLDER))
    teams = _names(rng, TEAM_WORDS, max(1, round(target / FOLDERS_PER_TEAM)))
    pairs = [f"{a}-{b}" for a in APP_PREFIXES for b in APP_SUFFIXES]
    apps = iter(_names(rng, pairs, len(teams) * 6))
    folders: list[Folder] = []
    for team in teams:
        for _ in range(rng.randint(3, 6)):
            app = next(apps)
            envs = ENVS if rng.random() < 0.8 else ("dev", "prod")
            folders += [Folder(team, app, env, explicit_ns=rng.random() < 0.5) for env in envs]
    return folders


def _fit_budget(folders: list[Folder], files: int, identities: int) -> int:
    """Drop folders until each keeps >= 2 files; return the number of hosting (identity) teams."""
    while True:
        teams = list(dict.fromkeys(f.team for f in folders))
        hosting = min(len(teams), identities)
        budget = files - len(folders) - 2 * hosting
        if budget >= 2 * len(folders) or len(folders) == 1:
            break
        folders.pop()
    if budget < 1:
        raise ValueError(f"--files {files} is too small for this layout")
    weights = [0.5 + (0.6 if f.env == "prod" else 0.0) for f in folders]
    extra = _apportion(budget - 2 * len(folders), weights) if budget >= 2 * len(folders) else None
    for i, folder in enumerate(folders):
        folder.n_files = 2 + extra[i] if extra else (1 if i < budget else 0)
    folders[:] = [f for f in folders if f.n_files]
    return hosting


def _plan_workloads(rng: random.Random, folder: Folder) -> None:
    n = folder.n_files
    count = max(1, min(n, round(n * rng.uniform(*WORKLOAD_SHARE))))
    used: set[str] = set()
    for _ in range(count):
        kind = _weighted_kind(rng)
        options = [c for c in COMPONENTS[kind] if c not in used]
        comp = rng.choice(options) if options else f"{kind.lower()}{len(used)}"
        used.add(comp)
        w = Workload(kind, comp, folder)
        if kind == "Deployment":
            w.inline_service = rng.random() < 0.75
            w.inline_hpa = rng.random() < 0.4
            w.inline_pdb = rng.random() < 0.35
        elif kind == "StatefulSet":
            w.inline_service = True  # the headless Service it names
        else:
            w.inline_config = rng.random() < 0.6
        folder.workloads.append(w)


def _extra_candidates(folder: Folder) -> Iterator[tuple[float, Extra]]:
    """Filler files in rough priority order (lower first)."""
    ws = folder.workloads
    yield 0, Extra(f"{ws[0].comp}-config.yaml", "config", ws[0])
    yield 1, Extra("networkpolicy.yaml", "netpol")
    yield 2, Extra("serviceaccount.yaml", "sa")
    yield 3, Extra("ingress.yaml", "ingress")
    for i, w in enumerate(ws[1:]):
        yield 4 + i, Extra(f"{w.comp}-config.yaml", "config", w)
    yield 5, Extra("rbac.yaml", "rbac")
    for i, w in enumerate(ws):
        if w.kind == "Deployment" and not w.inline_hpa:
            yield 6 + i, Extra(f"{w.comp}-hpa.yaml", "hpa", w)
        if w.kind in ("Deployment", "StatefulSet") and not w.inline_service:
            yield 6 + i, Extra(f"{w.comp}-service.yaml", "service", w)
        if w.kind in ("Deployment", "StatefulSet") and not w.inline_pdb:
            yield 8 + i, Extra(f"{w.comp}-pdb.yaml", "pdb", w)
    for j in range(10_000):
        w = ws[j % len(ws)]
        suffix = CONFIG_SUFFIXES[(j // len(ws)) % len(CONFIG_SUFFIXES)]
        rnd = j // (len(ws) * len(CONFIG_SUFFIXES))
        name = f"{w.comp}-{suffix}{rnd or ''}-config.yaml"
        yield 12 + j, Extra(name, "config", w)


def _plan_extras(rng: random.Random, folder: Folder) -> None:
    need = folder.n_files - len(folder.workloads)
    picked: list[tuple[float, Extra]] = []
    for prio, extra in _extra_candidates(folder):
        if len(picked) >= need + 4:
            break
        picked.append((prio + rng.uniform(0, 4), extra))
    picked.sort(key=lambda p: p[0])
    folder.extras = [e for _, e in picked[:need]]


def _pick_pi_workloads(
    rng: random.Random, folders: list[Folder], changed: int, hosting: set[str]
) -> list[Workload]:
    everything = [w for f in folders for w in f.workloads]
    preferred = [w for w in everything if w.folder.team in hosting]
    pool = preferred if len(preferred) >= changed else everything
    if changed > len(pool):
        raise ValueError(f"--changed {changed} exceeds the {len(pool)} workloads generated")
    chosen = rng.sample(pool, changed)
    order = {id(w): i for i, w in enumerate(everything)}
    return sorted(chosen, key=lambda w: order[id(w)])


def _identity_slots(
    rng: random.Random,
    folders: list[Folder],
    pi: list[Workload],
    identities: int,
    hosting: list[str],
) -> dict[str, int]:
    """How many identities each namespace gets: >= 1 where PI workloads run, rest by demand."""
    namespaces = list(dict.fromkeys(f.namespace for f in folders if f.team in set(hosting)))
    demand = {ns: 0 for ns in namespaces}
    for w in pi:
        if w.folder.namespace in demand:
            demand[w.folder.namespace] += 1
    floor = [ns for ns in namespaces if demand[ns]]
    for team in hosting:  # every hosting team owns at least one identity
        mine = [ns for ns in namespaces if ns.startswith(f"{team}-")]
        if mine and not any(ns in floor for ns in mine):
            floor.append(mine[0])
    if len(floor) > identities:
        floor = rng.sample(floor, identities)
    slots = {ns: (1 if ns in floor else 0) for ns in namespaces}
    weights = [demand[ns] + 0.05 for ns in namespaces]
    for ns, n in zip(namespaces, _apportion(identities - len(floor), weights), strict=True):
        slots[ns] += n
    return slots


def _new_identity(
    rng: random.Random, name: str, team: str, env: str, subs: dict[str, str]
) -> Identity:
    return Identity(name, team, env, _guid(rng), subs[env])


def _assign_identities(
    rng: random.Random, pi: list[Workload], slots: dict[str, int], subs: dict[str, str]
) -> list[Identity]:
    by_ns: dict[str, list[Workload]] = {}
    for w in pi:
        by_ns.setdefault(w.folder.namespace, []).append(w)
    result: list[Identity] = []
    orphans: list[Workload] = []
    for ns, count in slots.items():
        team, env = ns.rsplit("-", 1)
        used: list[Identity] = []
        for w in by_ns.get(ns, []):
            if used and (len(used) == count or rng.random() < REUSE_SELECTOR):
                w.selector = rng.choice(used).name
                continue
            if count == 0:
                orphans.append(w)
                continue
            ident = _new_identity(rng, f"{w.name}-{env}", team, env, subs)
            used.append(ident)
            w.selector = ident.name
        stale = [
            _new_identity(
                rng, f"{team}-{STALE_WORDS[i % len(STALE_WORDS)]}{i}-{env}", team, env, subs
            )
            for i in range(count - len(used))
        ]
        result += used + stale
    for w in orphans + [w for w in pi if w.folder.namespace not in slots]:
        # no identity in the workload's own namespace: bound across namespaces (PI default mode)
        w.selector = rng.choice(result).name if result else f"{w.name}-{w.folder.env}"
    return result


def _assign_service_accounts(rng: random.Random, folders: list[Folder], shared: int) -> None:
    candidates: list[Folder] = []
    for folder in folders:
        if not folder.has_extra("sa"):
            continue
        for w in folder.workloads:
            share = PI_WITH_SA if w.selector else PLAIN_WITH_SA
            if rng.random() < share:
                w.service_account = w.name
        if len({w.selector for w in folder.workloads if w.selector}) >= 2:
            candidates.append(folder)
    for folder in rng.sample(candidates, min(shared, len(candidates))):
        by_selector = {w.selector: w for w in folder.workloads if w.selector}
        first, second = list(by_selector.values())[:2]
        first.service_account = second.service_account = f"{folder.app}-runtime"


# --------------------------------------------------------------------------------------------
# rendering: small builders that return lists of lines (no trailing newline)


def _metadata(
    folder: Folder, name: str, labels: dict[str, str] | None = None, annotations: Any = None
) -> list[str]:
    lines = ["metadata:", f"  name: {name}"]
    if folder.explicit_ns:
        lines.append(f"  namespace: {folder.namespace}")
    if labels:
        lines += ["  labels:"] + [f"    {k}: {v}" for k, v in labels.items()]
    if annotations:
        lines += ["  annotations:"] + [f"    {k}: {v}" for k, v in annotations.items()]
    return lines


def _common_labels(w: Workload) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": w.name,
        "app.kubernetes.io/part-of": w.folder.app,
        "app.kubernetes.io/managed-by": "kustomize",
        "team": w.folder.team,
    }


def _selector_labels(w: Workload) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": w.name,
        "app.kubernetes.io/instance": f"{w.name}-{w.folder.env}",
    }


def _env_vars(rng: random.Random, w: Workload) -> list[str]:
    lines = [
        "- name: APP_ENV",
        f"  value: {w.folder.env}",
        "- name: LOG_LEVEL",
        f"  value: {rng.choice(('info', 'debug', 'warn'))}",
    ]
    for _ in range(rng.randint(1, 7)):
        var = "_".join(rng.sample(WORDS, 2)).upper().replace("-", "_")
        roll = rng.random()
        if roll < 0.5:
            lines += [f"- name: {var}", f"  value: {_q(str(rng.choice((1, 5, 30, 100, 250))))}"]
        elif roll < 0.8:
            lines += [
                f"- name: {var}",
                "  valueFrom:",
                "    configMapKeyRef:",
                f"      name: {w.name}-config",
                f"      key: {var}",
            ]
        else:
            lines += [
                f"- name: {var}",
                "  valueFrom:",
                "    secretKeyRef:",
                f"      name: {w.name}-secrets",
                f"      key: {var.lower().replace('_', '-')}",
            ]
    return lines


def _probes(port: str) -> list[str]:
    return [
        "readinessProbe:",
        "  httpGet:",
        "    path: /healthz/ready",
        f"    port: {port}",
        "  periodSeconds: 10",
        "livenessProbe:",
        "  httpGet:",
        "    path: /healthz/live",
        f"    port: {port}",
        "  initialDelaySeconds: 15",
        "  failureThreshold: 5",
    ]


def _resources(rng: random.Random) -> list[str]:
    cpu = rng.choice(("50m", "100m", "250m", "500m"))
    sizes = ("128Mi", "256Mi", "512Mi", "1Gi", "2Gi")
    low = rng.randrange(4)
    mem, lim = sizes[low], sizes[rng.randint(low, len(sizes) - 1)]
    return [
        "resources:",
        "  requests:",
        f"    cpu: {cpu}",
        f"    memory: {mem}",
        "  limits:",
        f"    memory: {lim}",
    ]


def _main_container(rng: random.Random, w: Workload) -> list[str]:
    f = w.folder
    version = f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
    long_running = w.kind not in ("CronJob", "Job")
    lines = [
        f"- name: {w.comp}",
        f"  image: {REGISTRY}/{f.team}/{w.name}:{version}",
        "  imagePullPolicy: IfNotPresent",
    ]
    if not long_running:
        lines += ["  command:", f"    - /usr/local/bin/{w.comp}", "  args:", "    - --once"]
    if long_running:
        lines += ["  ports:", "    - name: http", "      containerPort: 8080"]
        lines += ["    - name: metrics", "      containerPort: 9090"]
    lines += ["  env:", *_indent(_env_vars(rng, w), 4)]
    lines += _indent(_resources(rng), 2)
    if long_running:
        lines += _indent(_probes("http"), 2)
    lines += [
        "  securityContext:",
        "    allowPrivilegeEscalation: false",
        "    readOnlyRootFilesystem: true",
        "  volumeMounts:",
        "    - name: config",
        f"      mountPath: /etc/{w.comp}",
        "      readOnly: true",
    ]
    return lines


def _sidecar(rng: random.Random) -> list[str]:
    name = rng.choice(("log-forwarder", "envoy", "otel-agent"))
    return [
        f"- name: {name}",
        f"  image: {REGISTRY}/platform/{name}:{rng.randint(1, 3)}.{rng.randint(0, 20)}.0",
        "  resources:",
        "    requests:",
        "      cpu: 10m",
        "      memory: 32Mi",
    ]


def _pod_labels(rng: random.Random, w: Workload) -> list[str]:
    pairs = [*_selector_labels(w).items(), ("app.kubernetes.io/part-of", w.folder.app)]
    if rng.random() < 0.5:
        pairs.append(("version", _q(f"v{rng.randint(1, 9)}")))
    if w.selector:
        value = _q(w.selector) if rng.random() < 0.3 else w.selector
        pairs.insert(rng.randint(0, len(pairs)), (PI_LABEL, value))
    return [f"    {k}: {v}" for k, v in pairs]


def _pod_template(rng: random.Random, w: Workload) -> list[str]:
    lines = ["metadata:", "  labels:", *_pod_labels(rng, w)]
    if w.kind not in ("CronJob", "Job"):
        lines += [
            "  annotations:",
            '    prometheus.io/scrape: "true"',
            '    prometheus.io/port: "9090"',
        ]
    lines.append("spec:")
    if w.service_account:
        lines.append(f"  serviceAccountName: {w.service_account}")
    if w.kind in ("CronJob", "Job"):
        lines.append(f"  restartPolicy: {rng.choice(('OnFailure', 'Never'))}")
    if rng.random() < 0.2:
        lines += ["  imagePullSecrets:", "    - name: acr-pull"]
    if w.kind == "DaemonSet":
        lines += ["  tolerations:", "    - operator: Exists"]
    lines += [
        "  securityContext:",
        "    runAsNonRoot: true",
        f"    runAsUser: {10000 + rng.randint(1, 999)}",
    ]
    lines.append("  containers:")
    lines += _indent(_main_container(rng, w), 4)
    if rng.random() < 0.25:
        lines += _indent(_sidecar(rng), 4)
    lines += [
        "  volumes:",
        "    - name: config",
        "      configMap:",
        f"        name: {w.name}-config",
    ]
    return lines


def _workload_doc(rng: random.Random, w: Workload) -> list[str]:
    api = "batch/v1" if w.kind in ("CronJob", "Job") else "apps/v1"
    lines = [
        f"apiVersion: {api}",
        f"kind: {w.kind}",
        *_metadata(w.folder, w.name, _common_labels(w)),
    ]
    lines.append("spec:")
    selector = ["selector:", "  matchLabels:"] + [
        f"    {k}: {v}" for k, v in _selector_labels(w).items()
    ]
    template = ["template:", *_indent(_pod_template(rng, w), 2)]
    if w.kind == "Deployment":
        replicas = rng.choice((1, 2, 3)) if w.folder.env != "prod" else rng.choice((3, 4, 6))
        lines += [f"  replicas: {replicas}", "  revisionHistoryLimit: 5"]
        lines += _indent(selector, 2)
        lines += [
            "  strategy:",
            "    type: RollingUpdate",
            "    rollingUpdate:",
            "      maxSurge: 25%",
        ]
        lines += ["      maxUnavailable: 0"]
        lines += _indent(template, 2)
    elif w.kind == "StatefulSet":
        lines += [f"  serviceName: {w.name}", f"  replicas: {rng.choice((1, 3))}"]
        lines += _indent(selector, 2) + _indent(template, 2)
        lines += [
            "  volumeClaimTemplates:",
            "    - metadata:",
            "        name: data",
            "      spec:",
            "        accessModes: [ReadWriteOnce]",
            "        storageClassName: managed-csi-premium",
            "        resources:",
            "          requests:",
            f"            storage: {rng.choice(('8Gi', '32Gi', '128Gi'))}",
        ]
    elif w.kind == "DaemonSet":
        lines += _indent(selector, 2)
        lines += ["  updateStrategy:", "    type: RollingUpdate"]
        lines += _indent(template, 2)
    elif w.kind == "Job":
        lines += ["  backoffLimit: 3", "  ttlSecondsAfterFinished: 86400"]
        lines += _indent(template, 2)
    else:  # CronJob
        minute = rng.randint(0, 59)
        schedule = rng.choice((f"{minute} */6 * * *", f"{minute} 3 * * *", "*/15 * * * *"))
        lines += [
            f"  schedule: {_q(schedule)}",
            "  concurrencyPolicy: Forbid",
            "  successfulJobsHistoryLimit: 3",
            "  jobTemplate:",
            "    spec:",
            "      backoffLimit: 2",
        ]
        lines += _indent(template, 6)
    return lines


def _service_doc(w: Workload) -> list[str]:
    lines = ["apiVersion: v1", "kind: Service", *_metadata(w.folder, w.name, _common_labels(w))]
    lines.append("spec:")
    if w.kind == "StatefulSet":
        lines.append("  clusterIP: None")
    else:
        lines.append("  type: ClusterIP")
    lines += ["  selector:"] + [f"    {k}: {v}" for k, v in _selector_labels(w).items()]
    lines += [
        "  ports:",
        "    - name: http",
        "      port: 80",
        "      targetPort: http",
        "    - name: metrics",
        "      port: 9090",
        "      targetPort: metrics",
    ]
    return lines


def _hpa_doc(rng: random.Random, w: Workload) -> list[str]:
    lo = rng.choice((2, 3))
    return [
        "apiVersion: autoscaling/v2",
        "kind: HorizontalPodAutoscaler",
        *_metadata(w.folder, w.name, {"team": w.folder.team}),
        "spec:",
        "  scaleTargetRef:",
        "    apiVersion: apps/v1",
        f"    kind: {w.kind}",
        f"    name: {w.name}",
        f"  minReplicas: {lo}",
        f"  maxReplicas: {lo * rng.choice((3, 5, 10))}",
        "  metrics:",
        "    - type: Resource",
        "      resource:",
        "        name: cpu",
        "        target:",
        "          type: Utilization",
        f"          averageUtilization: {rng.choice((60, 70, 80))}",
    ]


def _pdb_doc(w: Workload) -> list[str]:
    return [
        "apiVersion: policy/v1",
        "kind: PodDisruptionBudget",
        *_metadata(w.folder, w.name),
        "spec:",
        "  minAvailable: 1",
        "  selector:",
        "    matchLabels:",
        f"      app.kubernetes.io/name: {w.name}",
    ]


def _netpol_docs(rng: random.Random, folder: Folder) -> list[list[str]]:
    part = f"app.kubernetes.io/part-of: {folder.app}"
    docs = [
        [
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            *_metadata(folder, f"{folder.app}-default-deny"),
            "spec:",
            "  podSelector:",
            "    matchLabels:",
            f"      {part}",
            "  policyTypes:",
            "    - Ingress",
        ],
        [
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            *_metadata(folder, f"{folder.app}-allow-ingress"),
            "spec:",
            "  podSelector:",
            "    matchLabels:",
            f"      {part}",
            "  ingress:",
            "    - from:",
            "        - namespaceSelector:",
            "            matchLabels:",
            "              kubernetes.io/metadata.name: ingress-nginx",
            "      ports:",
            "        - protocol: TCP",
            "          port: 8080",
        ],
    ]
    if rng.random() < 0.5:
        docs.append(
            [
                "apiVersion: networking.k8s.io/v1",
                "kind: NetworkPolicy",
                *_metadata(folder, f"{folder.app}-allow-monitoring"),
                "spec:",
                "  podSelector: {}",
                "  ingress:",
                "    - from:",
                "        - namespaceSelector:",
                "            matchLabels:",
                "              kubernetes.io/metadata.name: monitoring",
                "      ports:",
                "        - port: 9090",
            ]
        )
    return docs


def _ingress_doc(rng: random.Random, folder: Folder, flavour: str) -> list[str]:
    target = next((w for w in folder.workloads if w.kind == "Deployment"), folder.workloads[0])
    domain = "example.com" if flavour == "public" else "internal.example.net"
    host = f"{folder.app}.{folder.env}.{folder.team}.{domain}"
    name = folder.app if flavour == "public" else f"{folder.app}-internal"
    annotations = {
        "cert-manager.io/cluster-issuer": "letsencrypt-prod",
        "nginx.ingress.kubernetes.io/proxy-body-size": rng.choice(("1m", "10m", "50m")),
    }
    return [
        "apiVersion: networking.k8s.io/v1",
        "kind: Ingress",
        *_metadata(folder, name, {"team": folder.team}, annotations),
        "spec:",
        f"  ingressClassName: {'nginx' if flavour == 'public' else 'nginx-internal'}",
        "  tls:",
        "    - hosts:",
        f"        - {host}",
        f"      secretName: {name}-tls",
        "  rules:",
        f"    - host: {host}",
        "      http:",
        "        paths:",
        "          - path: /",
        "            pathType: Prefix",
        "            backend:",
        "              service:",
        f"                name: {target.name}",
        "                port:",
        "                  name: http",
    ]


def _service_account_names(folder: Folder) -> list[str]:
    names = [w.service_account for w in folder.workloads if w.service_account]
    return [*dict.fromkeys(names), f"{folder.app}-deployer"]


def _sa_docs(rng: random.Random, folder: Folder) -> list[list[str]]:
    docs = []
    for name in _service_account_names(folder):
        doc = [
            "apiVersion: v1",
            "kind: ServiceAccount",
            *_metadata(folder, name, {"team": folder.team}),
        ]
        if rng.random() < 0.3:
            doc += ["imagePullSecrets:", "  - name: acr-pull"]
        if name.endswith("-deployer"):
            doc.append("automountServiceAccountToken: false")
        docs.append(doc)
    return docs


def _rbac_docs(rng: random.Random, folder: Folder) -> list[list[str]]:
    subjects = _service_account_names(folder) if folder.has_extra("sa") else []
    if not subjects or rng.random() < 0.3:
        subjects.append("default")
    role = f"{folder.app}-config-reader"
    lines = ["  - kind: ServiceAccount", "    name: {}", f"    namespace: {folder.namespace}"]
    return [
        [
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: Role",
            *_metadata(folder, role),
            "rules:",
            '  - apiGroups: [""]',
            "    resources: [configmaps, secrets]",
            "    verbs: [get, list, watch]",
        ],
        [
            "apiVersion: rbac.authorization.k8s.io/v1",
            "kind: RoleBinding",
            *_metadata(folder, role),
            "roleRef:",
            "  apiGroup: rbac.authorization.k8s.io",
            "  kind: Role",
            f"  name: {role}",
            "subjects:",
            *[line.format(s) for s in subjects for line in lines],
        ],
    ]


# ConfigMap payloads ---------------------------------------------------------------------------


def _value(rng: random.Random, folder: Folder) -> str:
    roll = rng.random()
    if roll < 0.4:
        return str(rng.choice((1, 3, 10, 30, 64, 100, 500, 1000, 4096)))
    if roll < 0.6:
        return rng.choice(("true", "false"))
    if roll < 0.8:
        return f"{rng.randint(1, 120)}{rng.choice(('s', 'm', 'ms'))}"
    word = rng.choice(WORDS)
    return f"http://{folder.app}-{word}.{folder.namespace}.svc.cluster.local:8080"


def _properties(rng: random.Random, folder: Folder, target: int) -> Iterator[str]:
    size = 0
    while size < target:
        if rng.random() < 0.08:
            line = f"# {' '.join(rng.sample(WORDS, 5))}"
        else:
            key = ".".join([folder.app.split("-")[0], *rng.sample(WORDS, 3)])
            line = f"{key}={_value(rng, folder)}"
        size += len(line) + 5
        yield line


def _yaml_config(rng: random.Random, folder: Folder, target: int) -> Iterator[str]:
    size = 0
    while size < target:
        section = rng.choice(WORDS)
        yield f"{section}:"
        for _ in range(rng.randint(2, 6)):
            sub = rng.choice(WORDS)
            yield f"  {sub}:"
            for key in rng.sample(WORDS, rng.randint(2, 5)):
                line = f"    {key}: {_value(rng, folder)}"
                size += len(line) + 5
                yield line
        size += 20


def _nginx_conf(rng: random.Random, folder: Folder, target: int) -> Iterator[str]:
    yield "worker_processes auto;"
    yield "events { worker_connections 1024; }"
    yield "http {"
    size = 80
    while size < target:
        word = rng.choice(WORDS)
        block = [
            f"  upstream {word}_{rng.randint(1, 99)} {{",
            f"    server {folder.app}-{word}:8080 max_fails=3 fail_timeout={rng.randint(5, 30)}s;",
            "  }",
            "  server {",
            f"    listen {rng.choice((80, 8080, 8443))};",
            f"    location /{word}/ {{",
            f"      proxy_pass http://{word}_{rng.randint(1, 99)};",
            f"      proxy_read_timeout {rng.randint(5, 120)}s;",
            "      proxy_set_header X-Request-Id $request_id;",
            "    }",
            "  }",
        ]
        size += sum(len(line) + 5 for line in block)
        yield from block
    yield "}"


def _json_config(rng: random.Random, folder: Folder, target: int) -> Iterator[str]:
    yield "{"
    size, first = 2, True
    while size < target:
        key = "_".join(rng.sample(WORDS, 2))
        value = json.dumps({w: _value(rng, folder) for w in rng.sample(WORDS, 3)})
        line = f'{"  " if first else ", "}"{key}": {value}'
        first = False
        size += len(line) + 5
        yield line
    yield "}"


def _xml_config(rng: random.Random, folder: Folder, target: int) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield "<configuration>"
    size = 60
    while size < target:
        name = ".".join(["com", "contoso", folder.app.split("-")[0], rng.choice(WORDS)])
        level = rng.choice(("INFO", "DEBUG", "WARN"))
        line = f'  <logger name="{name}" level="{level}" additivity="false"/>'
        size += len(line) + 5
        yield line
    yield "</configuration>"


PAYLOADS = (
    ("application.properties", _properties),
    ("application.yaml", _yaml_config),
    ("nginx.conf", _nginx_conf),
    ("settings.json", _json_config),
    ("logback.xml", _xml_config),
)


def _payload_size(rng: random.Random, small: bool = False) -> int:
    roll = rng.random()
    if small:
        return rng.randint(200, 1_200)
    if roll < 0.05:
        return rng.randint(10_000, 30_000)
    if roll < 0.2:
        return rng.randint(3_000, 8_000)
    return rng.randint(300, 2_500)


def _configmap_doc(rng: random.Random, w: Workload, name: str, small: bool = False) -> list[str]:
    f = w.folder
    lines = ["apiVersion: v1", "kind: ConfigMap", *_metadata(f, name, {"team": f.team}), "data:"]
    for _ in range(rng.randint(1, 4)):
        var = "_".join(rng.sample(WORDS, 2)).upper()
        lines.append(f"  {var}: {_q(_value(rng, f))}")
    payloads = rng.sample(PAYLOADS, rng.randint(1, 2))
    target = _payload_size(rng, small) // len(payloads)
    for key, gen in payloads:
        lines.append(f"  {key}: |")
        lines += _indent(list(gen(rng, f, target)), 4)
    return lines


def _config_docs(rng: random.Random, extra: Extra) -> list[list[str]]:
    w = extra.workload
    assert w is not None
    base = extra.filename.removesuffix(".yaml").removeprefix(f"{w.comp}-")
    name = f"{w.name}-{base}" if base != "config" else f"{w.name}-config"
    docs = [_configmap_doc(rng, w, name)]
    for i in range(rng.choices((0, 1, 2), weights=(35, 35, 30))[0]):
        docs.append(_configmap_doc(rng, w, f"{name}-{i + 2}", small=True))
    return docs


# Files ---------------------------------------------------------------------------------------


def _workload_docs(rng: random.Random, w: Workload) -> list[list[str]]:
    docs = [_workload_doc(rng, w)]
    if w.inline_service:
        docs.append(_service_doc(w))
    if w.inline_hpa:
        docs.append(_hpa_doc(rng, w))
    if w.inline_pdb:
        docs.append(_pdb_doc(w))
    if w.inline_config:
        docs.append(_configmap_doc(rng, w, f"{w.name}-env", small=True))
    return docs


def _extra_docs(rng: random.Random, folder: Folder, extra: Extra) -> list[list[str]]:
    w = extra.workload
    if extra.kind == "config":
        return _config_docs(rng, extra)
    if extra.kind == "netpol":
        return _netpol_docs(rng, folder)
    if extra.kind == "sa":
        return _sa_docs(rng, folder)
    if extra.kind == "ingress":
        docs = [_ingress_doc(rng, folder, "public")]
        return [*docs, _ingress_doc(rng, folder, "internal")] if rng.random() < 0.35 else docs
    if extra.kind == "rbac":
        return _rbac_docs(rng, folder)
    assert w is not None
    if extra.kind == "hpa":
        return [_hpa_doc(rng, w)]
    if extra.kind == "service":
        return [_service_doc(w)]
    return [_pdb_doc(w)]


def _kustomization(folder: Folder, files: list[str]) -> list[str]:
    return [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        f"namespace: {folder.namespace}",
        "labels:",
        "  - pairs:",
        f"      env: {folder.env}",
        "resources:",
        *[f"  - {name}" for name in files],
    ]


def _identity_docs(ident: Identity) -> list[list[str]]:
    rid = (
        f"/subscriptions/{ident.subscription}/resourceGroups/rg-{ident.team}-{ident.env}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami-{ident.name}"
    )
    meta = ["metadata:", "  name: {}", f"  namespace: {ident.namespace}"]
    return [
        [
            "apiVersion: aadpodidentity.k8s.io/v1",
            "kind: AzureIdentity",
            *[m.format(ident.name) for m in meta],
            "spec:",
            "  type: 0",
            f"  resourceID: {rid}",
            f"  clientID: {ident.client_id}",
        ],
        [
            "apiVersion: aadpodidentity.k8s.io/v1",
            "kind: AzureIdentityBinding",
            *[m.format(f"{ident.name}-binding") for m in meta],
            "spec:",
            f"  azureIdentity: {ident.name}",
            f"  selector: {ident.name}",
        ],
    ]


class Writer:
    """Writes files and keeps the counts."""

    def __init__(self, rng: random.Random, outdir: Path) -> None:
        self.rng = rng
        self.outdir = outdir
        self.counts = Counts()
        self.made: set[Path] = set()

    def write(self, rel: str, docs: list[list[str]], header: str | None = None) -> None:
        text = "---\n".join("\n".join(doc) + "\n" for doc in docs)
        roll = self.rng.random()
        if roll < 0.2:
            text = "---\n" + text
        if header and roll > 0.6:
            text = f"# {header}\n" + text
        path = self.outdir / rel
        if path.parent not in self.made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(path.parent)
        data = text.encode()
        path.write_bytes(data)
        c = self.counts
        c.files += 1
        c.documents += len(docs)
        c.bytes += len(data)
        if b"aadpodid" in data:
            c.files_mentioning_pi += 1
            c.files_with_pi_label += PI_LABEL.encode() in data

    def folder(self, folder: Folder) -> None:
        names: list[str] = []
        for w in folder.workloads:
            self.write(f"{folder.rel}/{w.filename}", _workload_docs(self.rng, w), w.name)
            names.append(w.filename)
        for extra in folder.extras:
            docs = _extra_docs(self.rng, folder, extra)
            self.write(f"{folder.rel}/{extra.filename}", docs, f"owned by team {folder.team}")
            names.append(extra.filename)
        self.write(f"{folder.rel}/kustomization.yaml", [_kustomization(folder, sorted(names))])

    def identities(self, team: str, idents: list[Identity]) -> None:
        docs = [doc for ident in idents for doc in _identity_docs(ident)]
        header = f"AAD Pod Identity objects for team {team}"
        self.write(f"teams/{team}/identity/pod-identity.yaml", docs, header)
        kustomization = [
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            "  - pod-identity.yaml",
        ]
        self.write(f"teams/{team}/identity/kustomization.yaml", [kustomization])
        self.counts.identities += len(idents)
        self.counts.bindings += len(idents)


# --------------------------------------------------------------------------------------------
# entry points


def generate(
    outdir: Path, files: int = 5000, changed: int = 500, identities: int = 500, seed: int = 1
) -> dict[str, int]:
    """Write the repository under ``outdir`` (must be empty or missing) and return its counts."""
    outdir = Path(outdir)
    if outdir.exists() and any(outdir.iterdir()):
        raise FileExistsError(f"{outdir} is not empty")
    if min(files, changed, identities) < 0:
        raise ValueError("counts must not be negative")
    rng = random.Random(seed)
    folders = _plan_folders(rng, files)
    n_hosting = _fit_budget(folders, files, identities)
    teams = list(dict.fromkeys(f.team for f in folders))
    hosting = teams[:n_hosting]
    for folder in folders:
        _plan_workloads(rng, folder)
        _plan_extras(rng, folder)
    pi = _pick_pi_workloads(rng, folders, changed, set(hosting))
    subs = {env: _guid(rng) for env in ENVS}
    slots = _identity_slots(rng, folders, pi, identities, hosting)
    idents = _assign_identities(rng, pi, slots, subs)
    _assign_service_accounts(rng, folders, shared=max(1, changed // 100) if changed else 0)

    writer = Writer(rng, outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        writer.folder(folder)
    for team in hosting:
        writer.identities(team, [i for i in idents if i.team == team])
    counts = writer.counts
    counts.namespaces = len({f.namespace for f in folders})
    counts.folders = len(folders) + len(hosting)
    return vars(counts).copy()


def repos_for_benchmark(repo: Path | None, sizes: Sequence[int], cache: Path) -> dict[int, Path]:
    """`{0: repo}` for --repo, else one repository per size under `cache`: `files` files,
    a tenth of them with the label, as many identities. Generated once (the output is
    deterministic), reused while `cache` is kept."""
    if repo is not None:
        return {0: repo}
    out = {}
    for files in sizes:
        path = cache / f"files-{files}"
        if not (path / ".complete").exists():
            if path.exists():
                import shutil

                shutil.rmtree(path)
            counts = generate(path, files, changed=files // 10, identities=files // 10)
            (path / ".complete").write_text(json.dumps(counts))
            print(
                f"generated {path}: {counts['files']} files, {counts['documents']} documents, "
                f"{counts['identities']} identities, {counts['files_with_pi_label']} labelled"
            )
        out[files] = path
    return out


def verify(outdir: Path) -> dict[str, int]:
    """Parse every ``.yaml`` file under ``outdir`` with the libyaml loader; return the counts."""
    import yaml  # only needed for the self-check

    counts = Counts()
    namespaces: set[str] = set()
    folders: set[Path] = set()
    for path in sorted(Path(outdir).rglob("*.yaml")):
        folders.add(path.parent)
        data = path.read_bytes()
        docs = [d for d in yaml.load_all(data, Loader=yaml.CSafeLoader) if d is not None]
        for doc in docs:
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                raise ValueError(f"{path}: document without kind/apiVersion")
            counts.identities += doc["kind"] == "AzureIdentity"
            counts.bindings += doc["kind"] == "AzureIdentityBinding"
            namespaces.add(doc.get("namespace") or (doc.get("metadata") or {}).get("namespace"))
        counts.files += 1
        counts.documents += len(docs)
        counts.bytes += len(data)
        if b"aadpodid" in data:
            counts.files_mentioning_pi += 1
            counts.files_with_pi_label += PI_LABEL.encode() in data
    counts.namespaces = len(namespaces - {None})
    counts.folders = len(folders)
    return vars(counts).copy()


def _size_summary(outdir: Path) -> str:
    sizes = sorted(p.stat().st_size for p in Path(outdir).rglob("*.yaml"))
    if not sizes:
        return "no files"

    def pct(p: float) -> int:
        return sizes[min(len(sizes) - 1, int(p * len(sizes)))]

    mean = sum(sizes) / len(sizes)
    return (
        f"file sizes: mean {mean:.0f} B, median {pct(0.5)} B, p90 {pct(0.9)} B, "
        f"p99 {pct(0.99)} B, max {sizes[-1]} B, >=10 KB: {sum(s >= 10_000 for s in sizes)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=500)
    parser.add_argument("--identities", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verify", action="store_true", help="parse every file afterwards")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        counts = generate(args.outdir, args.files, args.changed, args.identities, args.seed)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"generated in {time.perf_counter() - start:.2f}s: {json.dumps(counts)}")
    print(_size_summary(args.outdir))
    if args.verify:
        start = time.perf_counter()
        checked = verify(args.outdir)
        diff = {k: (v, checked[k]) for k, v in counts.items() if v != checked[k]}
        if diff:
            print(f"verify: MISMATCH {diff}", file=sys.stderr)
            return 1
        print(f"verify: all files parse with CSafeLoader ({time.perf_counter() - start:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
