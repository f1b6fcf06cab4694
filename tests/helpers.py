"""Helpers shared by the tests: reference values and comparing factor solutions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference"
BFI_CSV = ROOT / "data" / "raw" / "bfi.csv"


def load_reference(name: str) -> dict:
    """The reference values in ``tests/reference/<name>.json``."""
    return json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))


def as_frame(entry: dict) -> pd.DataFrame:
    """A matrix stored as ``{rows, cols, values}``."""
    return pd.DataFrame(entry["values"], index=entry["rows"], columns=entry["cols"])


def bfi_items_complete() -> pd.DataFrame:
    """The 25 bfi items, complete cases (2436 respondents), as R's ``cc``."""
    frame = pd.read_csv(BFI_CSV, index_col="respondent_id")
    return frame.iloc[:, :25].dropna().astype(float)


def match_factors(ours: np.ndarray, theirs: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Column order and signs that make ``ours`` line up with ``theirs``.

    Each reference column is paired with the column of ``ours`` it correlates with
    most in absolute value (one-to-one, greedily from the strongest pair), and the
    sign is taken from that correlation.
    """
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    m = theirs.shape[1]
    strength = np.abs(
        [[np.dot(theirs[:, j], ours[:, k]) for k in range(m)] for j in range(m)]
    )
    order, taken = [None] * m, set()
    for flat in np.argsort(strength, axis=None)[::-1]:
        j, k = divmod(int(flat), m)
        if order[j] is None and k not in taken:
            order[j] = k
            taken.add(k)
    signs = np.sign([np.dot(theirs[:, j], ours[:, order[j]]) for j in range(m)])
    return order, signs


def aligned(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """``ours`` with its columns reordered and signed like ``theirs``."""
    order, signs = match_factors(ours, theirs)
    return np.asarray(ours)[:, order] * signs
