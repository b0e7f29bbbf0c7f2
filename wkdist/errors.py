"""Exception types of wkdist.

Each error subclasses the builtin that the WEBKNOSSOS libraries raise in the same
situation (``IndexError`` for unknown or duplicate layers and mags, ``RuntimeError``
for an existing dataset, assertion-style checks for bad arguments), so code written
against ``webknossos`` keeps catching them, while the messages say which argument
was wrong, what was given and what was expected.
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "DatasetExistsError",
    "ImageStackError",
    "InvalidArgumentError",
    "JobIncompleteError",
    "LocationError",
    "NotFoundError",
    "ReadOnlyError",
    "RemoteStorageError",
    "ShardFailedError",
    "UnfinishedJobError",
    "UnfinishedJobWarning",
    "UnsupportedLocationError",
    "WkdistError",
]


class WkdistError(Exception):
    """Base class of all wkdist errors."""


class InvalidArgumentError(WkdistError, ValueError, AssertionError):
    """An argument has the wrong value, shape, type or alignment.

    Also an ``AssertionError`` because the reference checks many of these with
    ``assert``; catching either works.
    """


class NotFoundError(WkdistError, IndexError):
    """A layer or mag that was asked for does not exist."""


class AlreadyExistsError(WkdistError, IndexError):
    """A layer or mag with that name exists already."""


class DatasetExistsError(WkdistError, RuntimeError):
    """A dataset exists at the path where a new one should be created."""


class ReadOnlyError(WkdistError, RuntimeError):
    """A write was attempted on a read-only dataset, layer or view."""


class ImageStackError(WkdistError, ValueError):
    """Input images cannot be imported: none found, unreadable, truncated, of an
    unsupported pixel type, or not one consistent stack. ``path`` names the file
    (or the input) at fault."""

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.args[0], self.path))


class ShardFailedError(WkdistError, RuntimeError):
    """Making or writing one target shard failed inside a task (maybe on a remote worker).

    The message names the shard and the array and carries the remote traceback
    as text, because tracebacks do not survive pickling back to the client.
    """

    def __init__(self, message: str, shard: object = None, remote_traceback: str = "") -> None:
        super().__init__(message)
        self.shard = shard
        self.remote_traceback = remote_traceback

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.args[0], self.shard, self.remote_traceback))


class JobIncompleteError(WkdistError, RuntimeError):
    """A job ended with shards unwritten: a task failed or its worker was lost.

    ``unfinished`` lists the target shard boxes (target mag voxels) that were
    not confirmed written; running the same job again redoes them (every task
    is idempotent). The properties file was not updated.
    """

    def __init__(self, message: str, unfinished: list[object] | None = None) -> None:
        super().__init__(message)
        self.unfinished = list(unfinished or [])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.args[0], self.unfinished))


class UnfinishedJobError(WkdistError, RuntimeError):
    """The target holds an unfinished job other than the one asked for."""


class UnfinishedJobWarning(UserWarning):
    """A dataset holds a job that was started and not finished (see ``wkdist status``)."""


class LocationError(WkdistError, ValueError):
    """A dataset location (path or URL) is malformed or of an unknown kind."""


class RemoteStorageError(WkdistError, OSError):
    """Object storage refused or could not answer a request (credentials, bucket, network).

    The message is one line naming the location and the endpoint, never a credential.
    """


class UnsupportedLocationError(WkdistError, NotImplementedError):
    """An operation that needs a local file system was asked of object storage (or
    a write of a read-only HTTP location); raised before anything is written."""
