"""Exception types of wkdist.

Each error subclasses the builtin that the WEBKNOSSOS libraries raise in the same
situation (``IndexError`` for unknown or duplicate layers and mags, ``RuntimeError``
for an existing dataset, assertion-style checks for bad arguments), so code written
against ``webknossos`` keeps catching them, while the messages say which argument
was wrong, what was given and what was expected.
"""

from __future__ import annotations


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
