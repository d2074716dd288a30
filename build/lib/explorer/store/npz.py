"""Reading .npz files the one safe way: no pickle, every fault the caller's own error.

Each array is read once, straight from the archive, and its CRC checked (numpy's own
loader stops before the check, so flipped bytes would load as data). A truncated or
damaged archive fails in several ways (zipfile's BadZipFile, zlib's
error, EOFError, ValueError, OSError); :func:`read_npz` turns each into ``error(reason,
path)`` so that callers handle one type. Checking shapes and values is the caller's job.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from explorer.errors import ExplorerError


def read_npz(path: Path, names: tuple[str, ...], error: type[ExplorerError],
             optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The arrays ``names`` (and those of ``optional`` that are there) of the archive at ``path``,
    each read whole, with ``allow_pickle=False``."""
    path = Path(path)
    if not path.is_file():
        raise error("file is missing", path, key="reason.missing")
    try:
        with open(path, "rb") as f:
            is_zip = f.read(4) == b"PK\x03\x04"
    except OSError as err:
        raise error(f"cannot be opened ({err.strerror})", path, key="reason.unreadable", detail=err.strerror) from None
    if not is_zip:  # np.load would take any other file for a pickle (and refuse it as one)
        raise error("is not an .npz archive (damaged or truncated)", path, key="reason.not_npz")
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            missing = [name for name in names if f"{name}.npy" not in members]
            if missing:
                raise error(f"has no {', '.join(missing)} array", path, key="reason.no_array", names=", ".join(missing))
            for name in (*names, *(n for n in optional if f"{n}.npy" in members)):
                with archive.open(f"{name}.npy") as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                    # numpy stops at the array's last byte; zipfile checks the member's CRC only
                    # at its end, so read on to it: flipped bytes must not load as data.
                    member.read()
    except ValueError as err:
        if "allow_pickle" in str(err):
            raise error("holds Python objects, which are never unpickled", path, key="reason.pickled") from None
        raise error(f"is damaged or truncated ({type(err).__name__})", path, key="reason.damaged",
                    detail=type(err).__name__) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise error(f"is damaged or truncated ({type(err).__name__})", path, key="reason.damaged",
                    detail=type(err).__name__) from None
    return arrays
