"""``info``, ``verify``, ``status``, ``discard`` and ``demo``: commands that
look at datasets and their job journals (or build a sample)."""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from wkdist.errors import (
    UnfinishedJobWarning,
)
from wkdist.location import Location, RemotePath

if TYPE_CHECKING:
    import argparse



def _disk_size(path: Location) -> str:
    if isinstance(path, RemotePath):
        return "in object storage"
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return f"{size / 2**20:.1f} MiB on disk"

def cmd_info(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset
    from wkdist.journal import job_status, unfinished_jobs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnfinishedJobWarning)
        ds = Dataset.open(args.dataset)
    for journal in unfinished_jobs(ds.path) if isinstance(ds.path, Path) else ():
        status = job_status(journal)
        print(f"UNFINISHED job {journal.name} ({status.header.kind}): {status.done}/"
              f"{status.total} shards written; see: wkdist status {ds.path}")
    print(f"{ds.path}: {ds.name}, voxel size {ds.voxel_size_with_unit.factor} {ds.voxel_size_with_unit.unit}")
    for layer in ds.layers.values():
        print(f"  {layer.name} ({layer.category}, {layer.data_format.value}, "
              f"{layer.num_channels} × {layer.dtype.name}) box {layer.bounding_box}")
        for mag, view in layer.mags.items():
            spec = view.info
            print(f"    mag {mag.to_layer_name():8s} chunk {tuple(spec.chunk_shape)} shard "
                  f"{tuple(spec.shard_shape)} {spec.compression or 'raw'}, "
                  f"{_disk_size(view.path)}")

class Differences(Exception):
    """``verify`` found damage or differences (exit code 1)."""

def cmd_verify(args: argparse.Namespace) -> None:
    from wkdist.dataset import Dataset

    if args.second is None:
        _verify_files(args.first)
        return
    first, second = Dataset.open(args.first), Dataset.open(args.second)
    problems = [f"layer {name} is missing in {first.path}" for name in second.layers
                if name not in first.layers]
    for name, layer in first.layers.items():
        if name not in second.layers:
            problems.append(f"layer {name} is missing in {second.path}")
            continue
        other = second.get_layer(name)
        if layer.bounding_box != other.bounding_box:
            problems.append(f"layer {name} has the box {layer.bounding_box} in {first.path} but "
                            f"{other.bounding_box} in {second.path}")
            continue
        for mag, view in layer.mags.items():
            if mag not in other.mags:
                problems.append(f"{name} mag {mag.to_layer_name()} is missing in {second.path}")
            elif not view.content_is_equal(other.get_mag(mag), executor=args.executor):
                problems.append(f"{name} mag {mag.to_layer_name()} differs")
    if problems:
        raise Differences("; ".join(problems))
    print(f"equal: every layer and mag of {first.path} matches {second.path}")

def _verify_files(path: Location) -> None:
    from wkdist.journal import journals, verify_files

    if not journals(path):
        raise FileNotFoundError(f"no job journal in {path}: nothing to verify against")
    checked, bad = verify_files(path)
    if not bad:
        print(f"intact: {checked} shard files of {path} match their journal")
        return
    for problem in bad:
        print(f"  {problem}")
    raise Differences(
        f"{len(bad)} of the journaled files of {path} are damaged or unknown; rewrite the "
        f"damaged shards with: wkdist resume {path} --verify"
    )

def cmd_status(args: argparse.Namespace) -> None:
    from wkdist.journal import job_status, journals

    while True:
        found = journals(args.dataset)
        if not found:
            if not (args.dataset / "datasource-properties.json").is_file():
                raise FileNotFoundError(f"no dataset at {args.dataset}")
            print(f"{args.dataset}: no journaled jobs")
            return
        statuses = [job_status(journal) for journal in found]
        if args.watch:
            print("\033[2J\033[H", end="")
        print("\n".join(status.describe() for status in statuses), flush=True)
        if not args.watch or all(status.finalized for status in statuses):
            return
        time.sleep(args.watch)

def cmd_discard(args: argparse.Namespace) -> None:
    from wkdist.journal import unfinished_jobs

    unfinished = unfinished_jobs(args.dataset)
    if args.job is not None:
        unfinished = [j for j in unfinished if j.name == args.job]
        if not unfinished:
            raise FileNotFoundError(f"no unfinished job {args.job!r} in {args.dataset}")
    if not unfinished:
        raise FileNotFoundError(f"no unfinished job in {args.dataset}; nothing to discard")
    if len(unfinished) > 1:
        names = ", ".join(j.name for j in unfinished)
        raise ValueError(
            f"{args.dataset} has several unfinished jobs ({names}); pick one with --job"
        )
    journal = unfinished[0]
    created = ", ".join(journal.header.created) or "no files"
    journal.discard()
    print(f"discarded job {journal.name}: removed {created} and its journal")

def cmd_demo(args: argparse.Namespace) -> None:
    from wkdist.demo import run_demo

    if args.path is None:
        with tempfile.TemporaryDirectory(prefix="wkdist-demo-") as tmp:
            run_demo(Path(tmp), tuple(args.size), executor=args.executor)
    else:
        run_demo(args.path, tuple(args.size), executor=args.executor)
