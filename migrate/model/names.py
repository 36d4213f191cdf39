"""Names the migration creates: ServiceAccounts and federated credentials (docs/domain.md §2)."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Container, Mapping

from migrate.errors import UserError

FIC_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$")
FIC_MAX = 120
SA_MAX = 253  # a ServiceAccount name is a DNS-1123 subdomain
SA_FIELDS = ("selector", "namespace")
FIC_FIELDS = ("cluster", "namespace", "service_account", "selector", "identity")
SUBJECT_PREFIX = "system:serviceaccount:"
# Kubernetes names, ASCII only (Python's [a-z0-9] matches no look-alike); used with fullmatch
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
NAMESPACE = re.compile(_DNS_LABEL)  # DNS-1123 label, at most 63
SERVICE_ACCOUNT = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")  # DNS-1123 subdomain
NAMESPACE_MAX = 63
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# ARM: a resource group is 1-90 letters, digits, - _ . ( ), not ending in "."; an identity
# name 3-128 letters, digits, - and _, starting with a letter or digit
UAMI_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
    r"[0-9a-f]{12})/resourcegroups/(?P<resource_group>[-\w.()]{0,89}[-\w()])"
    r"/providers/microsoft\.managedidentity/userassignedidentities/"
    r"(?P<name>[a-z0-9][a-z0-9_-]{2,127})/?$",
    re.IGNORECASE | re.ASCII,
)
# Kubernetes names (k8s.io/apimachinery validation): a DNS-1123 label (namespaces) and a
# DNS-1123 subdomain (most object names, ServiceAccounts included); a label value
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def check_template(option: str, template: str, fields: tuple[str, ...]) -> None:
    """Validate a name template at the edge: only known {fields}."""
    try:
        used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as e:
        raise UserError(f"{option} {template!r}: {e}", "use {field} placeholders") from None
    unknown = [name for name in used if name not in fields]
    if unknown:
        raise UserError(
            f"{option} {template!r}: unknown field {{{unknown[0]}}}",
            "available fields: " + ", ".join("{" + f + "}" for f in fields),
        )


def fill(template: str, values: Mapping[str, str]) -> str:
    return template.format(**values)


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def dns_subdomain(text: str, fallback: str = "workload-identity") -> str:
    name = re.sub(r"[^a-z0-9.-]+", "-", text.lower())
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    if len(name) > SA_MAX:
        name = name[: SA_MAX - 9].rstrip("-.") + "-" + short_hash(text)
    return name or fallback


def unique(name: str, taken: Container[str]) -> str:
    """NAME, or NAME-wi, NAME-wi-2, ... : the first one not taken."""
    if name not in taken:
        return name
    candidates = [f"{name}-wi"] + [f"{name}-wi-{n}" for n in range(2, 1000)]
    return next(c for c in candidates if c not in taken)


def written(name: str, affixes: tuple[str, ...]) -> str:
    """NAME as a file writes it, when a kustomize build adds AFFIXES (prefix, suffix)."""
    if len(affixes) != 2:
        return name
    prefix, suffix = affixes
    if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
        return name[len(prefix) : len(name) - len(suffix)]
    return name


def credential_name(wanted: str) -> str:
    """Fit a federated credential name to Azure's rule, with a stable hash when cut."""
    name = re.sub(r"[^a-zA-Z0-9_-]+", "-", wanted).strip("-_")
    if not name or not name[0].isalnum():
        name = "fic-" + name
    if len(name) < 3:
        name = (name + "-fic")[:FIC_MAX]
    if len(name) > FIC_MAX:
        name = name[: FIC_MAX - 9].rstrip("-_") + "-" + short_hash(wanted)
    return name


def identity_name(text: str) -> str:
    """A user-assigned identity name (3-128 chars, letters, digits, - and _)."""
    name = re.sub(r"[^a-zA-Z0-9_-]+", "-", text).strip("-_")
    return (name if len(name) >= 3 else f"{name}-identity".strip("-"))[:128]


def is_guid(text: str) -> bool:
    return GUID.fullmatch(text) is not None


def is_namespace(text: str) -> bool:
    return DNS_LABEL.fullmatch(text) is not None


def is_object_name(text: str) -> bool:
    return len(text) <= SA_MAX and DNS_SUBDOMAIN.fullmatch(text) is not None


def is_label_value(text: str) -> bool:
    return len(text) <= 63 and LABEL_VALUE.fullmatch(text) is not None


def parse_identity_id(resource_id: str) -> dict[str, str] | None:
    match = UAMI_ID.match(resource_id.strip())
    return match.groupdict() if match else None


def namespace_problem(namespace: str) -> str:
    """Why NAMESPACE is not a Kubernetes namespace name, or ""."""
    if not NAMESPACE.fullmatch(namespace) or len(namespace) > NAMESPACE_MAX:
        return (
            f"namespace {namespace!r} is not a DNS-1123 label (lower-case a-z, 0-9 and '-', "
            f"at most {NAMESPACE_MAX})"
        )
    return ""


def service_account_problem(name: str) -> str:
    """Why NAME is not a ServiceAccount name, or ""."""
    if not SERVICE_ACCOUNT.fullmatch(name) or len(name) > SA_MAX:
        return (
            f"ServiceAccount name {name!r} is not a DNS-1123 subdomain (lower-case a-z, 0-9, "
            f"'-' and '.', at most {SA_MAX})"
        )
    return ""


def subject(namespace: str, account: str) -> str:
    return f"{SUBJECT_PREFIX}{namespace}:{account}"


def subject_problem(text: str) -> str:
    """Why TEXT is not the exact subject of one ServiceAccount, or "": the one check every
    federated credential passes where it is planned, rendered or written."""
    if not text.startswith(SUBJECT_PREFIX):
        return f"subject {text!r} does not start with {SUBJECT_PREFIX!r}"
    namespace, colon, account = text.removeprefix(SUBJECT_PREFIX).partition(":")
    problem = namespace_problem(namespace) or service_account_problem(account)
    if not colon or problem:
        return f"subject {text!r}: {problem or 'no ServiceAccount name'}"
    return ""
