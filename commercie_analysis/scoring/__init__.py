"""Scoring models: calibrate weights, export them, score new respondents.

The scoring model (:class:`ScoringModel`) is the artefact that leaves the research: a
JSON file with a published schema and a checksum that another system can apply, or
SQL and CSV exported from it.

Modules
-------
model
    :class:`ScoringModel`: the scoring rule, JSON save and load with checks.
fileformat
    Canonical JSON, the checksum, the item-text hash, the JSON Schema checks.
engine
    The scoring rule compiled to matrices, scored in blocks.
weights
    Factor-score weights: regression (Thurstone), Bartlett and ten Berge.
norms
    Percentile ranks, T-scores and stanines, overall and per reference group.
calibrate
    From an instrument and clean responses to a model.
export
    SQL (one ``SELECT`` expression per score) and a CSV of the weights.
score
    Scoring CSV and Parquet files of any size in chunks; type profiles.
"""

from .calibrate import WEIGHT_METHODS, calibrate
from .export import to_sql, weights_table
from .model import (
    SCHEMA_VERSION,
    ModelItem,
    ScoreRule,
    ScoringModel,
    data_sha256,
    item_text_sha256,
    load_schema,
)
from .norms import apply_norms, build_norms, norm_table
from .score import ScoreSummary, score_file, type_profile
from .weights import factor_score_weights

__all__ = [
    "SCHEMA_VERSION",
    "WEIGHT_METHODS",
    "ModelItem",
    "ScoreRule",
    "ScoreSummary",
    "ScoringModel",
    "apply_norms",
    "build_norms",
    "calibrate",
    "data_sha256",
    "factor_score_weights",
    "item_text_sha256",
    "load_schema",
    "norm_table",
    "score_file",
    "to_sql",
    "type_profile",
    "weights_table",
]
