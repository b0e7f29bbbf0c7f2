"""wkdist's defaults in dask's configuration system (``dask.config``, key ``wkdist``)."""

from __future__ import annotations

from pathlib import Path

import dask.config
import yaml

_DEFAULTS_FILE = Path(__file__).with_name("wkdist.yaml")


def register_defaults() -> None:
    """Merge ``wkdist.yaml`` into dask's defaults (user settings keep priority)."""
    defaults = yaml.safe_load(_DEFAULTS_FILE.read_text())
    dask.config.update_defaults(defaults)
