"""kubernetes-validate every rendered object (strict), and every patch as a partial object.

A patch lacks required fields and holds nulls (deletions), so for patches those two kinds
of error are dropped; wrong types (a boolean label value), unknown fields and bad names are
still caught. kubernetes-validate is optional at run time: without it nothing is checked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import yaml

from migrate.errors import UserError
from migrate.write.render.output import RenderedFile


def available() -> bool:
    try:
        import kubernetes_validate  # noqa: F401
    except ImportError:
        return False
    return True


def latest() -> str:
    from kubernetes_validate import utils

    return str(utils.latest_version())


def supported(version: str) -> str:
    """VERSION as kubernetes-validate names it, or a UserError listing the versions it knows."""
    from kubernetes_validate import utils

    versions = utils.all_versions()
    wanted = version.lstrip("v")
    found = [v for v in versions if utils.major_minor(v) == utils.major_minor(wanted)]
    if not found:
        raise UserError(
            f"--kube-version {version}: kubernetes-validate has no schemas for it",
            f"pick one of {utils.major_minor(versions[0])} to {utils.major_minor(versions[-1])}",
        )
    return str(found[-1])


def check(files: Iterable[RenderedFile], version: str) -> int:
    """Validate; raise a UserError naming the first bad file. Returns how many were checked."""
    checked = 0
    for f in files:
        if not f.check:
            continue
        for doc in yaml.safe_load_all(f.text):
            problems = errors(doc, version, partial=f.check == "patch")
            if problems:
                raise UserError(
                    f"{f.path}: not valid for Kubernetes {version}: {problems[0]}",
                    "fix the template that wrote it (--templates DIR), or report a bug",
                )
            checked += 1
    return checked


def errors(obj: dict[str, Any], version: str, partial: bool) -> list[str]:
    validator = _validator(obj.get("kind", ""), obj.get("apiVersion", ""), version)
    if validator is None:  # a custom resource: no schema to check against
        return []
    out = []
    for e in validator.iter_errors(obj):
        if partial and (e.validator == "required" or e.instance is None):
            continue
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        out.append(f"{where}: {e.message}")
    return sorted(out)


@functools.cache
def _validator(kind: str, api_version: str, version: str) -> Any:
    import jsonschema  # type: ignore[import-untyped]
    from kubernetes_validate import utils
    from referencing import Registry, Resource

    folder = f"kubernetes-json-schema/v{version}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json", version)
    except FileNotFoundError:
        return None
    definitions = utils.schema_contents(f"{folder}/_definitions.json", version)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)
