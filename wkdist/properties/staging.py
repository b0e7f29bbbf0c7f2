"""A job's changes to ``datasource-properties.json``, kept aside until it finalizes.

A job that adds layers or mags, or grows boxes, must not make its target look
complete before it is: WEBKNOSSOS, ``webknossos`` and every other process read
the real file. So while a journaled job runs, :func:`staged_properties` points
every read and write of the target's properties *in the job's context* to a copy
in the job's folder (the stage), and the job's finalization calls
:func:`publish_stage`, which applies the job's changes to the real file at once:

    <dataset>/datasource-properties.json          what everyone sees (as before the job)
    <stage>/base-properties.json                  the real file when the job started
    <stage>/datasource-properties.json            the job's view, changed as it runs

Publishing is a three-way merge (what the job changed between ``base`` and its
stage, applied to the real file's current content, layer by layer), so changes
others made to the real file meanwhile are kept. Both stage files survive a
kill: a resumed job continues from its stage, and publishing twice gives the
same file.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from types import MappingProxyType
from typing import TYPE_CHECKING

from wkdist._atomic import write_text_atomically

from ._stages import STAGES
from .json_codec import loads_properties
from .model import DatasetProperties
from .store import PROPERTIES_FILE_NAME, load_properties, save_properties, update_properties
from .zarr_groups import write_zarr_group_metadata

if TYPE_CHECKING:
    from collections.abc import Iterator

    from wkdist.location import Location

__all__ = ["BASE_FILE_NAME", "merge_job_changes", "publish_stage", "staged_properties"]

#: The real properties as the job found them, next to the staged ones.
BASE_FILE_NAME = "base-properties.json"


@contextmanager
def staged_properties(dataset: Location, stage: Location) -> Iterator[None]:
    """Within the block, read and write ``dataset``'s properties in ``stage``.

    The stage is made from the real file the first time (a dataset that does not
    exist yet starts with an empty stage: creating it writes there); a stage
    left by an earlier run of the job is continued as it is.
    """
    stage.mkdir(parents=True, exist_ok=True)
    real = dataset / PROPERTIES_FILE_NAME
    if not (stage / PROPERTIES_FILE_NAME).is_file() and real.is_file():
        text = real.read_text()
        # base first: a stage without its base would publish as an overwrite
        write_text_atomically(stage / BASE_FILE_NAME, text)
        write_text_atomically(stage / PROPERTIES_FILE_NAME, text)
    token = STAGES.set(MappingProxyType({**STAGES.get(), dataset.resolve(): stage}))
    try:
        yield
    finally:
        STAGES.reset(token)


@contextmanager
def _unstaged() -> Iterator[None]:
    token = STAGES.set(MappingProxyType({}))
    try:
        yield
    finally:
        STAGES.reset(token)


def merge_job_changes(
    base: DatasetProperties | None, staged: DatasetProperties, current: DatasetProperties
) -> DatasetProperties:
    """``current`` with what a job changed from ``base`` to ``staged``.

    Layers the job added, changed or removed are taken from ``staged`` whole;
    other layers stay as in ``current``; so do the dataset's own fields unless
    the job changed them. Without a ``base`` (the job created the dataset) the
    result is ``staged``.
    """
    if base is None or base == current:
        return staged
    merged = current
    for field in dataclasses.fields(DatasetProperties):
        if field.name != "data_layers" and getattr(staged, field.name) != getattr(base, field.name):
            merged = dataclasses.replace(merged, **{field.name: getattr(staged, field.name)})
    before = {layer.name: layer for layer in base.data_layers}
    after = {layer.name: layer for layer in staged.data_layers}
    for name in [*before, *(n for n in after if n not in before)]:
        if before.get(name) == after.get(name):
            continue
        if name in after:
            merged = merged.with_layer(after[name])
        elif name in merged.layer_names:
            merged = merged.without_layer(name)
    return merged


def publish_stage(dataset: Location, stage: Location) -> DatasetProperties | None:
    """Apply the job's staged changes to ``dataset``'s real properties file (and
    its Zarr group files); return what the file holds then, or ``None`` if the
    job staged nothing."""
    if not (stage / PROPERTIES_FILE_NAME).is_file():
        return None
    staged = load_properties(stage)
    base = _load_or_none(stage / BASE_FILE_NAME)
    with _unstaged():
        if (dataset / PROPERTIES_FILE_NAME).is_file():
            published = update_properties(
                dataset, lambda current: merge_job_changes(base, staged, current)
            )
        else:
            save_properties(dataset, staged)
            published = staged
    write_zarr_group_metadata(dataset, published)
    return published


def _load_or_none(path: Location) -> DatasetProperties | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    return loads_properties(text, source=str(path))
