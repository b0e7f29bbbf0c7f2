"""wkdist's defaults in dask's configuration system (``dask.config``, key ``wkdist``).

``wkdist.yaml`` is the one source of every default; code reads settings only
through :func:`setting` and :func:`byte_setting`, never with a literal fallback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dask.config
import yaml
from dask.utils import parse_bytes

_DEFAULTS_FILE = Path(__file__).with_name("wkdist.yaml")


def register_defaults() -> None:
    """Merge ``wkdist.yaml`` into dask's defaults (user settings keep priority)."""
    defaults = yaml.safe_load(_DEFAULTS_FILE.read_text())
    dask.config.update_defaults(defaults)


def setting(name: str) -> Any:  # noqa: ANN401 - a YAML scalar; callers convert it
    """The value of ``wkdist.<name>`` (e.g. ``"write.max-tasks"``) in dask's config.

    The defaults from ``wkdist.yaml`` are registered when :mod:`wkdist` is
    imported, so every key of that file has a value.
    """
    return dask.config.get(f"wkdist.{name}")


def worker_count() -> int:
    """CPUs this process may use (its affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def byte_setting(name: str) -> int:
    """``wkdist.<name>`` as a number of bytes (``"1GiB"``, ``"128MiB"``, or an int)."""
    return int(parse_bytes(str(setting(name))))
