"""The namespace kustomize gives objects that do not name one."""

from __future__ import annotations

import os
import re
from pathlib import Path

from migrate.read.files import real_path

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# a top-level `namespace:` key (kustomization files are small and flat at the top)
NAMESPACE = re.compile(r"""^namespace:[ \t]*["']?([a-z0-9][a-z0-9.-]*)["']?[ \t]*(?:#.*)?$""", re.M)


class Namespaces:
    """Nearest `kustomization.yaml` with a `namespace:` above a file, up to the scan root.
    Folders are compared resolved (a linked file's namespace is the one where it points),
    each asked about once per run."""

    def __init__(self, roots: list[Path]) -> None:
        self._roots = [os.path.realpath(r) for r in roots]
        self._cache: dict[str, str] = {}  # resolved folder -> its namespace

    def for_file(self, full_path: str) -> str:
        if not full_path:
            return ""
        folder = os.path.dirname(real_path(full_path))
        found = self._cache.get(folder)
        if found is None:
            found = self._for_folder(folder, self._root_of(folder))
        return found

    def _root_of(self, folder: str) -> str:
        for root in self._roots:
            if folder == root or folder.startswith(root.rstrip(os.sep) + os.sep):
                return root
        return folder

    def _for_folder(self, folder: str, root: str) -> str:
        if folder not in self._cache:
            own = _declared(folder)
            parent = os.path.dirname(folder)
            if own or folder == root or parent == folder:
                self._cache[folder] = own
            else:
                self._cache[folder] = self._for_folder(parent, root)
        return self._cache[folder]


def _declared(folder: str) -> str:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8-sig") as file:
                    match = NAMESPACE.search(file.read())
            except (OSError, UnicodeDecodeError):
                return ""
            return match.group(1) if match else ""
    return ""
