"""Import shim for the conformance run: ``import webknossos[.sub]`` gives ``wkdist[.sub]``.

Only names are mapped; nothing of the reference's behaviour is provided here.
A ``webknossos`` module wkdist does not have raises ``ModuleNotFoundError``
naming both spellings, so the run reports it as the cause.

The only stand-ins are the two ``webknossos.client`` cache helpers the
reference's ``conftest.py`` calls around every test (wkdist has no server
client); they do nothing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import types
    from collections.abc import Sequence

# webknossos module -> wkdist module, where the spelling differs. Longest prefix wins;
# a name not covered maps literally (webknossos.a.b -> wkdist.a.b).
RENAMED = {
    "webknossos": "wkdist",
    "webknossos.dataset_properties": "wkdist.properties",
    "webknossos.dataset.layer.segmentation_layer.attachments.attachments": (
        "wkdist.dataset.attachments"
    ),
    "webknossos.dataset.layer.segmentation_layer.attachments": "wkdist.dataset.attachments",
    "webknossos.dataset.layer.segmentation_layer": "wkdist.dataset.layer",
}


def _noop(*args: object, **kwargs: object) -> None:
    return None


def _noop_cache() -> None:
    return None


_noop_cache.cache_clear = _noop  # type: ignore[attr-defined]

# conftest-only helpers of the reference's server client
STUBS: dict[str, dict[str, object]] = {
    "webknossos.client": {},
    "webknossos.client._upload_dataset": {"_cached_get_upload_datastore": _noop_cache},
    "webknossos.client.context": {"_clear_all_context_caches": _noop},
}


def wkdist_name(name: str) -> str:
    """The wkdist module that stands for the webknossos module ``name``."""
    for prefix in sorted(RENAMED, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return RENAMED[prefix] + name[len(prefix) :]
    return name


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name in STUBS:
            module.__path__ = []  # type: ignore[attr-defined]
            module.__dict__.update(STUBS[name])
            return
        target = wkdist_name(name)
        try:
            # the import system keeps what this leaves in sys.modules[name]
            sys.modules[name] = importlib.import_module(target)
        except ModuleNotFoundError as error:
            raise ModuleNotFoundError(
                f"No module named {name!r} (wkdist: {error})", name=name
            ) from None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "webknossos" and not fullname.startswith("webknossos."):
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader())


def install() -> None:
    """Map ``webknossos`` to ``wkdist`` for all later imports of this process."""
    for name in [n for n in sys.modules if n == "webknossos" or n.startswith("webknossos.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _Finder())
