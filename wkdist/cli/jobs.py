"""The journaled job of a command (its identity and the ``argv`` that
continues it), and ``resume``'s arguments."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.cli.image_commands import IMPORT_SETUP_OPTIONS
from wkdist.run.journaled import Job

if TYPE_CHECKING:
    import argparse



def _import_job(args: argparse.Namespace) -> Job:
    """The import (with ``--downsample``: and the pyramid) as one job; its identity
    is the one of the same ``Dataset.from_images`` call, plus ``--downsample``."""
    target = args.target.absolute() if isinstance(args.target, Path) else args.target
    argv = ["import", *(str(Path(s).absolute()) for s in args.source), str(target)]
    argv += _option_argv("voxel_size", args.voxel_size.factor)
    for option in _IMPORT_OPTIONS:
        if getattr(args, option) is not None:
            argv += _option_argv(option, getattr(args, option))
    more = {"downsample": args.coarsest_mag or True} if args.downsample else None
    return args.setup.job(  # type: ignore[no-any-return]
        target, args.layer_name, new_dataset=(args.voxel_size, args.name),
        argv=tuple(argv), more=more,
    )

PROPERTIES = "datasource-properties.json"

#: The options of each job command that its journal records (they make its identity).
_JOB_OPTIONS: dict[str, tuple[str, ...]] = {
    "copy": ("data_format", "chunk_shape", "shard_shape", "compress", "layers"),
    "compress": ("layers",),
    "downsample": ("from_mag", "coarsest_mag", "interpolation_mode", "sampling_mode", "layers"),
    "upsample": ("from_mag", "finest_mag", "sampling_mode", "layers"),
}

def _option_argv(name: str, value: object) -> list[str]:
    flag = f"--{name.replace('_', '-')}"
    if name == "compress":
        return ["--compress" if value else "--no-compress"]
    if name == "layers":
        return [part for layer in value for part in ("--layer", str(layer))]  # type: ignore[attr-defined]
    if isinstance(value, bool):  # a flag
        return [flag] if value else []
    if isinstance(value, tuple):
        return [flag, ",".join(map(str, value))]
    return [flag, str(value)]

#: The options of ``wkdist import`` that its ``argv`` repeats.
_IMPORT_OPTIONS = (
    *IMPORT_SETUP_OPTIONS, "name", "layer_name", "category", "compress", "downsample",
    "coarsest_mag",
)

def command_job(args: argparse.Namespace) -> Job | None:
    """The journaled job that a command runs (``None`` for commands that write no data)."""
    if args.command == "import":
        return _import_job(args)
    kind = "copy" if args.command == "convert" else args.command
    if kind not in _JOB_OPTIONS:
        return None
    options = {name: getattr(args, name) for name in _JOB_OPTIONS[kind]}
    options = {name: value for name, value in options.items() if value is not None}
    given = [args.source, args.target] if kind == "copy" else [args.dataset]
    if not all(isinstance(path, Path) for path in given):
        return None  # no journal in object storage yet
    paths = [path.absolute() for path in given]
    argv = [args.command, *map(str, paths)]
    for name, value in options.items():
        argv += _option_argv(name, value)
    return Job(
        kind,
        paths[-1],
        {name: list(v) if isinstance(v, tuple) else v for name, v in options.items()},
        source=paths[0] if kind == "copy" else None,
        argv=tuple(argv),
        creates_target=kind == "copy" and not paths[-1].exists(),
    )

def resume_argv(args: argparse.Namespace) -> list[str]:
    """The arguments that continue the job recorded in ``args.dataset``."""
    from wkdist.journal import journals

    if args.verify:
        from wkdist.journal import verify_files

        found = journals(args.dataset)
        _, bad = verify_files(args.dataset)
        names = {b.journal for b in bad if b.problem != "not in the journal"}
        for journal in found:
            if journal.name in names:
                journal.forget_damaged()
    unfinished = [j for j in journals(args.dataset) if not j.finalized]
    if not unfinished:
        raise FileNotFoundError(f"no unfinished job in {args.dataset}: nothing to resume")
    header = unfinished[0].header
    if header.argv is None:
        raise ValueError(
            f"the job {unfinished[0].name} was started from Python; run the same call again"
        )
    argv = [*header.argv, "--cluster", args.cluster]
    if args.jobs:
        argv += ["--jobs", str(args.jobs)]
    print(f"wkdist: resuming job {unfinished[0].name}: {shlex.join(['wkdist', *argv])}",
          file=sys.stderr)
    return argv
