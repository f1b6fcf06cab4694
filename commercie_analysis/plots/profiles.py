"""Figures of seller and market profiles: profile charts, team, number of classes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..exceptions import DataError
from ..matching import _categories

__all__ = ["seller_market_chart", "team_composition", "class_number_plot"]


def _labels(categories, labels):
    return [(labels or {}).get(c, c) for c in categories]


def _limits(ax, scale):
    if isinstance(scale, tuple | list) and len(scale) == 2:
        ax.set_ylim(scale[0] - 0.2, scale[1] + 0.2)


def seller_market_chart(
    seller: pd.Series,
    market: pd.Series,
    *,
    categories: list[str] | None = None,
    labels: dict[str, str] | None = None,
    scale=None,
    title: str | None = None,
):
    """Profile chart of one seller against the market, category by category.

    Parameters
    ----------
    seller, market : Series
        Scores per category.
    categories : list of str, optional
        Default: the seller's entries that the market also has.
    labels : dict, optional
        Display label per category.
    scale : (min, max), optional
        Sets the vertical axis to the answer scale.
    title : str, optional
        Default: the seller's name.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = seller_market_chart(pd.Series({"a": 4.0, "b": 2.0}, name="s1"),
    ...                           pd.Series({"a": 3.0, "b": 3.5}), scale=(1, 5))
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    categories = categories or [c for c in seller.index if c in market.index]
    if not categories:
        raise DataError("seller and market share no category to chart")
    x = np.arange(len(categories))
    # A figure outside pyplot's registry: one chart per seller may be drawn, and
    # pyplot would keep every one open (and warn past 20) until closed.
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    ax.plot(x, market[categories].to_numpy(float), "s--", color="0.35", label="market")
    ax.plot(
        x,
        seller[categories].to_numpy(float),
        "o-",
        color="tab:blue",
        label=str(seller.name) if seller.name is not None else "seller",
    )
    ax.set_xticks(x, _labels(categories, labels))
    _limits(ax, scale)
    ax.set_ylabel("score")
    ax.set_title(title or f"Profile of {seller.name} against the market")
    ax.legend(loc="best")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def team_composition(
    sellers: pd.DataFrame,
    market: pd.Series | None = None,
    *,
    categories: list[str] | None = None,
    labels: dict[str, str] | None = None,
    scale=None,
):
    """The team: how many sellers have each dominant type, and their scores.

    Parameters
    ----------
    sellers : DataFrame
        Seller profiles with a ``dominant`` column and one column per category.
    market : Series, optional
        Drawn as a line over the scores.
    categories : list of str, optional
        Default: the seller types of the commercial profile present in ``sellers``
        (else its numeric columns).
    labels : dict, optional
    scale : (min, max), optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> team = pd.DataFrame({"a": [4.0, 2.0, 3.0], "b": [3.0, 5.0, 2.0],
    ...                      "dominant": ["a", "b", "a"]})
    >>> fig = team_composition(team, pd.Series({"a": 3.0, "b": 4.0}))
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    if "dominant" not in sellers.columns:
        raise DataError("sellers need a 'dominant' column (see seller_profiles)")
    categories = categories or _categories(sellers)
    names = _labels(categories, labels)
    counts = sellers["dominant"].value_counts().reindex(categories, fill_value=0)

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.bar(names, counts.to_numpy(), color=sns.color_palette("deep", len(names)))
    left.set_ylabel("sellers")
    left.set_title("Dominant type")

    long = sellers[categories].melt(var_name="category", value_name="score")
    long["category"] = long["category"].map(dict(zip(categories, names, strict=True)))
    sns.stripplot(
        data=long,
        x="category",
        y="score",
        ax=right,
        alpha=0.6,
        order=names,
        jitter=0.15,
    )
    right.plot(
        names,
        sellers[categories].mean().to_numpy(float),
        "o-",
        color="black",
        label="team mean",
    )
    if market is not None:
        right.plot(
            names,
            market[categories].to_numpy(float),
            "s--",
            color="tab:red",
            label="market",
        )
    _limits(right, scale)
    right.set_xlabel("")
    right.set_title("Scores per category")
    right.legend(loc="best")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def class_number_plot(table: pd.DataFrame, *, hypothesised: int | None = None):
    """BIC and entropy against the number of classes.

    Parameters
    ----------
    table : DataFrame
        The output of
        :func:`commercie_analysis.segmentation.compare_class_numbers`.
    hypothesised : int, optional
        Marks the hypothesised number of classes (eight market profiles).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"n_classes": [1, 2, 3], "bic": [10.0, 8.0, 9.0],
    ...                       "entropy": [np.nan, 0.9, 0.8]})
    >>> fig = class_number_plot(table, hypothesised=2)
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    absent = [c for c in ("n_classes", "bic", "entropy") if c not in table.columns]
    if absent:
        raise DataError(f"the class table lacks column(s) {absent}")
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(table["n_classes"], table["bic"], "o-", color="tab:blue", label="BIC")
    best = table.loc[table["bic"].idxmin()]
    ax.plot(
        [best["n_classes"]], [best["bic"]], "o", ms=12, mfc="none", color="tab:blue"
    )
    ax.set_xlabel("number of classes")
    ax.set_ylabel("BIC (lower is better)", color="tab:blue")
    other = ax.twinx()
    other.plot(
        table["n_classes"], table["entropy"], "^--", color="tab:orange", label="entropy"
    )
    other.set_ylim(0, 1.05)
    other.set_ylabel("relative entropy", color="tab:orange")
    if hypothesised is not None:
        ax.axvline(hypothesised, color="0.5", ls=":", label="hypothesised")
    ax.set_xticks(table["n_classes"].to_numpy())
    ax.set_title("Number of latent profiles")
    handles = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right")
    fig.tight_layout()
    return fig
