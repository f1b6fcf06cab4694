"""Writing results safely: all or nothing, never into ``data/raw``.

Every command that writes files does so through :func:`output_folder`. The files go to
a hidden staging folder next to the destination and are moved into place only when
the whole step succeeded, so a failure leaves the destination as it was: nothing
half-written, nothing lost.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .exceptions import DataError
from .paths import RAW_DIR, is_inside

__all__ = ["output_folder", "output_file", "check_writable"]


def check_writable(path: str | Path, parameter: str = "out") -> Path:
    """Refuse a destination inside ``data/raw``, which code never writes.

    Parameters
    ----------
    path : str or Path
        The intended destination (file or folder).
    parameter : str, default="out"
        Name of the option that gave ``path``, for the error message.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        If ``path`` lies in the project's ``data/raw`` folder, or in any folder named
        ``raw`` inside a ``data`` folder.
    """
    path = Path(path)
    resolved = path.resolve()
    in_any_raw = any(
        parent.name == "raw" and parent.parent.name == "data"
        for parent in [resolved, *resolved.parents]
    )
    if is_inside(resolved, RAW_DIR) or in_any_raw:
        raise DataError(
            f"--{parameter} {path}: data/raw holds the original exports and is never "
            "written; choose a folder under data/processed instead"
        )
    return path


@contextlib.contextmanager
def output_folder(destination: str | Path, parameter: str = "out") -> Iterator[Path]:
    """Stage the files of a step and put them in place only if the step succeeds.

    Parameters
    ----------
    destination : str or Path
        The folder the results belong in. Files already there that the step does not
        write again are kept.
    parameter : str, default="out"
        Name of the option that gave ``destination``, for error messages.

    Yields
    ------
    Path
        An empty staging folder to write into.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> dest = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with output_folder(dest) as stage:
    ...     _ = (stage / "a.txt").write_text("done")
    >>> (dest / "a.txt").read_text()
    'done'
    """
    destination = check_writable(destination, parameter)
    parent = destination.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"--{parameter} {destination}: cannot create the folder ({exc.strerror})"
        ) from None
    if destination.exists() and not destination.is_dir():
        raise DataError(f"--{parameter} {destination}: exists and is not a folder")

    stage = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=parent))
    try:
        yield stage
        destination.mkdir(exist_ok=True)
        for entry in sorted(stage.iterdir()):
            target = destination / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def output_file(destination: str | Path, parameter: str = "out") -> Iterator[Path]:
    """Stage one file and move it into place only if writing it succeeds.

    Parameters
    ----------
    destination : str or Path
        The file to write.
    parameter : str, default="out"
        Name of the option that gave ``destination``, for error messages.

    Yields
    ------
    Path
        A temporary path in the same folder to write to.
    """
    destination = check_writable(destination, parameter)
    parent = destination.resolve().parent
    if not parent.is_dir():
        raise DataError(f"--{parameter} {destination}: folder {parent} does not exist")
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=parent)
    os.close(handle)
    staged = Path(name)
    try:
        yield staged
        os.replace(staged, destination)
    finally:
        staged.unlink(missing_ok=True)
