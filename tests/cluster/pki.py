"""Certificates, service-account signing keys, static tokens and kubeconfigs for the control
plane, all generated per run into its work directory (nothing reused, nothing committed)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import trustme
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ADMIN = "admin"
MIGRATOR = "migrator"


@dataclass(frozen=True)
class Pki:
    ca: Path  # the CA that signed every serving certificate
    server_cert: Path  # 127.0.0.1 / localhost: API server and webhook
    server_key: Path
    sa_key: Path  # service-account token signing key (private)
    sa_pub: Path
    tokens: Path  # --token-auth-file
    token_of: dict[str, str]  # user -> bearer token
    ca_pem: bytes


def generate(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="wi-migrate real-cluster tests")
    server = authority.issue_cert("127.0.0.1", "localhost")
    paths = {name: folder / name for name in ("ca.crt", "server.crt", "server.key")}
    authority.cert_pem.write_to_path(str(paths["ca.crt"]))
    server.private_key_pem.write_to_path(str(paths["server.key"]))
    with paths["server.crt"].open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa_key, sa_pub = folder / "sa.key", folder / "sa.pub"
    sa_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    sa_pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

    token_of = {ADMIN: secrets.token_hex(16), MIGRATOR: secrets.token_hex(16)}
    tokens = folder / "tokens.csv"
    # token,user,uid,"groups": the admin is in system:masters, the migrator in no group, so
    # it holds only what tests bind to it (docs/clusterrole.yaml)
    tokens.write_text(
        f'{token_of[ADMIN]},{ADMIN},{ADMIN},"system:masters"\n'
        f"{token_of[MIGRATOR]},{MIGRATOR},{MIGRATOR}\n"
    )
    return Pki(
        ca=paths["ca.crt"],
        server_cert=paths["server.crt"],
        server_key=paths["server.key"],
        sa_key=sa_key,
        sa_pub=sa_pub,
        tokens=tokens,
        token_of=token_of,
        ca_pem=authority.cert_pem.bytes(),
    )


def write_kubeconfig(path: Path, server: str, ca: Path, user: str, token: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "real", "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "real", "user": user}}],
        "current-context": user,
    }
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path
