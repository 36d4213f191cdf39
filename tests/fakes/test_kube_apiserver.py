"""The kube Kubernetes API server, exercised through the real `kubernetes` client."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import urllib3
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient

from tests.fakes.kube_apiserver import FakeKubeApiServer, RecordedRequest
from tests.fakes.kube_patch import PatchError, json_patch, merge_patch, strategic_merge_patch

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PI_GROUP = "aadpodidentity.k8s.io"


@pytest.fixture
def api(kube: FakeKubeApiServer) -> Iterator[client.ApiClient]:
    with kube.api_client() as api_client:
        yield api_client


def pod(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]},
    }


def deployment(name: str = "web", **template_labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name, **template_labels}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]},
                        {"name": "sidecar", "image": "proxy:1"},
                    ]
                },
            },
        },
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def raw(
    kube: FakeKubeApiServer,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", kube.port, timeout=5)
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, payload, {"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


# --- patch algorithms (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [  # RFC 7386 appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        (["a", "b"], {"a": "b"}, {"a": "b"}),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ],
)
def test_merge_patch(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_strategic_merge_patch_directives() -> None:
    target = {
        "metadata": {"finalizers": ["a"], "labels": {"x": "1"}},
        "spec": {
            "volumes": [{"name": "v1", "secret": {"secretName": "s"}}, {"name": "v2"}],
            "tolerations": [{"key": "a"}],
        },
    }
    patch = {
        "metadata": {"finalizers": ["b", "a"], "labels": {"$patch": "replace", "y": "2"}},
        "spec": {
            "volumes": [{"name": "v1", "secret": {"optional": True}}, {"name": "v3"}],
            "tolerations": [{"key": "b"}],
            "$setElementOrder/volumes": [{"name": "v1"}],
        },
    }
    assert strategic_merge_patch(target, patch) == {
        "metadata": {"finalizers": ["a", "b"], "labels": {"y": "2"}},
        "spec": {
            "volumes": [
                {"name": "v1", "secret": {"secretName": "s", "optional": True}},
                {"name": "v2"},
                {"name": "v3"},
            ],
            "tolerations": [{"key": "b"}],
        },
    }
    removed = strategic_merge_patch(
        target, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    )
    assert removed["metadata"]["finalizers"] == []
    assert target["metadata"]["finalizers"] == ["a"]  # inputs are never modified


def test_json_patch_operations() -> None:
    document = {"a": {"b": [1, 2]}, "c": "x"}
    operations = [
        {"op": "add", "path": "/a/b/-", "value": 3},
        {"op": "add", "path": "/a/b/0", "value": 0},
        {"op": "copy", "from": "/c", "path": "/d"},
        {"op": "move", "from": "/c", "path": "/e"},
        {"op": "test", "path": "/a/b", "value": [0, 1, 2, 3]},
    ]
    assert json_patch(document, operations) == {"a": {"b": [0, 1, 2, 3]}, "d": "x", "e": "x"}
    assert document == {"a": {"b": [1, 2]}, "c": "x"}
    with pytest.raises(PatchError):
        json_patch(document, [{"op": "replace", "path": "/missing", "value": 1}])


# --- discovery and clients -------------------------------------------------------------------


def test_discovery_documents(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    assert client.VersionApi(api).get_code().git_version == "v1.31.2"
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]
    groups = {g.name: g for g in client.ApisApi(api).get_api_versions().groups}
    assert {"apps", "batch", PI_GROUP, "secrets-store.csi.x-k8s.io"} <= set(groups)
    assert groups[PI_GROUP].preferred_version.group_version == f"{PI_GROUP}/v1"
    core = {r.name: r for r in client.CoreV1Api(api).get_api_resources().resources}
    assert core["namespaces"].namespaced is False
    assert core["serviceaccounts/token"].kind == "TokenRequest"
    rbac = {r.name: r for r in client.RbacAuthorizationV1Api(api).get_api_resources().resources}
    assert rbac["clusterrolebindings"].namespaced is False
    assert "patch" in rbac["rolebindings"].verbs


def test_dynamic_client_discovers_custom_kinds(
    kube: FakeKubeApiServer, api: client.ApiClient, tmp_path: Path
) -> None:
    dynamic = DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))
    identities = dynamic.resources.get(api_version=f"{PI_GROUP}/v1", kind="AzureIdentity")
    identities.create(
        body={"apiVersion": f"{PI_GROUP}/v1", "kind": "AzureIdentity", "metadata": {"name": "id"}},
        namespace="default",
    )
    assert [i.metadata.name for i in identities.get(namespace="default").items] == ["id"]


def test_kubeconfig_points_at_the_fake(kube: FakeKubeApiServer, tmp_path: Path) -> None:
    path = kube.write_kubeconfig(tmp_path / "kubeconfig", context="aks-dev")
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(path), context="aks-dev", client_configuration=configuration
    )
    with client.ApiClient(configuration) as api:
        names = [n.metadata.name for n in client.CoreV1Api(api).list_namespace().items]
    assert names == ["default", "kube-public", "kube-system"]


def test_openid_documents_publish_the_issuer_and_keys(kube: FakeKubeApiServer) -> None:
    with urllib.request.urlopen(f"{kube.url}/.well-known/openid-configuration") as response:
        document = json.load(response)
    assert document["issuer"] == kube.issuer == f"{kube.url}/"
    with urllib.request.urlopen(document["jwks_uri"]) as response:
        assert json.load(response) == kube.jwks()


def test_the_jwks_is_served_as_a_jwk_set_only(kube: FakeKubeApiServer) -> None:
    """As the real API server: Accept: application/json gets 406 (docs/testing.md)."""
    url = f"{kube.url}/openid/v1/jwks"
    jwk_set = urllib.request.Request(url, headers={"Accept": "application/jwk-set+json"})
    with urllib.request.urlopen(jwk_set) as response:
        assert json.load(response) == kube.jwks()
    plain_json = urllib.request.Request(url, headers={"Accept": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain_json)
    assert refused.value.code == 406


def crd(group: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}", "annotations": annotations or {}},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
    }


def test_a_crd_in_a_protected_group_needs_the_approval_annotation(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    """*.k8s.io and *.kubernetes.io groups need api-approved.kubernetes.io, as on a real
    server (which refused the project's own Pod Identity CRDs before they carried it)."""
    crds = client.ApiextensionsV1Api(api)
    with pytest.raises(client.ApiException) as refused:
        crds.create_custom_resource_definition(crd(PI_GROUP))
    assert refused.value.status == 422
    assert "metadata.annotations[api-approved.kubernetes.io]: Required value" in refused.value.body
    crds.create_custom_resource_definition(
        crd(PI_GROUP, {"api-approved.kubernetes.io": "unapproved"})
    )
    crds.create_custom_resource_definition(crd("secrets-store.csi.x-k8s.io"))  # not protected


# --- reads, writes, conflicts ----------------------------------------------------------------


def test_create_get_list_and_delete(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    created = core.create_namespaced_pod("default", pod("web-1", app="web"))
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert created.metadata.generation == 1
    read = core.read_namespaced_pod("web-1", "default")
    assert read.metadata.resource_version == created.metadata.resource_version
    listed = core.list_namespaced_pod("default")
    assert listed.kind == "PodList" and listed.api_version == "v1"
    assert [p.metadata.name for p in listed.items] == ["web-1"]
    assert core.delete_namespaced_pod("web-1", "default").metadata.name == "web-1"
    assert kube.get("Pod", "web-1") is None
    core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}})
    status = core.delete_namespaced_config_map("cm", "default")
    assert (status["kind"], status["status"]) == ("Status", "Success")


def test_every_write_bumps_the_global_resource_version(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    first = core.create_namespaced_config_map("default", {"metadata": {"name": "a"}})
    second = core.create_namespaced_config_map("default", {"metadata": {"name": "b"}})
    patched = core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}})
    versions = [int(o.metadata.resource_version) for o in (first, second, patched)]
    assert versions == sorted(versions) and len(set(versions)) == 3
    unchanged = core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}})
    assert unchanged.metadata.resource_version == patched.metadata.resource_version


def test_duplicate_create_is_409_already_exists(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_service_account("default", {"metadata": {"name": "app"}})
    with pytest.raises(client.ApiException) as error:
        core.create_namespaced_service_account("default", {"metadata": {"name": "app"}})
    assert error.value.status == 409
    assert json.loads(error.value.body)["reason"] == "AlreadyExists"


def test_stale_update_is_409_conflict(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    stale = apps.create_namespaced_deployment("default", deployment())
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"a": "b"}}})
    stale.metadata.labels = {"team": "x"}
    with pytest.raises(client.ApiException) as error:
        apps.replace_namespaced_deployment("web", "default", stale)
    assert error.value.status == 409
    assert json.loads(error.value.body)["reason"] == "Conflict"
    version = stale.metadata.resource_version
    with pytest.raises(client.ApiException) as error:
        apps.patch_namespaced_deployment(
            "web", "default", {"metadata": {"resourceVersion": version}}, _content_type=MERGE
        )
    assert error.value.status == 409


def test_replace_with_current_resource_version(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    current = apps.create_namespaced_deployment("default", deployment())
    current.spec.replicas = 3
    replaced = apps.replace_namespaced_deployment("web", "default", current)
    assert replaced.spec.replicas == 3 and replaced.metadata.generation == 2


def test_missing_object_is_404_with_a_status_body(api: client.ApiClient) -> None:
    with pytest.raises(client.ApiException) as error:
        client.AppsV1Api(api).read_namespaced_deployment("nope", "default")
    assert error.value.status == 404
    assert json.loads(error.value.body) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'deployments.apps "nope" not found',
        "reason": "NotFound",
        "code": 404,
        "details": {"name": "nope", "group": "apps", "kind": "deployments"},
    }


def test_missing_name_is_422_and_missing_namespace_404(api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    with pytest.raises(client.ApiException) as error:
        core.create_namespaced_config_map("default", {"metadata": {"labels": {"a": "b"}}})
    assert error.value.status == 422
    assert json.loads(error.value.body)["reason"] == "Invalid"
    with pytest.raises(client.ApiException) as error:
        core.create_namespaced_config_map("ghost", {"metadata": {"name": "cm"}})
    assert error.value.status == 404


def test_workload_validation_matches_the_api_server(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    apps = client.AppsV1Api(api)
    mismatched = deployment()
    mismatched["spec"]["template"]["metadata"]["labels"] = {"other": "x"}
    with pytest.raises(client.ApiException) as error:
        apps.create_namespaced_deployment("default", mismatched)
    assert error.value.status == 422
    assert "`selector` does not match template `labels`" in error.value.body
    apps.create_namespaced_deployment("default", deployment(aadpodidbinding="web-id"))
    new_selector = {"spec": {"selector": {"matchLabels": {"aadpodidbinding": "web-id"}}}}
    with pytest.raises(client.ApiException) as error:
        apps.patch_namespaced_deployment("web", "default", new_selector)
    assert error.value.status == 422 and "field is immutable" in error.value.body
    # docs/domain.md: an unquoted `true` label value is a boolean, which the API server rejects.
    boolean = deployment("api")
    boolean["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] = True
    status, body = raw(kube, "POST", "/apis/apps/v1/namespaces/default/deployments", boolean)
    assert (status, body["reason"]) == (400, "BadRequest")
    assert "spec.template.metadata.labels of type string" in body["message"]


# --- lists -----------------------------------------------------------------------------------


def test_paging_with_continue_across_many_objects(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    kube.seed(namespace(f"ns-{n}") for n in range(7))
    kube.seed(pod(f"pod-{i:04}", f"ns-{i % 7}") for i in range(1234))
    core = client.CoreV1Api(api)
    seen: list[tuple[str, str]] = []
    token = None
    first = core.list_pod_for_all_namespaces(limit=100)
    assert first.metadata.remaining_item_count == 1134
    while True:
        page = core.list_pod_for_all_namespaces(limit=100, _continue=token)
        seen.extend((p.metadata.namespace, p.metadata.name) for p in page.items)
        token = page.metadata._continue
        if not token:
            break
    assert len(seen) == 1234 and seen == sorted(set(seen))
    assert kube.count("GET", r"^/api/v1/pods$") == 14
    in_one = core.list_namespaced_pod("ns-3", limit=1000)
    assert len(in_one.items) == 176 and not in_one.metadata._continue


def test_listing_50000_pods_in_pages(kube: FakeKubeApiServer) -> None:
    kube.seed(namespace(f"team-{n}") for n in range(2000))
    kube.seed(pod(f"pod-{i}", f"team-{i % 2000}", app=f"a{i % 10}") for i in range(50_000))
    total, token, pages = 0, "", 0
    with kube.api_client() as api:
        core = client.CoreV1Api(api)
        while True:
            response = core.list_pod_for_all_namespaces(
                limit=500, _continue=token or None, _preload_content=False
            )
            page = json.loads(response.data)
            total, pages = total + len(page["items"]), pages + 1
            token = page["metadata"].get("continue")
            if not token:
                break
    assert (total, pages) == (50_000, 100)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web,tier=front", ["a"]),
        ("app!=web", ["c", "d"]),
        ("tier in (front, back)", ["a", "b", "c"]),
        ("tier notin (front)", ["b", "c", "d"]),
        ("aadpodidbinding", ["c"]),
        ("!aadpodidbinding,app", ["a", "b"]),
        ("app in (web),tier notin (back)", ["a"]),
    ],
)
def test_label_selectors(
    kube: FakeKubeApiServer, api: client.ApiClient, selector: str, expected: list[str]
) -> None:
    kube.seed(
        [
            pod("a", app="web", tier="front"),
            pod("b", app="web", tier="back"),
            pod("c", app="api", tier="back", aadpodidbinding="api-id"),
            pod("d"),
        ]
    )
    listed = client.CoreV1Api(api).list_namespaced_pod("default", label_selector=selector)
    assert [p.metadata.name for p in listed.items] == expected


def test_malformed_label_selector_is_400(api: client.ApiClient) -> None:
    with pytest.raises(client.ApiException) as error:
        client.CoreV1Api(api).list_pod_for_all_namespaces(label_selector="app in web")
    assert error.value.status == 400


def test_field_selectors_and_selector_paging(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    kube.seed([namespace("other"), pod("a"), pod("b", app="x"), pod("a", "other", app="x")])
    core = client.CoreV1Api(api)
    by_name = core.list_pod_for_all_namespaces(field_selector="metadata.name=a")
    assert [p.metadata.namespace for p in by_name.items] == ["default", "other"]
    by_namespace = core.list_pod_for_all_namespaces(field_selector="metadata.namespace!=other")
    assert [p.metadata.name for p in by_namespace.items] == ["a", "b"]
    page = core.list_pod_for_all_namespaces(label_selector="app=x", limit=1)
    assert page.metadata.remaining_item_count is None
    rest = core.list_pod_for_all_namespaces(
        label_selector="app=x", _continue=page.metadata._continue
    )
    assert [(p.metadata.namespace, p.metadata.name) for p in page.items + rest.items] == [
        ("default", "b"),
        ("other", "a"),
    ]


# --- patches ---------------------------------------------------------------------------------


def test_strategic_and_merge_patch_of_the_pod_template(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", deployment(aadpodidbinding="web-id"))
    template_patch = {
        "spec": {
            "template": {
                "metadata": {"labels": {"azure.workload.identity/use": "true"}},
                "spec": {
                    "serviceAccountName": "web",
                    "containers": [{"name": "app", "env": [{"name": "B", "value": "2"}]}],
                },
            }
        }
    }
    patched = apps.patch_namespaced_deployment("web", "default", template_patch)
    template = patched.spec.template
    assert template.metadata.labels == {
        "app": "web",
        "aadpodidbinding": "web-id",
        "azure.workload.identity/use": "true",
    }
    assert template.spec.service_account_name == "web"
    assert [c.name for c in template.spec.containers] == ["app", "sidecar"]
    assert [e.name for e in template.spec.containers[0].env] == ["A", "B"]
    assert patched.metadata.generation == 2
    remove = {"spec": {"template": {"metadata": {"labels": {"aadpodidbinding": None}}}}}
    merged = apps.patch_namespaced_deployment("web", "default", remove, _content_type=MERGE)
    assert "aadpodidbinding" not in merged.spec.template.metadata.labels
    stored = kube.get("Deployment", "web")
    assert stored is not None
    assert stored["spec"]["template"]["metadata"]["labels"] == {
        "app": "web",
        "azure.workload.identity/use": "true",
    }


def test_strategic_merge_patch_delete_directive_and_list_replace(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", deployment())
    body = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
    }
    patched = apps.patch_namespaced_deployment("web", "default", body, _content_type=STRATEGIC)
    assert [c.name for c in patched.spec.template.spec.containers] == ["app"]
    # A merge patch has no merge keys: the list is replaced.
    body = {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x:1"}]}}}}
    patched = apps.patch_namespaced_deployment("web", "default", body, _content_type=MERGE)
    assert [c.name for c in patched.spec.template.spec.containers] == ["only"]


def test_json_patch(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", deployment(aadpodidbinding="web-id"))
    operations = [
        {"op": "test", "path": "/spec/template/metadata/labels/aadpodidbinding", "value": "web-id"},
        {"op": "remove", "path": "/spec/template/metadata/labels/aadpodidbinding"},
        {
            "op": "add",
            "path": "/spec/template/metadata/labels/azure.workload.identity~1use",
            "value": "true",
        },
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "app:2"},
    ]
    patched = apps.patch_namespaced_deployment("web", "default", operations)
    assert patched.spec.template.metadata.labels == {
        "app": "web",
        "azure.workload.identity/use": "true",
    }
    assert patched.spec.template.spec.containers[0].image == "app:2"
    with pytest.raises(client.ApiException) as error:
        apps.patch_namespaced_deployment("web", "default", operations[:1], _content_type=JSON_PATCH)
    assert error.value.status == 422


def test_server_side_apply(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    applied = deployment(**{"azure.workload.identity/use": "true"})
    with pytest.raises(client.ApiException) as error:
        apps.patch_namespaced_deployment("web", "default", applied, _content_type=APPLY)
    assert error.value.status == 400
    created = apps.patch_namespaced_deployment(
        "web", "default", applied, field_manager="wi-migrate", _content_type=APPLY
    )
    assert created.metadata.uid
    service_account = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"template": {"spec": {"serviceAccountName": "web"}}},
    }
    updated = apps.patch_namespaced_deployment(
        "web",
        "default",
        service_account,
        field_manager="wi-migrate",
        force=True,
        _content_type=APPLY,
    )
    assert updated.spec.template.spec.service_account_name == "web"
    assert updated.spec.template.metadata.labels["azure.workload.identity/use"] == "true"
    assert [(m.manager, m.operation) for m in updated.metadata.managed_fields] == [
        ("wi-migrate", "Apply")
    ]
    fields = updated.metadata.managed_fields[0].fields_v1
    assert "f:serviceAccountName" in fields["f:spec"]["f:template"]["f:spec"]


def test_custom_objects_take_merge_patches_not_strategic(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    custom = client.CustomObjectsApi(api)
    identity = {
        "apiVersion": f"{PI_GROUP}/v1",
        "kind": "AzureIdentity",
        "metadata": {"name": "web-id"},
        "spec": {"type": 0, "resourceID": "/subscriptions/s/x", "clientID": "c-1"},
    }
    binding = {
        "apiVersion": f"{PI_GROUP}/v1",
        "kind": "AzureIdentityBinding",
        "metadata": {"name": "web-binding"},
        "spec": {"azureIdentity": "web-id", "selector": "web-id"},
    }
    custom.create_namespaced_custom_object(PI_GROUP, "v1", "default", "azureidentities", identity)
    custom.create_namespaced_custom_object(
        PI_GROUP, "v1", "default", "azureidentitybindings", binding
    )
    listed = custom.list_cluster_custom_object(PI_GROUP, "v1", "azureidentities")
    assert [i["kind"] for i in listed["items"]] == ["AzureIdentity"]
    patched = custom.patch_namespaced_custom_object(
        PI_GROUP, "v1", "default", "azureidentities", "web-id", {"spec": {"clientID": "c-2"}}
    )
    assert patched["spec"] == {"type": 0, "resourceID": "/subscriptions/s/x", "clientID": "c-2"}
    with pytest.raises(client.ApiException) as error:
        custom.patch_namespaced_custom_object(
            PI_GROUP, "v1", "default", "azureidentities", "web-id", {}, _content_type=STRATEGIC
        )
    assert error.value.status == 415
    extensions = client.ApiextensionsV1Api(api)
    extensions.delete_custom_resource_definition(f"azureidentities.{PI_GROUP}")
    assert kube.objects("AzureIdentityBinding") != []
    with pytest.raises(client.ApiException) as error:
        custom.list_cluster_custom_object(PI_GROUP, "v1", "azureidentities")
    assert error.value.status == 404


# --- dry run, finalizers, namespaces ---------------------------------------------------------


def test_dry_run_leaves_state_unchanged(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", deployment())
    before = kube.dump_state(strip_volatile=False)
    would_be = apps.create_namespaced_deployment("default", deployment("api"), dry_run="All")
    assert would_be.metadata.name == "api"
    label = {"metadata": {"labels": {"a": "b"}}}
    patched = apps.patch_namespaced_deployment("web", "default", label, dry_run="All")
    assert patched.metadata.labels == {"a": "b"}
    apps.patch_namespaced_deployment(
        "web", "default", deployment(), field_manager="m", dry_run="All", _content_type=APPLY
    )
    apps.delete_namespaced_deployment("web", "default", dry_run="All")
    assert kube.dump_state(strip_volatile=False) == before


def test_finalizers_delay_deletion(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    assigned = {
        "apiVersion": f"{PI_GROUP}/v1",
        "kind": "AzureAssignedIdentity",
        "metadata": {
            "name": "web-id-pod",
            "finalizers": ["azureassignedidentity.finalizers.aadpodidentity.k8s.io"],
        },
    }
    plural = "azureassignedidentities"
    custom.create_namespaced_custom_object(PI_GROUP, "v1", "default", plural, assigned)
    custom.delete_namespaced_custom_object(PI_GROUP, "v1", "default", plural, "web-id-pod")
    pending = kube.get("AzureAssignedIdentity", "web-id-pod")
    assert pending is not None and pending["metadata"]["deletionTimestamp"]
    with pytest.raises(client.ApiException) as error:
        custom.patch_namespaced_custom_object(
            PI_GROUP,
            "v1",
            "default",
            plural,
            "web-id-pod",
            {
                "metadata": {
                    "finalizers": ["a", "azureassignedidentity.finalizers.aadpodidentity.k8s.io"]
                }
            },
        )
    assert error.value.status == 422
    custom.patch_namespaced_custom_object(
        PI_GROUP, "v1", "default", plural, "web-id-pod", {"metadata": {"finalizers": None}}
    )
    assert kube.get("AzureAssignedIdentity", "web-id-pod") is None


def test_deleting_a_namespace_deletes_its_objects(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    kube.seed([namespace("team"), pod("a", "team"), pod("b")])
    client.CoreV1Api(api).delete_namespace("team")
    assert [p["metadata"]["name"] for p in kube.objects("Pod")] == ["b"]


# --- service-account tokens ------------------------------------------------------------------


def test_token_request_returns_a_verifiable_jwt(
    kube: FakeKubeApiServer, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    account = core.create_namespaced_service_account("default", {"metadata": {"name": "web"}})
    request = {"spec": {"audiences": ["api://AzureADTokenExchange"], "expirationSeconds": 3600}}
    response = core.create_namespaced_service_account_token("web", "default", request)
    token = response.status.token
    keys = jwt.PyJWKSet.from_dict(kube.jwks())
    key_id = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(
        token,
        keys[key_id].key,
        algorithms=["RS256"],
        audience="api://AzureADTokenExchange",
        issuer=kube.issuer,
    )
    assert claims["sub"] == "system:serviceaccount:default:web"
    assert claims["aud"] == ["api://AzureADTokenExchange"]
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["kubernetes.io"]["serviceaccount"]["uid"] == account.metadata.uid
    with pytest.raises(client.ApiException) as error:
        core.create_namespaced_service_account_token("ghost", "default", request)
    assert error.value.status == 404


def test_issuer_can_be_an_aks_style_url() -> None:
    issuer = "https://eastus.oic.prod-aks.azure.com/tenant/cluster/"
    with FakeKubeApiServer(issuer=issuer) as kube, kube.api_client() as api:
        kube.seed([{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"}}])
        token = (
            client.CoreV1Api(api)
            .create_namespaced_service_account_token("a", "default", {"spec": {}})
            .status.token
        )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == issuer and claims["aud"] == [issuer]


# --- fault injection and the request log -----------------------------------------------------


def test_injected_500_then_success(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", deployment())
    fault = kube.inject(method="PATCH", path_regex=r"/deployments/", status=500, times=2)
    body = {"metadata": {"labels": {"a": "b"}}}
    for _ in range(2):
        with pytest.raises(client.ApiException) as error:
            apps.patch_namespaced_deployment("web", "default", body)
        assert error.value.status == 500
    assert apps.patch_namespaced_deployment("web", "default", body).metadata.labels == {"a": "b"}
    assert fault.hits == 2


def test_injected_429_carries_retry_after(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    kube.inject(method="POST", path_regex="/serviceaccounts", status=429, retry_after=7)
    with pytest.raises(client.ApiException) as error:
        core.create_namespaced_service_account("default", {"metadata": {"name": "a"}})
    assert error.value.status == 429
    assert error.value.headers["Retry-After"] == "7"
    # urllib3 retries GETs answered 429 + Retry-After by itself (after sleeping that long).
    kube.inject(method="GET", path_regex="/serviceaccounts", status=429, retry_after=0)
    assert core.list_namespaced_service_account("default").items == []
    assert kube.count("GET", "/serviceaccounts") == 2


def test_dropped_connection_raises(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    kube.inject(method="POST", path_regex="/configmaps", drop=True)
    with pytest.raises(urllib3.exceptions.HTTPError):
        core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}})
    assert kube.get("ConfigMap", "cm") is None
    # urllib3 retries idempotent reads itself: one dropped GET is invisible to the caller.
    kube.inject(method="GET", path_regex="/configmaps", drop=True)
    assert core.list_namespaced_config_map("default").items == []
    assert kube.count("GET", "/configmaps") == 2


def test_stopped_server_refuses_pooled_connections() -> None:
    kube = FakeKubeApiServer().start()
    with kube.api_client() as api:
        core = client.CoreV1Api(api)
        core.list_namespace()
        kube.stop()
        with pytest.raises(urllib3.exceptions.HTTPError):
            core.list_namespace(_request_timeout=2)


def test_injected_latency(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    kube.inject(path_regex="/namespaces$", latency=0.05, times=None)
    started = time.perf_counter()
    client.CoreV1Api(api).list_namespace()
    assert time.perf_counter() - started >= 0.05


def test_request_log(kube: FakeKubeApiServer, api: client.ApiClient) -> None:
    core = client.CoreV1Api(api)
    core.list_namespaced_pod("default", limit=5, label_selector="app=web")
    core.list_pod_for_all_namespaces()
    assert kube.requests[0] == RecordedRequest(
        "GET", "/api/v1/namespaces/default/pods", {"labelSelector": "app=web", "limit": "5"}
    )
    assert kube.count("GET", "/pods$") == 2 and kube.count("POST") == 0
    kube.clear_requests()
    assert kube.requests == []


# --- seeding and inspection ------------------------------------------------------------------


def test_load_snapshot(kube: FakeKubeApiServer, api: client.ApiClient, tmp_path: Path) -> None:
    (tmp_path / "workloads.yaml").write_text(
        "---\n"
        "kind: ServiceAccount\napiVersion: v1\nmetadata:\n  name: web\n"
        "---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: aadpodidentity.k8s.io/v1\n  kind: AzureIdentityBinding\n"
        "  metadata: {name: web-binding, namespace: team}\n"
        "  spec: {azureIdentity: web-id, selector: web-id}\n"
        "- apiVersion: v1\n  kind: Namespace\n  metadata: {name: team}\n"
        "---\n",
        encoding="utf-8",
    )
    (tmp_path / "roles.yml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata:\n  name: aad-pod-id-mic-role\n  creationTimestamp: 2024-01-02T03:04:05Z\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("kind: Pod\n", encoding="utf-8")
    assert kube.load_snapshot(tmp_path) == 4
    assert client.CoreV1Api(api).read_namespaced_service_account("web", "default").metadata.uid
    bindings = client.CustomObjectsApi(api).list_namespaced_custom_object(
        PI_GROUP, "v1", "team", "azureidentitybindings"
    )
    assert [b["spec"]["selector"] for b in bindings["items"]] == ["web-id"]
    role = kube.get("ClusterRole", "aad-pod-id-mic-role")
    assert role is not None and role["metadata"]["creationTimestamp"] == "2024-01-02T03:04:05Z"


def test_dump_state_compares_final_states() -> None:
    with FakeKubeApiServer() as step_by_step, FakeKubeApiServer() as at_once:
        with step_by_step.api_client() as first:
            apps = client.AppsV1Api(first)
            apps.create_namespaced_deployment("default", deployment())
            apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 2}})
        final = deployment()
        final["spec"]["replicas"] = 2
        at_once.seed([final])
        assert step_by_step.dump_state() == at_once.dump_state()
        assert step_by_step.dump_state(strip_volatile=False) != at_once.dump_state(
            strip_volatile=False
        )
        assert "Deployment.apps" in at_once.dump_state()
        assert "default/web" in at_once.dump_state()["Deployment.apps"]
