"""Click options shared by the commands that reach Azure (no SDK import here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from migrate.azure.clouds import CLOUDS
from migrate.azure.context import DEFAULT_CONCURRENCY, AzureContext

F = TypeVar("F", bound=Callable[..., Any])

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


def azure_options(f: F) -> F:
    for option in reversed(AZURE_OPTIONS):
        f = option(f)
    return f


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
