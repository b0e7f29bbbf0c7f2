"""Import shim for the conformance run: ``import webknossos[.sub]`` gives ``wkdist[.sub]``.

Only names are mapped; nothing of the reference's behaviour is provided here.
``webknossos.a.b.Name`` is ``wkdist.a.b.Name``; a name (or module) wkdist lacks
imports as a stand-in that fails when a test uses it, naming what is missing,
so a test file with one missing import still runs its other tests.

The only stand-ins are the two ``webknossos.client`` cache helpers the
reference's ``conftest.py`` calls around every test (wkdist has no server
client); they do nothing.

Warning filters: the reference's ``conftest.py`` turns the library's ``[WARNING]``
and ``[DEPRECATION]`` warnings into errors with ``filterwarnings(..., module="webknossos")``.
The reference attributes its warnings to its own modules, wkdist to the caller's line
(``stacklevel``), so a filter on the library's module name becomes a filter on the
message alone (only the library's messages start with those tags).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import types
    from collections.abc import Sequence

# webknossos module -> wkdist module, where the spelling differs. Longest prefix wins;
# a name not covered maps literally (webknossos.a.b -> wkdist.a.b).
RENAMED = {
    "webknossos": "wkdist",
    "webknossos.dataset.layer.segmentation_layer.attachments.attachments": (
        "wkdist.dataset.attachments"
    ),
    "webknossos.dataset.layer.segmentation_layer.attachments": "wkdist.dataset.attachments",
    "webknossos.dataset.layer.segmentation_layer": "wkdist.dataset.layer",
    # wkdist.dataset.layer is a module: the helpers below it live next to it
    "webknossos.dataset.layer._downsampling_utils": "wkdist.dataset._downsampling_utils",
    "webknossos.dataset.layer._upsampling_utils": "wkdist.dataset._upsampling_utils",
    "webknossos.dataset.layer._transform_utils": "wkdist.dataset._transform_utils",
    "webknossos.dataset_properties.structuring": "wkdist.properties.converter",
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


class _MissingMeta(type):
    """Metaclass of stand-ins for names wkdist lacks: any use but ``isinstance`` raises."""

    def __call__(cls, *args: object, **kwargs: object) -> NoReturn:
        raise AttributeError(f"wkdist has no {cls.__qualname__} (called)")

    def __getattr__(cls, name: str) -> NoReturn:
        raise AttributeError(f"wkdist has no {cls.__qualname__} (used .{name})")


_missing: dict[str, type] = {}


def missing(qualified_name: str) -> type:
    """The stand-in for ``qualified_name``: an exception class (so ``pytest.raises``
    and ``isinstance`` accept it) that raises ``AttributeError`` when used."""
    if qualified_name not in _missing:
        stand_in = _MissingMeta(qualified_name.rsplit(".", 1)[-1], (Exception,), {})
        stand_in.__qualname__ = qualified_name
        _missing[qualified_name] = stand_in
    return _missing[qualified_name]


class _ProxyLoader(importlib.abc.Loader):
    """``webknossos.a.b`` becomes a module whose names are looked up in ``wkdist.a.b``.

    A name wkdist lacks (or a whole module it lacks) is bound to a :func:`missing`
    stand-in, so ``from webknossos.a import Name`` succeeds and only the tests that
    use ``Name`` fail, with the name in their error.
    """

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        module.__path__ = []  # type: ignore[attr-defined]  # may have submodules
        if name in STUBS:
            module.__dict__.update(STUBS[name])
            return
        try:
            target: types.ModuleType | None = importlib.import_module(wkdist_name(name))
        except ModuleNotFoundError:
            target = None

        def __getattr__(attribute: str) -> object:
            if attribute.startswith("__"):
                raise AttributeError(attribute)
            if target is not None and hasattr(target, attribute):
                return getattr(target, attribute)
            return missing(f"{name}.{attribute}")

        module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "webknossos" and not fullname.startswith("webknossos."):
            return None
        return importlib.util.spec_from_loader(fullname, _ProxyLoader())


_filterwarnings = warnings.filterwarnings


def _library_filterwarnings(*args: Any, **kwargs: Any) -> None:
    """``warnings.filterwarnings`` with ``module="webknossos..."`` dropped (see above)."""
    module = kwargs.get("module", "")
    if isinstance(module, str) and module.startswith("webknossos"):
        kwargs["module"] = ""
    _filterwarnings(*args, **kwargs)


def install() -> None:
    """Map ``webknossos`` to ``wkdist`` for all later imports of this process (and
    the library's warning filters, see above)."""
    warnings.filterwarnings = _library_filterwarnings
    for name in [n for n in sys.modules if n == "webknossos" or n.startswith("webknossos.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _Finder())
