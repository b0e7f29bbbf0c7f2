"""Cluster profiles: named YAML fragments of dask configuration (see ``configs/``).

A profile is found by path, or by name in, first to last: the folders in
``$WKDIST_PROFILE_PATH`` (``os.pathsep``-separated), ``~/.config/wkdist/profiles``,
and the profiles shipped with wkdist. Its settings override dask's defaults and
your dask YAML files; ``DASK_*`` environment variables override the profile, as
they override every other dask setting.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dask.config
import yaml

from wkdist.errors import InvalidArgumentError

PROFILE_SUFFIXES = (".yaml", ".yml")


def _shipped_profiles() -> Path:
    """``configs/`` of a source checkout (editable install), else the installed copy."""
    checkout = Path(__file__).resolve().parents[2] / "configs"
    return checkout if checkout.is_dir() else Path(sys.prefix) / "share" / "wkdist" / "configs"


def profile_folders() -> list[Path]:
    """The folders searched for profiles by name, first match wins."""
    extra = os.environ.get("WKDIST_PROFILE_PATH", "")
    folders = [Path(p).expanduser() for p in extra.split(os.pathsep) if p]
    return [*folders, Path("~/.config/wkdist/profiles").expanduser(), _shipped_profiles()]


def available_profiles() -> list[str]:
    """Names of the profiles that :func:`find_profile` finds by name."""
    names = {
        path.stem
        for folder in profile_folders()
        if folder.is_dir()
        for path in folder.iterdir()
        if path.suffix in PROFILE_SUFFIXES
    }
    return sorted(names)


def find_profile(profile: str | os.PathLike[str]) -> Path:
    """The file of ``profile``: a path to a YAML file, or a profile name.

    Raises
    ------
    InvalidArgumentError
        If no such file or profile exists.
    """
    path = Path(profile).expanduser()
    if path.suffix in PROFILE_SUFFIXES or os.sep in str(profile):
        if path.is_file():
            return path
        raise InvalidArgumentError(f"cluster profile file {str(profile)!r} does not exist")
    for folder in profile_folders():
        for suffix in PROFILE_SUFFIXES:
            candidate = folder / f"{profile}{suffix}"
            if candidate.is_file():
                return candidate
    raise InvalidArgumentError(
        f"unknown cluster profile {str(profile)!r}; expected a YAML file or one of "
        f"{', '.join(available_profiles()) or '(none found)'} "
        f"(searched {', '.join(str(f) for f in profile_folders())})"
    )


def load_profile(profile: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings of ``profile`` with ``DASK_*`` environment variables applied on top.

    Raises
    ------
    InvalidArgumentError
        If the profile is missing, is not a YAML mapping, or names no
        ``wkdist.cluster.kind``.
    """
    path = find_profile(profile)
    try:
        settings = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise InvalidArgumentError(f"cluster profile {path} is not valid YAML: {error}") from error
    if not isinstance(settings, dict):
        raise InvalidArgumentError(
            f"cluster profile {path} must be a mapping of dask settings; got {type(settings).__name__}"
        )
    settings = dask.config.merge(settings, dask.config.collect_env())
    section: Any = settings
    for key in ("wkdist", "cluster"):
        section = section.get(key) if isinstance(section, dict) else None
    if not isinstance(section, dict) or section.get("kind") is None:
        raise InvalidArgumentError(
            f"cluster profile {path} sets no wkdist.cluster.kind; expected e.g. "
            "'wkdist: {cluster: {kind: local}}'"
        )
    return settings
