"""Where the project keeps its data.

The layout follows one direction of flow: survey exports are read from ``data/raw``
(which code never writes) and everything derived goes to ``data/processed``. The
project root is the folder that holds ``pyproject.toml``; when the package is used
outside a checkout, the current working directory stands in for it.
"""

from pathlib import Path

__all__ = ["PROJECT_ROOT", "RAW_DIR", "PROCESSED_DIR", "is_inside"]


def _find_root() -> Path:
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


PROJECT_ROOT = _find_root()
RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"


def is_inside(path: str | Path, folder: str | Path) -> bool:
    """Tell whether ``path`` lies in ``folder`` or below it.

    Parameters
    ----------
    path, folder : str or Path
        Paths to compare; both are resolved first, so links and ``..`` are followed.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_inside("/tmp/a/b.csv", "/tmp/a")
    True
    >>> is_inside("/tmp/ab.csv", "/tmp/a")
    False
    """
    return Path(path).resolve().is_relative_to(Path(folder).resolve())
