"""The ``wkdist`` command line: thin over the Dataset API and the jobs.

One module per command group (:mod:`~wkdist.cli.data_commands`,
:mod:`~wkdist.cli.image_commands`, :mod:`~wkdist.cli.dataset_commands`), the
parser, the journaled job of a command (:mod:`~wkdist.cli.jobs`) and
:func:`~wkdist.cli.entry.main`. Run it as ``wkdist`` or ``python -m wkdist.cli``.
"""

from __future__ import annotations

from wkdist.cli.entry import main

__all__ = ["main"]
