"""Figures of a validation: scree with parallel analysis, loadings against the key."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..nfactors import ParallelAnalysis

__all__ = ["scree_plot", "loadings_heatmap"]


def scree_plot(parallel: ParallelAnalysis, n_constructs: int | None = None):
    """Observed eigenvalues against those of random data, per basis.

    Parameters
    ----------
    parallel : ParallelAnalysis
    n_constructs : int, optional
        Marks the number of constructs in the key with a vertical line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = parallel.eigenvalues
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {"component": ("tab:blue", "o"), "factor": ("tab:red", "^")}
    threshold = (
        "mean" if parallel.quantile is None else f"{parallel.quantile:.0%} quantile"
    )
    for basis in parallel.bases:
        colour, marker = styles[basis]
        ax.plot(
            table.index,
            table[f"observed_{basis}"],
            marker=marker,
            color=colour,
            label=f"observed ({basis})",
        )
        ax.plot(
            table.index,
            table[f"simulated_{basis}"],
            linestyle="--",
            color=colour,
            label=f"random data, {threshold} ({basis})",
        )
    if n_constructs:
        ax.axvline(n_constructs, color="grey", linewidth=0.8, linestyle=":")
        ax.annotate(
            "constructs in key",
            (n_constructs, ax.get_ylim()[1]),
            ha="left",
            va="top",
            fontsize=8,
            color="grey",
        )
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("factor or component")
    ax.set_ylabel("eigenvalue")
    ax.set_title(f"Scree and parallel analysis ({parallel.n_iter} random data sets)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loadings_heatmap(loadings: pd.DataFrame, key: pd.DataFrame):
    """Loadings as a heat map, with the cells the key expects outlined.

    Parameters
    ----------
    loadings : DataFrame
        Items x factors, aligned to the key (factors named after constructs).
    key : DataFrame
        Items x constructs (+1, -1, 0).

    Returns
    -------
    matplotlib.figure.Figure
    """
    shown = loadings.loc[key.index]
    height = max(4.0, 0.28 * len(shown) + 1.5)
    width = max(5.0, 1.1 * shown.shape[1] + 2.5)
    fig, ax = plt.subplots(figsize=(width, height))
    sns.heatmap(
        shown,
        ax=ax,
        cmap="RdBu_r",
        vmin=-1,
        vmax=1,
        center=0,
        annot=True,
        fmt=".2f",
        annot_kws={"fontsize": 7},
        cbar_kws={"label": "loading"},
    )
    columns = list(shown.columns)
    for i, item in enumerate(shown.index):
        keyed = key.loc[item]
        for construct in keyed[keyed != 0].index:
            if construct in columns:
                j = columns.index(construct)
                sign = "−" if keyed[construct] < 0 else ""
                ax.add_patch(
                    plt.Rectangle((j, i), 1, 1, fill=False, edgecolor="black", lw=1.5)
                )
                if sign:
                    ax.text(j + 0.95, i + 0.3, sign, ha="right", fontsize=8)
    ax.set_title("Loadings; outlined: where the key places each item (− reversed)")
    ax.set_xlabel("factor (named after the matched construct)")
    ax.set_ylabel("item")
    fig.tight_layout()
    return fig


def close(fig) -> None:
    """Release a figure's memory once it has been saved."""
    plt.close(fig)
