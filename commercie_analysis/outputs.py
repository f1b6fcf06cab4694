"""Writing results safely: all or nothing, never into ``data/raw``.

Every command that writes files does so through :func:`output_folder` or
:func:`output_file`. The files go to a hidden staging folder (or file) next to the
destination and are moved into place only when the whole step succeeded, so a failure
leaves the destination as it was: nothing half-written, nothing lost.

An output folder holds the results of one run only. Each one carries a marker file,
``.commercie-output``, listing the files written; a folder holding exactly such files
is replaced as a whole by the next run into it (so no file of an earlier run lingers
among the new ones), and a folder holding anything else is refused rather than mixed
with results: files the toolkit did not write are never deleted.
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

__all__ = [
    "output_folder",
    "output_file",
    "check_writable",
    "check_destination",
    "MARKER",
]

MARKER = ".commercie-output"


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
        The folder the results belong in: new, empty, or the results of an earlier
        run (which are replaced as a whole).
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
    destination = check_destination(destination, parameter)
    parent = destination.resolve().parent
    stage = _make_stage(parent, destination.name, parameter, destination)
    try:
        yield stage
        written = sorted(entry.name for entry in stage.iterdir())
        (stage / MARKER).write_text(
            "Results written by commercie_analysis; the next run into this folder "
            "replaces them all. Written:\n" + "".join(f"{n}\n" for n in written),
            encoding="utf-8",
        )
        _swap_into_place(stage, destination)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check_destination(destination: str | Path, parameter: str = "out") -> Path:
    """Check, before any work, that results may be written to a folder.

    Parameters
    ----------
    destination : str or Path
        The intended output folder.
    parameter : str, default="out"
        Name of the option that gave ``destination``, for error messages.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        If ``destination`` is in ``data/raw``, is a file, or is a folder holding
        anything but the results of an earlier run (files the toolkit did not
        write are never deleted).
    """
    destination = check_writable(destination, parameter)
    if destination.exists() and not destination.is_dir():
        raise DataError(f"--{parameter} {destination}: exists and is not a folder")
    if destination.is_dir():
        foreign = _foreign_entries(destination)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise DataError(
                f"--{parameter} {destination}: the folder holds files that are not "
                f"results of an earlier run ({shown}); choose a new or empty folder"
            )
    return destination


def _foreign_entries(folder: Path) -> list[str]:
    # Entries the toolkit did not write: everything, when the folder carries no
    # marker; otherwise whatever the marker does not list.
    entries = sorted(entry.name for entry in folder.iterdir())
    marker = folder / MARKER
    if not marker.exists():
        return entries
    listed = set(marker.read_text(encoding="utf-8").splitlines()[1:])
    return [name for name in entries if name != MARKER and name not in listed]


def _make_stage(parent: Path, name: str, parameter: str, destination: Path) -> Path:
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
        stage.chmod(0o777 & ~_umask())  # an ordinary folder once in place
        return stage
    except OSError as exc:
        raise DataError(
            f"--{parameter} {destination}: cannot write there ({exc.strerror or exc})"
        ) from None


def _swap_into_place(stage: Path, destination: Path) -> None:
    # The earlier results move aside first and are deleted only once the new ones
    # are in place.
    old = None
    if destination.exists():
        old = destination.with_name(f".{destination.name}.old-{os.getpid()}")
        os.replace(destination, old)
    try:
        os.replace(stage, destination)
    except OSError:
        if old is not None:
            os.replace(old, destination)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
    if destination.is_dir():
        raise DataError(f"--{parameter} {destination}: is a folder, expected a file")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=parent)
    except OSError as exc:
        raise DataError(
            f"--{parameter} {destination}: cannot write there ({exc.strerror or exc})"
        ) from None
    os.close(handle)
    staged = Path(name)
    staged.chmod(0o666 & ~_umask())  # an ordinary file once in place
    try:
        yield staged
        os.replace(staged, destination)
    finally:
        staged.unlink(missing_ok=True)
