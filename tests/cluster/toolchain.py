"""Build the real control plane's binaries from their Go modules, once, into a cache.

The modules in tests/cluster/modules/ pin each component (go.mod + go.sum, ours); the
binaries go to ``$WI_MIGRATE_CLUSTER_CACHE`` (default ``~/.cache/wi-migrate/cluster``), each
module's under a directory named by a hash of its files and the Go version, so a pin change
builds that module afresh and an unchanged one is reused. Nothing prebuilt is downloaded: ``go`` fetches module
sources through the module proxy and compiles them here.

    python -m tests.cluster.toolchain          # build what is missing, print where each is
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MODULES = Path(__file__).resolve().parent / "modules"
KUBERNETES_VERSION = "v1.34.4"
_VERSION_FLAGS = " ".join(
    f"-X k8s.io/component-base/version.{name}={value}"
    for name, value in (
        ("gitVersion", KUBERNETES_VERSION),
        ("gitMajor", "1"),
        ("gitMinor", "34"),
        ("gitTreeState", "clean"),
    )
)


@dataclass(frozen=True)
class Binary:
    name: str
    module: str  # folder under modules/
    package: str  # what `go build` compiles
    ldflags: str = ""
    minutes: int = 2  # a cold build on 2 cores, roughly, to tell the user


BINARIES = (
    Binary("etcd", "etcd", "go.etcd.io/etcd/server/v3", minutes=3),
    Binary(
        "kube-apiserver",
        "kubernetes",
        "k8s.io/kubernetes/cmd/kube-apiserver",
        _VERSION_FLAGS,
        minutes=15,
    ),
    Binary(
        "kube-controller-manager",
        "kubernetes",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        _VERSION_FLAGS,
        minutes=8,
    ),
    Binary(
        "kube-scheduler",
        "kubernetes",
        "k8s.io/kubernetes/cmd/kube-scheduler",
        _VERSION_FLAGS,
        minutes=3,
    ),
    Binary("kwok", "kwok", "sigs.k8s.io/kwok/cmd/kwok", minutes=4),
    Binary("webhook", "webhook", ".", minutes=3),
)


class ToolchainError(Exception):
    """Go is missing or a build failed; the message says which and why."""


def cache_root() -> Path:
    configured = os.environ.get("WI_MIGRATE_CLUSTER_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "wi-migrate" / "cluster"


def go_version() -> str:
    if shutil.which("go") is None:
        raise ToolchainError("the Go toolchain (`go`) is not on PATH")
    done = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ToolchainError(f"`go env GOVERSION` failed: {done.stderr.strip()}")
    return done.stdout.strip()


def pin_hash(module: str, go: str) -> str:
    """Hash of a module's pinned files and the Go version: its cache directory's name."""
    digest = hashlib.sha256(go.encode())
    folder = MODULES / module
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return f"{module}-{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class Binaries:
    """Where each built binary is (by name)."""

    paths: dict[str, Path]

    def __getitem__(self, name: str) -> Path:
        return self.paths[name]


def locate() -> Binaries:
    """Where the current pins' binaries are (or will be). Raises ToolchainError without Go."""
    go, root = go_version(), cache_root()
    hashes = {b.module: pin_hash(b.module, go) for b in BINARIES}
    return Binaries({b.name: root / hashes[b.module] / "bin" / b.name for b in BINARIES})


def missing() -> list[Binary]:
    """The binaries not built yet for the current pins."""
    paths = locate()
    return [b for b in BINARIES if not paths[b.name].is_file()]


def ensure(log: object = None) -> Binaries:
    """Build every missing binary and return where they all are. `log` is a text stream for
    progress lines (default stderr)."""
    stream = log if log is not None else sys.stderr
    paths = locate()
    todo = missing()
    if todo:
        names = ", ".join(b.name for b in todo)
        _say(
            stream,
            f"real cluster: building {names} into {cache_root()} (first use: long, an hour on a busy 2-core machine)",
        )
    for index, binary in enumerate(todo, 1):
        _say(
            stream,
            f"real cluster: [{index}/{len(todo)}] go build {binary.package} "
            f"(cold ~{binary.minutes} min) ...",
        )
        started = time.monotonic()
        _build(binary, paths[binary.name])
        _say(
            stream, f"real cluster: [{index}/{len(todo)}] {binary.name} built in {_since(started)}"
        )
    return paths


def _build(binary: Binary, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{binary.name}.partial")
    argv = ["nice", "-n", "15", "go", "build", "-trimpath", "-mod=readonly", "-o", str(partial)]
    if binary.ldflags:
        argv += ["-ldflags", binary.ldflags]
    argv.append(binary.package)
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}
    done = subprocess.run(
        argv, cwd=MODULES / binary.module, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-25:])
        raise ToolchainError(f"building {binary.name} ({binary.package}) failed:\n{tail}")
    partial.replace(target)


def _say(stream: object, line: str) -> None:
    print(line, file=stream, flush=True)  # type: ignore[call-overload]


def _since(started: float) -> str:
    seconds = int(time.monotonic() - started)
    return f"{seconds // 60}m{seconds % 60:02d}s"


if __name__ == "__main__":
    try:
        for name, path in ensure().paths.items():
            print(f"{name}: {path}")
    except ToolchainError as error:
        print(f"real cluster: {error}", file=sys.stderr)
        sys.exit(1)
