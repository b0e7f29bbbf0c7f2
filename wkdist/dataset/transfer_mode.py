"""How a mag or attachment folder gets to its new place: copy, symlink or move."""

from __future__ import annotations

import os
import shutil
from enum import StrEnum
from pathlib import Path

from wkdist.errors import InvalidArgumentError

__all__ = ["TransferMode"]


class TransferMode(StrEnum):
    """The reference's transfer modes; :meth:`transfer` carries one out locally.

    ``HTTP`` (an upload to a WEBKNOSSOS server) is not something a local transfer
    can do; :meth:`transfer` raises ``NotImplementedError`` for it.
    """

    HTTP = "http"
    MOVE_AND_SYMLINK = "move+symlink"
    SYMLINK = "symlink"
    COPY = "copy"

    def transfer(
        self,
        src_path: str | os.PathLike[str],
        dst_path: str | os.PathLike[str],
        progress_desc_label: str | None = None,
    ) -> None:
        """Make ``dst_path`` hold the folder ``src_path``.

        ``COPY`` copies it; ``SYMLINK`` makes ``dst_path`` a symlink to it;
        ``MOVE_AND_SYMLINK`` moves it (a rename: same filesystem only) and leaves a
        symlink to the new place at ``src_path``. ``progress_desc_label`` is accepted
        for compatibility.

        Raises
        ------
        InvalidArgumentError
            (a ``ValueError`` and ``AssertionError``) if ``src_path`` is missing, or
            ``dst_path`` exists (symlink modes).
        """
        del progress_desc_label
        src, dst = Path(src_path), Path(dst_path)
        if self is TransferMode.HTTP:
            raise NotImplementedError(
                "TransferMode.HTTP uploads to a WEBKNOSSOS server; it is not a local transfer"
            )
        if not src.exists():
            raise InvalidArgumentError(f"src_path={str(src)!r} does not exist")
        if self is TransferMode.COPY:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(src, dst, dirs_exist_ok=True, symlinks=False)
            return
        if dst.exists() or dst.is_symlink():
            raise InvalidArgumentError(f"dst_path={str(dst)!r} already exists")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if self is TransferMode.SYMLINK:
            dst.symlink_to(src.resolve())
            return
        os.rename(src, dst)  # a rename, never a copy: fails across filesystems
        src.symlink_to(dst.resolve())
