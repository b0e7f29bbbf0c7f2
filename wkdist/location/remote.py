"""Object-storage prefixes (:class:`RemotePath`) and conditional updates of their objects.

A :class:`RemotePath` is a plain value (pickles as scheme, bucket, key and the
endpoint and region it was resolved with): it carries no credentials.
tensorstore resolves those in each process from the standard AWS variables,
the shared credentials file or ``AWS_PROFILE``. Its small-file operations
(``read_bytes``, ``write_bytes``, listing, deleting) go through the same
tensorstore kvstores as the arrays, so one endpoint and one set of credentials
serve both. Conditional writes (``If-Match`` / ``If-None-Match``) are tensorstore
generations: :func:`update_bytes` is a read-modify-conditional-write loop.
"""

from __future__ import annotations

import functools
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

import dask.config
import tensorstore as ts

from wkdist.errors import LocationError, RemoteStorageError, UnsupportedLocationError
from wkdist.location.context import tensorstore_context

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_T = TypeVar("_T")
# The generation tensorstore uses for "no value" (If-None-Match: *).
_NO_VALUE = b"\x02"
# tensorstore sends If-Match / If-None-Match to non-AWS endpoints only when asked.
_CONDITIONAL_WRITE_ENV = "TENSORSTORE_S3_USE_CONDITIONAL_WRITE"


@dataclass(frozen=True, slots=True)
class RemotePath:
    """A key prefix in object storage, used like a directory (``/``, ``name``, ``parent``).

    Build one with :func:`wkdist.location.as_location`. ``bucket`` is the bucket (``s3``, ``gs``)
    or ``host[:port]`` (``http``, ``https``); ``key`` has no leading or trailing
    slash. ``endpoint`` and ``region`` (``s3`` only) are resolved once, on the
    client, so every worker talks to the same server.
    """

    scheme: str
    bucket: str
    key: str = ""
    endpoint: str | None = None
    region: str | None = None

    # ------------------------------------------------------------ path algebra
    def __str__(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.key}".rstrip("/")

    def __repr__(self) -> str:
        return f"RemotePath({str(self)!r})"

    def __truediv__(self, other: str | os.PathLike[str]) -> RemotePath:
        part = PurePosixPath(os.fspath(other))
        if part.is_absolute() or ".." in part.parts:
            raise LocationError(f"cannot join {other!r} to {self}: expected a relative key")
        key = "/".join(p for p in (self.key, part.as_posix()) if p and p != ".")
        return self._with_key(key)

    def _with_key(self, key: str) -> RemotePath:
        return RemotePath(self.scheme, self.bucket, key, self.endpoint, self.region)

    @property
    def name(self) -> str:
        """The last key segment ('' at the bucket root)."""
        return self.key.rsplit("/", 1)[-1]

    @property
    def parent(self) -> RemotePath:
        """The enclosing prefix (the bucket root is its own parent)."""
        return self._with_key(self.key.rsplit("/", 1)[0] if "/" in self.key else "")

    @property
    def read_only(self) -> bool:
        """Whether the location cannot be written (``http``/``https``)."""
        return self.scheme in ("http", "https")

    def resolve(self) -> RemotePath:
        """Itself (object storage has no symlinks)."""
        return self

    absolute = resolve

    def is_symlink(self) -> bool:
        """Always false."""
        return False

    def relative_to(self, other: RemotePath) -> PurePosixPath:
        """The key of this location below ``other``.

        Raises
        ------
        ValueError
            If this location does not lie below ``other``.
        """
        if (self.scheme, self.bucket) != (other.scheme, other.bucket):
            raise ValueError(f"{self} is not below {other}")
        if not other.key:
            return PurePosixPath(self.key)
        if self.key == other.key:
            return PurePosixPath(".")
        if not self.key.startswith(other.key + "/"):
            raise ValueError(f"{self} is not below {other}")
        return PurePosixPath(self.key[len(other.key) + 1 :])

    # ---------------------------------------------------------------- kvstore
    def kvstore_spec(self) -> dict[str, Any]:
        """The tensorstore kvstore spec of this prefix (as a directory, ending in ``/``).

        It holds the endpoint, region and host, never credentials.
        """
        prefix = f"{self.key}/" if self.key else ""
        if self.scheme == "s3":
            os.environ.setdefault(_CONDITIONAL_WRITE_ENV, "1")
            spec: dict[str, Any] = {"driver": "s3", "bucket": self.bucket, "path": prefix}
            if self.endpoint is not None:
                spec["endpoint"] = self.endpoint
            if self.region is not None:
                spec["aws_region"] = self.region
            return spec
        if self.scheme == "gs":
            return {"driver": "gcs", "bucket": self.bucket, "path": prefix}
        return {"driver": "http", "base_url": f"{self.scheme}://{self.bucket}/", "path": prefix}

    def _root(self) -> ts.KvStore:
        return _open_root(self._with_key(""))

    def _request(self, action: str, future: ts.Future[_T]) -> _T:
        try:
            return future.result()
        except ValueError as error:
            raise remote_error(error, self, action) from None

    # ------------------------------------------------------------ small files
    def read_bytes(self) -> bytes:
        """The object's bytes.

        Raises
        ------
        FileNotFoundError
            If there is no object at this key (checks that the bucket exists).
        """
        value, _ = self.read_with_generation()
        if value is None:
            self.check_bucket()
            raise FileNotFoundError(f"{self} does not exist")
        return value

    def read_text(self, encoding: str = "utf-8") -> str:
        """The object's bytes decoded as text."""
        return self.read_bytes().decode(encoding)

    def read_with_generation(self) -> tuple[bytes | None, bytes]:
        """The object's bytes (``None`` if missing) and its generation (for :meth:`write_bytes`)."""
        result = self._request("read", self._root().read(self.key))
        if result.state != "value":
            return None, _NO_VALUE
        return bytes(result.value), bytes(result.stamp.generation)

    def generation(self) -> bytes | None:
        """The object's generation (changes with every write), or ``None`` if it is missing."""
        result = self._request("read", self._root().read(self.key, byte_range=slice(0, 0)))
        return bytes(result.stamp.generation) if result.state == "value" else None

    def read_range(self, start: int, stop: int) -> bytes:
        """Bytes ``start:stop`` of the object (one ranged GET)."""
        result = self._request("read", self._root().read(self.key, byte_range=slice(start, stop)))
        if result.state != "value":
            raise FileNotFoundError(f"{self} does not exist")
        return bytes(result.value)

    def write_bytes(self, data: bytes, *, if_generation: bytes | None = None) -> bytes | None:
        """Store ``data`` at this key; with ``if_generation`` only if the object still
        has that generation (``b"\\x02"``: only if it does not exist).

        Returns
        -------
        bytes or None
            The new generation, or ``None`` if the condition failed.
        """
        self._check_writable("write")
        options: dict[str, Any] = {} if if_generation is None else {"if_equal": if_generation}
        stamp = self._request("write", self._root().write(self.key, data, **options))
        generation = bytes(stamp.generation)
        return generation or None

    def create_bytes(self, data: bytes) -> bool:
        """Store ``data`` at this key unless an object is there (``If-None-Match: *``);
        ``False`` if one was. The existence check first also keeps servers that
        ignore the condition (``wkdist.s3.single-writer`` mode) from overwriting."""
        check_conditional_writes(self)
        if self.is_file():
            return False
        return self.write_bytes(data, if_generation=_NO_VALUE) is not None

    def write_text(self, text: str, encoding: str = "utf-8") -> None:
        """Store ``text`` at this key (unconditionally)."""
        self.write_bytes(text.encode(encoding))

    def exists(self) -> bool:
        """Whether an object or any object below this prefix exists."""
        return self.is_file() or self.is_dir()

    def is_file(self) -> bool:
        """Whether an object exists at exactly this key."""
        return bool(self.key) and self.generation() is not None

    def is_dir(self) -> bool:
        """Whether any object exists below this prefix."""
        return next(iter(self.list_keys()), None) is not None

    def list_keys(self) -> list[str]:
        """Keys of all objects below this prefix, relative to it."""
        prefix = f"{self.key}/" if self.key else ""
        key_range = ts.KvStore.KeyRange(prefix, _prefix_end(prefix))
        keys = self._request("list", self._root().list(key_range, strip_prefix_length=len(prefix)))
        return [key.decode() for key in keys]

    def iterdir(self) -> Iterator[RemotePath]:
        """The direct children (objects and prefixes) of this prefix."""
        children = {key.split("/", 1)[0] for key in self.list_keys()}
        return iter(self / child for child in sorted(children))

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Nothing to do: object storage has no directories."""
        del parents, exist_ok
        self._check_writable("create a directory in")

    def unlink(self, missing_ok: bool = False) -> None:
        """Delete the object at this key."""
        del missing_ok  # deleting a missing object succeeds
        self._check_writable("delete")
        self._request("delete", self._root().delete_range(_exact(self.key)))

    def delete_tree(self) -> None:
        """Delete every object below this prefix (and the object at the key itself)."""
        self._check_writable("delete")
        prefix = f"{self.key}/"
        self._request(
            "delete", self._root().delete_range(ts.KvStore.KeyRange(prefix, _prefix_end(prefix)))
        )
        self.unlink()

    def check_bucket(self) -> None:
        """Raise :class:`RemoteStorageError` if the bucket does not exist or is unreachable."""
        if self.scheme in ("http", "https"):
            return
        self._request("list", self._root().list(_exact(self.key or "\x00")))

    def _check_writable(self, action: str) -> None:
        if self.read_only:
            raise UnsupportedLocationError(
                f"cannot {action} {self}: {self.scheme}:// locations are read-only"
            )


@functools.cache
def _open_root_cached(spec: tuple[tuple[str, str], ...]) -> ts.KvStore:
    return ts.KvStore.open(dict(spec), context=tensorstore_context()).result()


def _open_root(root: RemotePath) -> ts.KvStore:
    spec = tuple(sorted(root.kvstore_spec().items()))
    try:
        return _open_root_cached(spec)
    except ValueError as error:
        raise remote_error(error, root, "open") from None


def _prefix_end(prefix: str) -> str:
    """The smallest key after every key that starts with ``prefix`` ('' = no end)."""
    if not prefix:
        return ""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _exact(key: str) -> ts.KvStore.KeyRange:
    return ts.KvStore.KeyRange(key, key + "\x00")


def remote_error(error: Exception, location: RemotePath, action: str) -> RemoteStorageError:
    """One line saying what went wrong with ``action`` on ``location`` (no credentials)."""
    text = str(error)
    where = f"{location}" + (f" (endpoint {location.endpoint})" if location.endpoint else "")
    if "NoSuchBucket" in text:
        reason = f"the bucket {location.bucket!r} does not exist"
    elif any(
        token in text
        for token in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403")
    ):
        reason = (
            "access denied: check the credentials (AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY, the shared credentials file or AWS_PROFILE)"
        )
    elif "CURL error" in text or "retry attempts failed" in text:
        detail = text.split("CURL error", 1)[-1].split("[", 1)[0].strip()
        reason = f"the endpoint cannot be reached ({detail})"
    else:
        reason = text.split("[http_response_body", 1)[0].strip().replace("\n", " ")
    return RemoteStorageError(f"cannot {action} {where}: {reason}")


def update_bytes(
    location: RemotePath,
    change: Callable[[bytes | None], bytes | None],
    *,
    attempts: int = 100,
) -> bytes | None:
    """Read the object, apply ``change`` and write the result if the object is unchanged.

    Repeats (with a short random backoff) while another writer got in between,
    so concurrent updaters lose nothing. ``change`` gets ``None`` for a missing
    object and returns the new bytes, or ``None`` to write nothing.

    Returns
    -------
    bytes or None
        The bytes now stored (what ``change`` returned last).

    Raises
    ------
    RemoteStorageError
        If the server ignores conditional writes (see :func:`check_conditional_writes`)
        or ``attempts`` conflicts in a row.
    """
    check_conditional_writes(location)
    for attempt in range(attempts):
        old, generation = location.read_with_generation()
        new = change(old)
        if new is None or new == old:
            return old if new is None else new
        if location.write_bytes(new, if_generation=generation) is not None:
            return new
        time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))
    raise RemoteStorageError(f"cannot update {location}: {attempts} conflicting writers in a row")


_conditional_checked: set[tuple[str, str, str | None]] = set()


def check_conditional_writes(location: RemotePath) -> None:
    """Make sure the server honours ``If-None-Match`` (once per bucket and process).

    Creates a probe object twice with "only if absent"; the second must be
    refused. Unless ``wkdist.s3.single-writer`` is true, a server that accepts
    it is an error: concurrent metadata updates would lose changes there.
    """
    location._check_writable("write")
    key = (location.scheme, location.bucket, location.endpoint)
    if key in _conditional_checked or location.scheme != "s3":
        return
    probe = location._with_key(f".wkdist-conditional-write-probe-{uuid.uuid4().hex}")
    try:
        first = probe.write_bytes(b"", if_generation=_NO_VALUE)
        second = probe.write_bytes(b"", if_generation=_NO_VALUE)
    finally:
        probe.unlink()
    honoured = first is not None and second is None
    if not honoured and not dask.config.get("wkdist.s3.single-writer"):
        raise RemoteStorageError(
            f"the server of {location} ignores conditional writes (If-None-Match), so "
            "concurrent metadata updates could be lost; set wkdist.s3.single-writer: true "
            "(dask config) to write anyway, one writer at a time"
        )
    _conditional_checked.add(key)
