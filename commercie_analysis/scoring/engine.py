"""The scoring rule compiled to matrices, for fast blockwise scoring.

Each score is linear in the raw answers once reverse keys and centres are folded in:
``term_j = slope_j * x_j + const_j``. A block of rows without missing or out-of-range
answers is scored with one matrix product; other blocks mask the missing answers,
count them and prorate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Engine", "range_message", "BLOCK_ROWS"]

BLOCK_ROWS = 8_192
"""Rows per block: small enough to stay in cache, large enough to amortise calls."""


class Engine:
    """The model compiled to matrices for fast, blockwise scoring."""

    def __init__(self, model):
        p, s = len(model.items), len(model.scores)
        position = {item.id: j for j, item in enumerate(model.items)}
        self.slope = np.zeros((p, s))  # coefficient of the raw answer
        self.const = np.zeros((p, s))  # constant part of each item's term
        self.abs_weight = np.zeros((p, s))
        self.member = np.zeros((p, s))
        self.intercept = np.array([r.intercept for r in model.scores], dtype=float)
        self.min_answered = np.array([r.min_answered for r in model.scores])
        self.prorate = np.array([r.prorate for r in model.scores])
        for k, rule in enumerate(model.scores):
            for item_id, w in zip(rule.items, rule.weights, strict=True):
                j = position[item_id]
                item = model.items[j]
                turn = model.apply_reverse_keys and item.reverse
                sign, offset = (-1.0, item.min + item.max) if turn else (1.0, 0.0)
                self.slope[j, k] = w * sign
                self.const[j, k] = w * (offset - item.centre)
                self.abs_weight[j, k] = abs(w)
                self.member[j, k] = 1.0
        self.total_const = self.const.sum(axis=0) + self.intercept
        self.total_abs = self.abs_weight.sum(axis=0)
        self.low = np.array([it.min for it in model.items])
        self.high = np.array([it.max for it in model.items])
        self.common_range = bool(
            np.all(self.low == self.low[0]) and np.all(self.high == self.high[0])
        )
        self.item_ids = [it.id for it in model.items]

    def score_block(self, block, target, check_range):
        """Score one block into ``target``; return the out-of-range mask if any."""
        # Fast path: one reduction each for the lowest and highest answer (NaN makes
        # both comparisons fail), then one matrix product.
        if self.common_range:
            low, high = block.min(), block.max()
            clean = low >= self.low[0] and high <= self.high[0]
        else:
            clean = bool(
                np.all(block.min(axis=0) >= self.low)
                and np.all(block.max(axis=0) <= self.high)
            )
        if clean:
            np.matmul(block, self.slope, out=target)
            target += self.total_const
            return None

        answered = ~np.isnan(block)
        if check_range:
            with np.errstate(invalid="ignore"):
                bad = (block < self.low) | (block > self.high)
            if bad.any():
                return bad
        filled = np.where(answered, block, 0.0)
        mask = answered.astype(np.float64)
        total = filled @ self.slope + mask @ self.const
        count = mask @ self.member
        factor = np.ones_like(total)
        if self.prorate.any():
            answered_abs = mask @ self.abs_weight
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = self.total_abs / answered_abs
            factor = np.where(self.prorate, ratio, 1.0)
        with np.errstate(invalid="ignore"):
            result = self.intercept + total * factor
        result[count < self.min_answered] = np.nan
        target[...] = result
        return None


def range_message(bad, values, index, item_ids) -> str:
    """The error text for answers outside the range: count, then the first rows."""
    rows = np.flatnonzero(bad.any(axis=1))
    shown = []
    for r in rows[:10]:
        cols = np.flatnonzero(bad[r])
        found = ", ".join(f"{item_ids[c]}={values[r, c]:g}" for c in cols[:3])
        shown.append(f"{index[r]} ({found})")
    more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
    return (
        f"answers outside the model's answer range in {len(rows)} row(s): "
        f"{'; '.join(shown)}{more}"
    )
