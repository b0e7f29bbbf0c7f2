"""Where a dataset lives: a local directory (``pathlib.Path``) or an object-storage prefix.

:func:`as_location` turns user input into a :data:`Location`: local paths and
``file://`` URLs become ``Path``; ``s3://bucket/key``, ``gs://bucket/key`` and
``http(s)://host/key`` (read-only) become :class:`RemotePath`
(:mod:`wkdist.location.remote`). Anything else that looks like a URL
(``foo://x``, ``s3:/bucket``, a URL collapsed by ``Path("s3://b")``) is a
:class:`~wkdist.errors.LocationError`, never a folder.
"""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeAlias

import dask.config

from wkdist.errors import InvalidArgumentError, LocationError, UnsupportedLocationError
from wkdist.location.context import tensorstore_context
from wkdist.location.remote import (
    RemotePath,
    check_conditional_writes,
    remote_error,
    update_bytes,
)

__all__ = [
    "Location",
    "LocationLike",
    "RemotePath",
    "as_location",
    "check_conditional_writes",
    "copy_tree",
    "is_within",
    "kvstore_spec",
    "list_keys",
    "location_key",
    "remote_error",
    "require_local",
    "require_writable",
    "tensorstore_context",
    "update_bytes",
]

_SCHEMES = ("s3", "gs", "http", "https")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(/*)(.*)$")


Location: TypeAlias = Path | RemotePath
"""A local directory or an object-storage prefix."""

LocationLike: TypeAlias = "str | os.PathLike[str] | RemotePath"


def _s3_settings() -> tuple[str | None, str | None]:
    endpoint = dask.config.get("wkdist.s3.endpoint", None) or (
        os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    )
    region = dask.config.get("wkdist.s3.region", None) or (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    )
    if endpoint is not None and region is None:
        region = "us-east-1"  # custom endpoints need no region lookup; most accept any
    return (None if endpoint is None else str(endpoint).rstrip("/")), region


def as_location(value: LocationLike, *, argument: str = "path") -> Location:
    """The :data:`Location` named by ``value`` (a path, a URL or a location).

    Parameters
    ----------
    value
        ``/local/dir``, ``file:///local/dir``, ``s3://bucket/key``,
        ``gs://bucket/key``, ``http(s)://host/key``, a ``Path`` or a ``RemotePath``.
    argument
        The argument's name, for error messages.

    Raises
    ------
    LocationError
        For unknown schemes, malformed URLs (``s3:/bucket``) and URLs without a bucket.
    """
    if isinstance(value, RemotePath):
        return value
    if isinstance(value, Path):
        text = value.as_posix()
        if _URL.match(text) and text.split(":", 1)[0].lower() in (*_SCHEMES, "file"):
            raise LocationError(
                f"{argument}={str(value)!r} is a URL collapsed into a Path (Path() "
                "drops one slash of '//'); pass the URL as a string"
            )
        return value
    if not isinstance(value, str | os.PathLike):
        raise InvalidArgumentError(
            f"{argument} must be a path or a URL string; got {type(value).__name__}"
        )
    text = os.fspath(value)
    match = _URL.match(str(text))
    if match is None:
        return Path(text)
    scheme, slashes, rest = match.group(1).lower(), match.group(2), match.group(3)
    if scheme not in (*_SCHEMES, "file"):
        if slashes or "/" not in text:
            raise LocationError(
                f"{argument}={text!r} has the unknown scheme {scheme!r}; expected a local "
                "path or a URL starting with s3://, gs://, http://, https:// or file://"
            )
        return Path(text)  # a relative path like "a:b/c"
    if slashes != "//" and not (scheme == "file" and slashes == "///"):
        raise LocationError(
            f"{argument}={text!r} is malformed; expected {scheme}://"
            + ("/absolute/path" if scheme == "file" else "bucket/key")
        )
    if scheme == "file":
        return Path("/" + rest.lstrip("/")) if slashes == "///" else Path(rest)
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise LocationError(f"{argument}={text!r} names no bucket (or host)")
    key = key.strip("/")
    if scheme == "s3":
        endpoint, region = _s3_settings()
        return RemotePath(scheme, bucket, key, endpoint, region)
    return RemotePath(scheme, bucket, key)


def require_local(location: Location, operation: str) -> Path:
    """``location`` as a ``Path``, or an error naming ``operation`` if it is remote.

    Raises
    ------
    UnsupportedLocationError
        If ``location`` is in object storage.
    """
    if isinstance(location, RemotePath):
        raise UnsupportedLocationError(
            f"{operation} needs a local file system; {location} is in object storage"
        )
    return location


def require_writable(location: Location, operation: str) -> None:
    """Raise :class:`UnsupportedLocationError` if ``location`` is read-only (HTTP)."""
    if isinstance(location, RemotePath) and location.read_only:
        raise UnsupportedLocationError(
            f"cannot {operation} at {location}: {location.scheme}:// locations are read-only"
        )


def kvstore_spec(location: Location) -> dict[str, Any]:
    """The tensorstore kvstore spec of ``location`` as a directory."""
    if isinstance(location, RemotePath):
        return location.kvstore_spec()
    return {"driver": "file", "path": os.path.abspath(location) + "/"}


def location_key(location: Location) -> str:
    """A string identifying ``location`` (absolute path, or URL with endpoint) for caches."""
    if isinstance(location, RemotePath):
        return f"{location}@{location.endpoint}"
    return os.path.abspath(location)


def list_keys(location: Location) -> list[str]:
    """Every file (object) below ``location``, relative to it, sorted; none if it
    does not exist."""
    if isinstance(location, RemotePath):
        return sorted(location.list_keys())
    return sorted(
        (Path(directory) / name).relative_to(location).as_posix()
        for directory, _, names in os.walk(location)
        for name in names
    )


def copy_tree(source: Location, target: Location) -> None:
    """Copy every file (object) below ``source`` to the same keys below ``target``.

    Local to local is ``shutil.copytree``; with object storage on either side
    each object is read whole and written whole (several at a time).
    """
    if isinstance(source, Path) and isinstance(target, Path):
        shutil.copytree(source, target)
        return
    require_writable(target, "copy files")
    keys = list_keys(source)

    def copy_one(key: str) -> None:
        data = (source / key).read_bytes()
        destination = target / key
        if isinstance(destination, RemotePath):
            destination.write_bytes(data)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)

    with ThreadPoolExecutor(8, thread_name_prefix="wkdist-copy") as pool:
        list(pool.map(copy_one, keys))


def is_within(inner: Location, outer: Location) -> bool:
    """Whether ``inner`` is ``outer`` or lies below it (symlinks resolved for local paths)."""
    if isinstance(inner, Path) and isinstance(outer, Path):
        inner, outer = inner.resolve(), outer.resolve()
        return inner == outer or outer in inner.parents
    if isinstance(inner, RemotePath) and isinstance(outer, RemotePath):
        try:
            inner.relative_to(outer)
        except ValueError:
            return False
        return inner.endpoint == outer.endpoint
    return False
