"""The ``wkdist`` command line."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from wkdist.demo import run_demo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wkdist",
        description="Copy, convert, compress and downsample WEBKNOSSOS datasets.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="build a sample EM-like dataset, convert it, print a summary",
        description="Build a sample EM-like dataset (WKW), copy it to Zarr v3 and "
        "print what was done and how fast.",
    )
    demo.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="folder for the demo datasets (default: a temporary folder, removed afterwards)",
    )
    demo.add_argument(
        "--size",
        type=int,
        nargs=3,
        default=(256, 256, 128),
        metavar=("X", "Y", "Z"),
        help="volume size in voxels (default: 256 256 128)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``wkdist`` command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            if args.path is None:
                with tempfile.TemporaryDirectory(prefix="wkdist-demo-") as tmp:
                    run_demo(Path(tmp), tuple(args.size))
            else:
                run_demo(args.path, tuple(args.size))
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError, IndexError) as error:
        print(f"wkdist: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
