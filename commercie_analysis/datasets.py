"""The real data sets the project carries in ``data/raw`` for demos, docs and tests."""

from __future__ import annotations

import pandas as pd

from .exceptions import DataError
from .paths import RAW_DIR

__all__ = ["load_bfi"]


def load_bfi() -> pd.DataFrame:
    """The bfi data: 2800 respondents, 25 Big Five items, gender, education, age.

    Returns
    -------
    DataFrame
        Indexed by ``respondent_id``; answers 1..6 as floats with NaN for a missing
        answer. Provenance: ``data/raw/README.md`` (psychTools::bfi, SAPA project).

    Examples
    --------
    >>> bfi = load_bfi()
    >>> bfi.shape, int(bfi.iloc[:, :25].dropna().shape[0])
    ((2800, 28), 2436)
    """
    path = RAW_DIR / "bfi.csv"
    if not path.exists():
        raise DataError(f"{path}: the bundled bfi data are missing from data/raw")
    return pd.read_csv(path, index_col="respondent_id").astype(float)
