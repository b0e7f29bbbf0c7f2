"""Which datasets' properties this context reads and writes in a stage (see ``staging``).

A registry only, so that :mod:`wkdist.properties.store` can follow it while
:mod:`wkdist.properties.staging`, which fills it, builds on the store.
"""

from __future__ import annotations

from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from wkdist.location import Location

#: Dataset folder (resolved) → the folder that holds its staged properties.
STAGES: ContextVar[Mapping[Location, Location]] = ContextVar(
    "wkdist_property_stages", default=MappingProxyType({})
)


def properties_home(dataset: Location) -> Location:
    """The folder whose ``datasource-properties.json`` stands for ``dataset``'s
    in this context: its stage while a job stages it, else the dataset itself."""
    stages = STAGES.get()
    if not stages:
        return dataset
    return stages.get(dataset.resolve(), dataset)


def is_staged(dataset: Location) -> bool:
    """Whether this context reads and writes ``dataset``'s properties in a stage."""
    return properties_home(dataset) is not dataset
