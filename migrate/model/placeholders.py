"""Template placeholders in names, namespaces and selectors: values a later step fills in.

`${VAR}` (envsubst, Flux Kustomization postBuild, Terraform templatefile), `{{ ... }}`
(Helm, Go templates), `%{ ... }` (Terraform directives) and `$(VAR)` (kustomize vars,
Kubernetes env). The text written is not the name Kubernetes will see, so nothing is
created, patched or deleted from it; it may stand for any value, which is what
`could_be` answers (docs/gitops-guide.md, templated files).
"""

from __future__ import annotations

import functools
import re

PLACEHOLDER = re.compile(r"\$\{[^}]*\}|\{\{.*?\}\}|%\{[^}]*\}|\$\([^)]*\)", re.S)
# ${VAR}, ${VAR:=default}, ${VAR:-default}, ${VAR=default}: the variable and its default
VARIABLE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::?[=-](.*?))?\s*\}")


def find(text: str) -> str:
    """The first placeholder in TEXT, or ""."""
    match = PLACEHOLDER.search(text)
    return match.group(0) if match else ""


def could_be(written: str, value: str) -> bool:
    """Whether WRITTEN, once its placeholders are filled in, could be VALUE."""
    if not find(written):
        return written == value
    if "{{" in written or "%{" in written:
        return True  # a template directive may choose or drop the text around it
    return _pattern(written).fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def _pattern(written: str) -> re.Pattern[str]:
    """WRITTEN with each placeholder standing for any text."""
    return re.compile(".*".join(re.escape(part) for part in PLACEHOLDER.split(written)), re.S)


def variables(text: str) -> list[tuple[str, str | None]]:
    """(name, default or None) of each ${VAR} placeholder in TEXT, in order."""
    return [(m.group(1), m.group(2)) for m in VARIABLE.finditer(text)]


def substitute(text: str, values: dict[str, str]) -> str:
    """TEXT with each ${VAR} given in VALUES (or by its default) filled in, as Flux does."""

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in values:
            return values[name]
        return default if default is not None else match.group(0)

    return VARIABLE.sub(one, text)
