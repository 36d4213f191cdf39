"""The tests' own admin access to the real control plane: the `kubernetes` dynamic client as
`admin` (system:masters), for seeding and for reading what the CLI left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubernetes import config as kube_config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

Json = dict[str, Any]


class Admin:
    def __init__(self, kubeconfig: Path) -> None:
        self.api = kube_config.new_client_from_config(config_file=str(kubeconfig))
        self.dynamic = DynamicClient(self.api)

    def close(self) -> None:
        self.api.close()

    def resource(self, api_version: str, kind: str) -> Any:
        try:
            return self.dynamic.resources.get(api_version=api_version, kind=kind)
        except Exception:
            self.dynamic.resources.invalidate_cache()  # a CRD registered since the last lookup
            return self.dynamic.resources.get(api_version=api_version, kind=kind)

    def create(self, obj: Json) -> Json:
        resource = self.resource(obj["apiVersion"], obj["kind"])
        namespace = obj["metadata"].get("namespace")
        created: Json = resource.create(body=obj, namespace=namespace).to_dict()
        return created

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Json | None:
        try:
            found: Json = (
                self.resource(api_version, kind).get(name=name, namespace=namespace).to_dict()
            )
        except NotFoundError:
            return None
        return found

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[Json]:
        listed = self.resource(api_version, kind).get(
            namespace=namespace, label_selector=label_selector
        )
        items: list[Json] = listed.to_dict()["items"]
        return items

    def patch(
        self, obj: Json, patch: Json, content_type: str = "application/merge-patch+json"
    ) -> Json:
        resource = self.resource(obj["apiVersion"], obj["kind"])
        patched: Json = resource.patch(
            name=obj["metadata"]["name"],
            namespace=obj["metadata"].get("namespace"),
            body=patch,
            content_type=content_type,
        ).to_dict()
        return patched

    def delete(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> bool:
        try:
            self.resource(api_version, kind).delete(name=name, namespace=namespace)
        except (NotFoundError, ApiException) as error:
            if getattr(error, "status", None) == 404:
                return False
            raise
        return True
