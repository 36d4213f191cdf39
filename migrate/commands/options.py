"""The option groups commands share, each declared once: planning (they become one frozen
Settings value), cluster (which kubeconfig and context) and journal (where a live run keeps it).
and azure (which cloud and subscription; no SDK is imported here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from migrate.azure.clouds import CLOUDS
from migrate.azure.context import DEFAULT_CONCURRENCY, AzureContext
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


CLUSTER_OPTIONS = [
    click.option("--kubeconfig", default="", metavar="FILE", help="kubeconfig file."),
    click.option(
        "--context", "kube_context", default="", metavar="NAME", help="kubeconfig context."
    ),
]

AZURE_OPTIONS = [
    click.option(
        "--subscription",
        default="",
        envvar="AZURE_SUBSCRIPTION_ID",
        metavar="ID",
        help="Subscription for new identities and --aks (identities in the plan carry their "
        "own). Env: AZURE_SUBSCRIPTION_ID.",
    ),
    click.option(
        "--cloud",
        type=click.Choice(list(CLOUDS)),
        default="AzureCloud",
        show_default=True,
        help="Sovereign cloud: sets the ARM endpoint and the Entra authority.",
    ),
    click.option(
        "--arm-endpoint",
        default="",
        metavar="URL",
        help="ARM endpoint of a private cloud / Azure Stack (overrides --cloud).",
    ),
    click.option(
        "--authority",
        default="",
        metavar="URL",
        help="Entra authority host (overrides --cloud and AZURE_AUTHORITY_HOST). A custom CA "
        "bundle comes from REQUESTS_CA_BUNDLE.",
    ),
    click.option(
        "--azure-concurrency",
        default=DEFAULT_CONCURRENCY,
        show_default=True,
        type=click.IntRange(1, 64),
        help="Identities written in parallel (writes on one identity are always sequential).",
    ),
]


JOURNAL_OPTIONS = [
    click.option(
        "--state-dir",
        default="",
        metavar="DIR",
        help="Where this machine keeps the local journal and its key (private to you; default "
        "$XDG_STATE_HOME/wi-migrate, else ~/.local/state/wi-migrate).",
    ),
    click.option(
        "--journal-namespace",
        default="kube-system",
        show_default=True,
        metavar="NS",
        help="Namespace of the ConfigMap wi-migrate-journal.",
    ),
]


def _group(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


planning_options = _group(PLANNING_OPTIONS)
cluster_options = _group(CLUSTER_OPTIONS)
journal_options = _group(JOURNAL_OPTIONS)
azure_options = _group(AZURE_OPTIONS)


def settings(
    issuer: str,
    cluster_name: str,
    sa_name: str,
    fic_name: str,
    force_namespaced: bool,
    proxy_sidecar: bool,
    proxy_sidecar_port: int,
    identity_resource_group: str,
    default_namespace: str,
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
        default_namespace=default_namespace,
    )


def azure_context(
    subscription: str,
    cloud: str,
    arm_endpoint: str,
    authority: str,
    azure_concurrency: int,
    **_: Any,
) -> AzureContext:
    from migrate.azure.context import connect

    return connect(
        subscription=subscription,
        cloud=cloud,
        arm_endpoint=arm_endpoint,
        authority=authority,
        concurrency=azure_concurrency,
    )
