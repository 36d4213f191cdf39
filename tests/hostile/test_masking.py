"""Source lines quoted in findings never carry a secret: values that look like one are
masked, wherever the finding is shown (table, json, markdown, rewrite's stderr)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile.manifests import ARGS, repo_with

CLIENT_SECRET = "Xy8Q~k3Jd9vQ2mZpL0wE7rT5yU1iO4aS6dF8gH0j"
TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
BASE64 = "WHk4UX5rM0pkOXZRMm1acEwwd0U3clQ1eVUxaU80YVM2ZEY4Z0gwag=="
PASSWORD = "Tr0ub4dor&3-horse"
SECRETS = (CLIENT_SECRET, TOKEN, BASE64, PASSWORD)

# not valid YAML (an unclosed flow sequence at the end), so its lines are quoted as they are
BROKEN = f"""\
# AzureIdentity for the legacy reporting job; aadpodidentity sp secret: {CLIENT_SECRET}
apiVersion: v1
kind: Secret
metadata:
  name: aadpodidentity-legacy-sp
type: Opaque
data:
  aadpodidentity-client-secret: {BASE64}
stringData:
  aadpodidentity-password: "{PASSWORD}"
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: legacy-sp
spec:
  type: 1
  clientPassword: {{name: aadpodidentity-legacy-sp, key: {PASSWORD}}}
---
# helm --set podLabels="aadpodidbinding=legacy,token={TOKEN}"
kind: ConfigMap
data: [unclosed
"""


@pytest.mark.parametrize("output", ["table", "json", "markdown"])
def test_secrets_in_quoted_lines_are_masked(
    tmp_path: Path, monkeypatch: Any, run_cli: Any, output: str
) -> None:
    repo_with(tmp_path / "repo", {"legacy.yaml": BROKEN})
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("plan", "repo", "-o", output, *ARGS)
    assert code == 1
    shown = out + err
    assert "invalid-yaml" in shown
    for secret in SECRETS:
        assert secret not in shown.replace("\n", "").replace(" ", "").replace("│", ""), secret
    flat = " ".join(shown.split())
    assert "aadpodidentity-client-secret: ***" in flat.replace("│ ", "").replace(" │", "")


def test_masked_in_rewrite_output_too(tmp_path: Path, monkeypatch: Any, run_cli: Any) -> None:
    repo_with(tmp_path / "repo", {"legacy.yaml": BROKEN})
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("rewrite", "repo", "--stage", "all", *ARGS)
    assert code == 1
    assert "legacy.yaml" in err
    for secret in SECRETS:
        assert secret not in out + err
    assert "8: aadpodidentity-client-secret: ***" in err
    assert "1: # AzureIdentity for the legacy reporting job; aadpodidentity sp secret: ***" in err


def test_secret_data_masks_every_line_of_a_secret_value_and_nothing_else() -> None:
    from migrate.read.masking import secret_data

    text = (
        "apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  plain: shown\r\n---\r\n"
        f"data:\r\n  key: {BASE64}\r\n  cert.pem: |\r\n    {CLIENT_SECRET}\r\n"
        "kind: Secret\r\nstringData: {password: x1}\r\n"
        f'metadata:\r\n  name: s\r\n---\r\n- kind: Secret\r\n  stringData:\r\n    p: "{PASSWORD}"\r\n'
    )
    masked = "".join(secret_data(text.splitlines(True)))
    assert [s for s in SECRETS if s in masked] == []
    assert masked == (
        "apiVersion: v1\r\nkind: ConfigMap\r\ndata:\r\n  plain: shown\r\n---\r\n"
        "data:\r\n  key: ***\r\n  cert.pem: ***\r\n    ***\r\n"
        "kind: Secret\r\nstringData: ***\r\n"
        "metadata:\r\n  name: s\r\n---\r\n- kind: Secret\r\n  stringData:\r\n    p: ***\r\n"
    )


def test_secret_data_in_json_is_masked_too() -> None:
    from migrate.read.masking import secret_data

    pretty = (
        f'{{\n  "apiVersion": "v1",\n  "kind": "Secret",\n  "data": {{\n    "key": "{BASE64}"\n'
        '  },\n  "metadata": {"name": "s"}\n}\n'
    )
    minified = f'{{"apiVersion":"v1","kind":"Secret","stringData":{{"p":"{PASSWORD}"}}}}\n'
    for text in (pretty, minified):
        masked = "".join(secret_data(text.splitlines(True)))
        assert [s for s in SECRETS if s in masked] == [], masked
    assert "".join(secret_data(minified.splitlines(True))) == (
        '{"apiVersion":"v1","kind":"Secret","stringData":***\n'
    )
