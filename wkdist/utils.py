"""Small path and naming helpers under the names ``webknossos.utils`` gives them.

Scripts written for ``webknossos`` import these; wkdist's own code does not need them.
Paths are local (``str``/``os.PathLike``); a path object with an fsspec ``fs``
(e.g. a ``UPath``) is deleted through it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_LOCAL_PROTOCOLS = ("", "file", "local")


def is_remote_path(path: object) -> bool:
    """Whether ``path`` is a path object of a non-local filesystem (``s3://``, ``memory://``)."""
    return getattr(path, "protocol", "") not in _LOCAL_PROTOCOLS


def is_fs_path(path: object) -> bool:
    """Whether ``path`` names a file on the local filesystem."""
    return isinstance(path, str | os.PathLike) and not is_remote_path(path)


def rmtree(path: str | os.PathLike[str]) -> None:
    """Delete the folder (or file) ``path`` with everything below it; missing is fine."""
    fs = getattr(path, "fs", None)
    if is_remote_path(path) and fs is not None:
        with contextlib.suppress(FileNotFoundError):
            fs.delete(str(path), recursive=True)
        return
    local = Path(path)
    if local.is_dir() and not local.is_symlink():
        shutil.rmtree(local, ignore_errors=True)
    else:
        local.unlink(missing_ok=True)


def copytree(
    in_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    ignore: Callable[[Path, list[str]], set[str]] | None = None,
    threads: int | None = None,
    progress_desc: str | None = None,
) -> None:
    """Copy the folder ``in_path`` to ``out_path`` (merged into it if it exists).

    ``ignore(folder, names)`` returns the names in ``folder`` to leave out.
    ``threads`` and ``progress_desc`` are accepted for compatibility and unused.
    """
    del threads, progress_desc

    def _ignore(folder: str, names: list[str]) -> set[str]:
        return set() if ignore is None else set(ignore(Path(folder), names))

    shutil.copytree(in_path, out_path, ignore=_ignore, dirs_exist_ok=True)


def named_partial(func: F, *args: object, **kwargs: object) -> F:
    """``functools.partial`` that keeps ``func``'s ``__name__`` and ``__doc__`` (and pickles)."""
    partial = functools.partial(func, *args, **kwargs)
    functools.update_wrapper(partial, func)
    partial.__annotations__ = {}
    return partial  # type: ignore[return-value]


def snake_to_camel_case(snake_case_name: str) -> str:
    """``"bounding_box"`` -> ``"boundingBox"``."""
    first, *rest = snake_case_name.split("_")
    return first + "".join(part.title() for part in rest)


def dump_path(path: str | os.PathLike[str], dataset_path: str | os.PathLike[str] | None) -> str:
    """``path`` as written into ``datasource-properties.json``.

    ``./relative`` when it lies inside ``dataset_path`` (which must be absolute),
    otherwise the absolute path.

    Raises
    ------
    ValueError
        If ``dataset_path`` is relative, or ``path`` is relative without a ``dataset_path``.
    """
    base = None
    if dataset_path is not None:
        if not Path(dataset_path).is_absolute():
            raise ValueError(f"dataset_path must be an absolute path, got {dataset_path!r}")
        base = Path(os.path.abspath(dataset_path))
    local = Path(path)
    if not local.is_absolute():
        if base is None:
            raise ValueError(f"a relative path ({path!r}) needs a dataset_path to resolve it")
        local = base / local
    local = Path(os.path.abspath(local))
    if base is not None and local.is_relative_to(base):
        return "./" + local.relative_to(base).as_posix()
    return local.as_posix()
