"""Where ARM and Entra are, per cloud, with explicit overrides for Azure Stack / private clouds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from migrate.errors import UserError

AUTHORITY_HOST_ENV = "AZURE_AUTHORITY_HOST"
# cloud name (as `az cloud list` spells it) -> (ARM endpoint, Entra authority host)
CLOUDS = {
    "AzureCloud": ("https://management.azure.com", "https://login.microsoftonline.com"),
    "AzureUSGovernment": (
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
    ),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
}
KNOWN_AUTHORITY_HOSTS = frozenset(urlparse(a).netloc for _, a in CLOUDS.values())


@dataclass(frozen=True)
class Endpoints:
    cloud: str
    arm: str  # https://management.azure.com (no trailing slash)
    authority: str  # https://login.microsoftonline.com (no trailing slash)

    @property
    def arm_scope(self) -> str:
        return f"{self.arm}/.default"

    @property
    def known_authority(self) -> bool:
        """False for a private cloud: MSAL must not ask the public cloud about its authority."""
        return urlparse(self.authority).netloc.lower() in KNOWN_AUTHORITY_HOSTS


def endpoints(cloud: str = "AzureCloud", arm_endpoint: str = "", authority: str = "") -> Endpoints:
    """The cloud's endpoints; --arm-endpoint, --authority and AZURE_AUTHORITY_HOST override."""
    if cloud not in CLOUDS:
        raise UserError(
            f"--cloud {cloud!r} is not a known cloud",
            f"use one of {', '.join(CLOUDS)}, or --arm-endpoint and --authority for a private "
            "cloud",
        )
    arm, default_authority = CLOUDS[cloud]
    chosen_authority = authority or os.environ.get(AUTHORITY_HOST_ENV, "") or default_authority
    return Endpoints(
        cloud=cloud,
        arm=_url("--arm-endpoint", arm_endpoint or arm),
        authority=_url("--authority" if authority else AUTHORITY_HOST_ENV, chosen_authority),
    )


def _url(option: str, value: str) -> str:
    url = value.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url}"
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise UserError(f"{option} {value!r} is not an https URL", "pass https://host[:port]")
    return url
