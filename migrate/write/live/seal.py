"""The operator's state directory and the seal on the cluster journal (docs/security.md).

Everything a live run keeps on the operator's machine (the local journal, whose before-images
are copies of cluster objects, and the journal key) lives in one state directory: `--state-dir`,
else `$XDG_STATE_HOME/wi-migrate`, else `~/.local/state/wi-migrate`; the directory is 0700
and every file 0600. Each stage document of the journal is sealed with an HMAC-SHA256 under a
random key that never leaves that directory: whoever may edit the ConfigMap in the cluster
cannot write an entry rollback or a resumed run would accept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from migrate.errors import UserError

KEY_FILE = "journal.key"
APP = "wi-migrate"


def state_dir(given: str = "") -> Path:
    if given:
        return Path(given)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP


def write_private(path: Path, text: str) -> None:
    """Write TEXT to PATH readable by its owner only (0600, in a 0700 folder), atomically."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as e:
        raise UserError(
            f"{path}: cannot write the local state: {e.strerror or e}",
            "pass --state-dir DIR on a writable disk",
        ) from None


class Seal:
    """HMAC of stage documents under the state directory's key (made on first use)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / KEY_FILE
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            if not self.path.exists():
                write_private(self.path, secrets.token_hex(32) + "\n")
            self._key = bytes.fromhex(self.path.read_text().strip())
        return self._key

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:12]

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in document.items() if k != "mac"}
        body["key"] = self.key_id
        return {**body, "mac": self._mac(body)}

    def problem(self, stage: str, document: Any) -> str:
        """Why DOCUMENT is not a stage document this state directory sealed, or ""."""
        if not isinstance(document, dict) or document.get("stage") != stage:
            return "it is not a journal stage document"
        body = {k: v for k, v in document.items() if k != "mac"}
        if body.get("key") != self.key_id:
            return (
                f"it was sealed with the key {body.get('key') or '(none)'}, this state "
                f"directory holds {self.key_id} ({self.path})"
            )
        if not hmac.compare_digest(str(document.get("mac", "")), self._mac(body)):
            return "its seal does not match: it was edited after this tool wrote it"
        return ""

    def _mac(self, body: dict[str, Any]) -> str:
        data = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()
