"""``commercie match``: rank sellers for a market and show the team's coverage."""

from __future__ import annotations

import json

import click

from . import handle_errors


@click.command("match")
@click.option(
    "--sellers",
    required=True,
    type=click.Path(dir_okay=False),
    help="Sellers' answers to the commercial profile (.csv or .parquet).",
)
@click.option(
    "--market",
    required=True,
    type=click.Path(dir_okay=False),
    help="Managers' answers to the market profile (.csv or .parquet).",
)
@click.option(
    "--seller-instrument",
    default="commercial_profile",
    show_default=True,
    help="Instrument the sellers answered.",
)
@click.option(
    "--market-instrument",
    default="market_profile",
    show_default=True,
    help="Instrument the managers answered.",
)
@click.option(
    "--market-company",
    default=None,
    help="Company whose market to match (default: all managers pooled).",
)
@click.option(
    "--team-company",
    default=None,
    help="Only the sellers of this company (default: all sellers).",
)
@click.option(
    "--by",
    default="euclidean",
    show_default=True,
    type=click.Choice(["euclidean", "correlation", "cosine", "cattell_rp"]),
    help="Index that sets the ranking.",
)
@click.option(
    "--seller-scoring",
    default=None,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON for the sellers (default: unit-weighted means).",
)
@click.option(
    "--market-scoring",
    default=None,
    type=click.Path(dir_okay=False),
    help="Scoring model JSON for the market (default: unit-weighted means).",
)
@click.option(
    "--charts",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Profile charts for the N best-ranked sellers (at most all sellers).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the ranking, coverage, figures and report.",
)
@handle_errors
def command(
    sellers,
    market,
    seller_instrument,
    market_instrument,
    market_company,
    team_company,
    by,
    seller_scoring,
    market_scoring,
    charts,
    out,
):
    """Match seller profiles to a market profile; rank sellers, show the gaps."""
    from ..outputs import check_destination

    check_destination(out)  # before any work

    from ..exceptions import DataError
    from ..instruments import load_instrument
    from ..matching import match_sellers, profile_similarity, team_coverage
    from ..outputs import output_folder
    from ..plots.profiles import seller_market_chart, team_composition
    from ..profiles import construct_scores, seller_profiles
    from ..report import Report
    from .profile import read_scoring, read_table

    seller_spec = load_instrument(seller_instrument)
    market_spec = load_instrument(market_instrument)
    seller_answers = read_table(sellers, "sellers")
    market_answers = read_table(market, "market")

    # the team
    if team_company is not None:
        if "company" not in seller_answers.columns:
            raise DataError("--team-company: the sellers' file has no company column")
        seller_answers = seller_answers[seller_answers["company"] == team_company]
        if seller_answers.empty:
            raise DataError(f"--team-company {team_company}: no seller of that company")
    team = seller_profiles(
        seller_answers, seller_spec, read_scoring(seller_scoring, seller_spec)
    )

    # the market: mean of the managers' scores (of one company or all)
    if market_company is not None:
        if "company" not in market_answers.columns:
            raise DataError("--market-company: the market file has no company column")
        market_answers = market_answers[market_answers["company"] == market_company]
        if market_answers.empty:
            raise DataError(
                f"--market-company {market_company}: no manager of that company"
            )
    scores = construct_scores(
        market_answers, market_spec, read_scoring(market_scoring, market_spec)
    )
    demand = scores.mean()
    demand.attrs["scale"] = scores.attrs["scale"]
    demand.name = f"market {market_company or '(all managers)'}"

    categories = [c for c in seller_spec.construct_ids if c in team.columns]
    ranking = match_sellers(team, demand, by=by, categories=categories)
    coverage = team_coverage(team, demand, categories=categories)
    team_mean = team[categories].mean()
    team_mean.attrs["scale"] = team.attrs["scale"]
    team_fit = profile_similarity(team_mean, demand, sd=team[categories].std())

    labels = {c.id: c.label("en") for c in seller_spec.constructs}
    scale = team.attrs["scale"]
    report = Report(
        "Sellers matched to a market",
        f"{len(team)} sellers; {len(market_answers)} managers; ranked by {by}",
    )
    report.add_table("Market profile (mean of the managers)", demand.to_frame("score"))
    report.add_table("Ranking", ranking)
    report.add_table("Team coverage and gaps", coverage)
    report.add_table("Team mean profile against the market", team_fit.to_frame("value"))
    report.add_figure(
        "Team composition",
        team_composition(
            team, demand, categories=categories, labels=labels, scale=scale
        ),
        "team",
    )
    if charts > len(ranking):
        click.echo(
            f"--charts {charts}: lowered to the {len(ranking)} sellers ranked", err=True
        )
        charts = len(ranking)
    for position, seller in enumerate(ranking.index[:charts], start=1):
        figure = seller_market_chart(
            team.loc[seller, categories].astype(float).rename(seller),
            demand,
            categories=categories,
            labels=labels,
            scale=scale,
        )
        report.add_figure(
            f"Seller {seller} (rank {position})", figure, f"seller_{position:03d}"
        )

    with output_folder(out) as stage:
        ranking.to_csv(stage / "ranking.csv")
        coverage.to_csv(stage / "coverage.csv")
        summary = {
            "sellers": sellers,
            "market": market,
            "market_company": market_company,
            "team_company": team_company,
            "by": by,
            "market_rule": "mean of the managers' construct scores",
            "team_fit": {k: float(v) for k, v in team_fit.items()},
            "gaps": {k: float(v) for k, v in coverage["gap"].items() if v > 0},
        }
        (stage / "summary.json").write_text(
            json.dumps(summary, indent=2), encoding="utf-8"
        )
        report.write(stage)
    best = ranking.index[0]
    click.echo(f"{len(team)} sellers ranked by {by}; best match: {best}")
    gaps = summary["gaps"]
    click.echo(
        "gaps: "
        + (", ".join(f"{k} {v:.2f}" for k, v in gaps.items()) if gaps else "none")
    )
    click.echo(f"written to {out}")
