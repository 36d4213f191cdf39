"""Hand-written inputs for the hostile-input tests, and how the tests run the CLI on them.

BASE is one team's three objects as teams usually write them: an AzureIdentity for a
user-assigned identity, its binding, and a Deployment whose pod template carries the
selector. Each test changes one thing in it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ISSUER = "https://eastus.oic.prod-aks.azure.com/11111111-2222-4333-8444-555555555555/"
ARGS = ("--issuer", ISSUER, "--cluster-name", "aks1")
SUBJECT = re.compile(
    r"system:serviceaccount:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?:"
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
)

BASE = """\
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: orders
  namespace: shop
spec:
  type: 0
  resourceID: /subscriptions/6f1d2c3b-4a59-4e8f-9a01-2b3c4d5e6f70/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders
  clientID: 3f1c9a2e-5b7d-4e8f-9a01-2b3c4d5e6f70
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: orders-binding
  namespace: shop
spec:
  azureIdentity: orders
  selector: orders
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: orders-api
  template:
    metadata:
      labels:
        app: orders-api
        aadpodidbinding: orders
    spec:
      containers:
        - name: api
          image: contoso.azurecr.io/orders-api:2.4.1
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing NEEDLE."""
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in the text")


def repo_with(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ROOT (symlinks as their link text), byte for byte."""
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = b"-> " + str(p.readlink()).encode()
        elif p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def plan_json(run_cli: Any, *paths: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run_cli("plan", *paths, "-o", "json", *ARGS)
    assert "Traceback" not in err and "internal error" not in err, err
    return code, json.loads(out) if out.strip() else {}, err


def findings(plan: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in plan.get("findings", []) if f["code"] == code]


def where(finding: dict[str, Any]) -> str:
    origin = finding["origin"]
    return f"{origin['file']}:{origin['line']}"


def actions(plan: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in plan.get("actions", []) if a["type"] == kind]
