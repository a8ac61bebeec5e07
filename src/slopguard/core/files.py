"""Read a scanned tree's files safely: regular files only, size checked before reading, reads bounded.

A FIFO named ``x.py`` would block a plain ``open``/``read`` for ever and a character device named ``z.py`` would
feed it without end; a file swapped for one of them between the walk and the read is caught by the second check
on the open descriptor.
"""

from __future__ import annotations

import os
import stat


class NotReadable(Exception):
    """Why a file was not read: not a regular file, over the size limit, or an OS error."""


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raises NotReadable with the reason otherwise."""
    try:
        _check(os.stat(path), limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise NotReadable(f"cannot read: {exc.strerror or exc}") from exc
    try:
        _check(os.fstat(fd), limit)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise NotReadable(f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise NotReadable(f"file grew past max-file-size ({limit:,}) while being read")
    return data


def _check(st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise NotReadable(f"not a regular file ({_kind(st.st_mode)})")
    if st.st_size > limit:
        raise NotReadable(f"file is {st.st_size:,} bytes, over max-file-size ({limit:,})")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a plain file"
