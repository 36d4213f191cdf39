"""The namespace kustomize gives objects that do not name one."""

from __future__ import annotations

import os
import re
from pathlib import Path

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# a top-level `namespace:` key (kustomization files are small and flat at the top)
NAMESPACE = re.compile(r"""^namespace:[ \t]*["']?([a-z0-9][a-z0-9.-]*)["']?[ \t]*(?:#.*)?$""", re.M)


class Namespaces:
    """Nearest `kustomization.yaml` with a `namespace:` above a file, up to the scan root."""

    def __init__(self, roots: list[Path]) -> None:
        self._roots = [r.resolve() for r in roots]
        self._cache: dict[Path, str] = {}
        self._by_folder: dict[str, str] = {}  # the folder as written -> its namespace

    def for_file(self, full_path: str) -> str:
        if not full_path:
            return ""
        if os.path.islink(full_path):  # its namespace is the one where it points
            return self._for_resolved(full_path)
        folder = os.path.dirname(full_path)
        if folder not in self._by_folder:
            self._by_folder[folder] = self._for_resolved(full_path)
        return self._by_folder[folder]

    def _for_resolved(self, full_path: str) -> str:
        folder = Path(full_path).resolve().parent
        return self._for_folder(folder, self._root_of(folder))

    def _root_of(self, folder: Path) -> Path:
        for root in self._roots:
            if folder == root or root in folder.parents:
                return root
        return folder

    def _for_folder(self, folder: Path, root: Path) -> str:
        if folder not in self._cache:
            own = _declared(folder)
            if own or folder == root or folder.parent == folder:
                self._cache[folder] = own
            else:
                self._cache[folder] = self._for_folder(folder.parent, root)
        return self._cache[folder]


def _declared(folder: Path) -> str:
    for name in KUSTOMIZATION_NAMES:
        path = folder / name
        if path.is_file():
            try:
                match = NAMESPACE.search(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError):
                return ""
            return match.group(1) if match else ""
    return ""
