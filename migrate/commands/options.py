"""Options shared by every command that plans: they become one frozen Settings value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from migrate.model import names
from migrate.model.plan import Settings

F = TypeVar("F", bound=Callable[..., Any])

PLANNING_OPTIONS = [
    click.option(
        "--issuer",
        default="",
        metavar="URL",
        help="The cluster's OIDC issuer URL, exactly as published (AKS: trailing /).",
    ),
    click.option(
        "--cluster-name",
        default="",
        metavar="NAME",
        help="Cluster name used in federated credential names.",
    ),
    click.option(
        "--sa-name",
        default="{selector}",
        show_default=True,
        metavar="TEMPLATE",
        help="Name of new ServiceAccounts; fields {selector} {namespace}.",
    ),
    click.option(
        "--fic-name",
        default="{cluster}-{namespace}-{service_account}",
        show_default=True,
        metavar="TEMPLATE",
        help="Federated credential name; fields {cluster} {namespace} "
        "{service_account} {selector} {identity}.",
    ),
    click.option(
        "--force-namespaced",
        is_flag=True,
        help="Bindings serve only their own namespace (PI ran with --forceNamespaced, "
        "managed mode or the AKS add-on).",
    ),
    click.option(
        "--proxy-sidecar",
        is_flag=True,
        help="Add the migration proxy sidecar annotations to switched workloads.",
    ),
    click.option(
        "--proxy-sidecar-port",
        default=8000,
        show_default=True,
        type=int,
        help="Port of the proxy sidecar.",
    ),
    click.option(
        "--identity-resource-group",
        default="",
        metavar="RG",
        help="Resource group for identities created for service principals.",
    ),
    click.option(
        "-n",
        "--namespace",
        "default_namespace",
        default="",
        metavar="NS",
        help="Namespace of objects that name none (after kustomization.yaml).",
    ),
]


def planning_options(f: F) -> F:
    for option in reversed(PLANNING_OPTIONS):
        f = option(f)
    return f


def settings(
    issuer: str,
    cluster_name: str,
    sa_name: str,
    fic_name: str,
    force_namespaced: bool,
    proxy_sidecar: bool,
    proxy_sidecar_port: int,
    identity_resource_group: str,
    **_: Any,
) -> Settings:
    """Validate the planning options once, at the edge."""
    names.check_template("--sa-name", sa_name, names.SA_FIELDS)
    names.check_template("--fic-name", fic_name, names.FIC_FIELDS)
    return Settings(
        issuer=issuer,
        cluster_name=cluster_name,
        sa_name=sa_name,
        fic_name=fic_name,
        force_namespaced=force_namespaced,
        proxy_sidecar=proxy_sidecar,
        proxy_sidecar_port=proxy_sidecar_port,
        identity_resource_group=identity_resource_group,
    )
