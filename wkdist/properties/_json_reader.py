"""Checking decoded JSON values, with errors that name the file and the JSON path."""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from wkdist.errors import InvalidArgumentError, WkdistError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["JsonReader", "PropertiesError", "join_path"]


class PropertiesError(WkdistError, ValueError, AssertionError):
    """``datasource-properties.json`` is malformed.

    Also an ``AssertionError``, as the reference checks e.g. the version with ``assert``.

    Attributes
    ----------
    source
        The file (or ``"<dict>"``) that was read.
    json_path
        Where in the JSON the bad value is, e.g. ``"dataLayers[0].boundingBox"``
        (``""`` for the document as a whole).
    detail
        What was found and what was expected.
    """

    def __init__(self, source: str, json_path: str, detail: str) -> None:
        where = f"{source}, at {json_path}" if json_path else source
        super().__init__(f"{where}: {detail}")
        self.source = source
        self.json_path = json_path
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.json_path, self.detail))


def _show(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def join_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class JsonReader:
    """Checks JSON values and reports failures with the source and JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, found: object, expected: str) -> NoReturn:
        raise PropertiesError(self.source, path, f"found {_show(found)}; expected {expected}")

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Report the model's ``InvalidArgumentError`` as a ``PropertiesError`` at ``path``."""
        try:
            yield
        except PropertiesError:
            raise
        except InvalidArgumentError as error:
            raise PropertiesError(self.source, path, str(error)) from error

    def required(self, obj: Mapping[str, Any], key: str, path: str, expected: str) -> object:
        if key not in obj:
            raise PropertiesError(
                self.source, join_path(path, key), f"the key is missing; expected {expected}"
            )
        return obj[key]

    def json_object(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, value, "a JSON object")
        return value

    def array(self, value: object, path: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, value, f"a JSON array of {what}")
        return value

    def integer(self, value: object, path: str, minimum: int | None = None) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, value, "an integer")
        if minimum is not None and value < minimum:
            self.fail(path, value, f"an integer >= {minimum}")
        return value

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            self.fail(path, value, "a string")
        return value

    def optional_object(self, obj: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = obj.get(key)
        return (
            None if value is None else copy.deepcopy(self.json_object(value, join_path(path, key)))
        )
