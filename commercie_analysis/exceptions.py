"""Exceptions and warning categories of commercie_analysis.

Every problem the toolkit reports is one of these, so that callers can catch the
toolkit's own errors and turn its warnings into errors (the test suite does).

Errors
------
CommercieError
    Base class of every error raised on purpose by the toolkit.
InstrumentError
    An instrument spec is missing, malformed or inconsistent.
DataError
    Response data cannot be used as they are (missing items, text answers, answers
    outside the scale, too few respondents, ...).
ModelError
    A fitted or exported model cannot be used (wrong version, failed checksum, ...).

Warnings
--------
CommercieWarning
    Base class of the toolkit's warnings.
ImproperSolutionWarning
    A factor solution has a communality of 1 or more or a negative unique variance
    (a Heywood case).
NotPositiveDefiniteWarning
    A correlation matrix is not positive definite and was smoothed.
ConvergenceWarning
    An iterative routine stopped before meeting its convergence criterion.
LowFactorabilityWarning
    The data are poorly suited to factor analysis (low KMO).
ReliabilityWarning
    A scale has a negative or very low alpha, or items that correlate negatively
    with the rest of their scale.
DataQualityWarning
    Something in the data deserves a look but does not stop the analysis.
"""

__all__ = [
    "CommercieError",
    "InstrumentError",
    "DataError",
    "ModelError",
    "CommercieWarning",
    "ImproperSolutionWarning",
    "NotPositiveDefiniteWarning",
    "ConvergenceWarning",
    "LowFactorabilityWarning",
    "ReliabilityWarning",
    "DataQualityWarning",
]


class CommercieError(Exception):
    """Base class of every error raised on purpose by commercie_analysis."""


class InstrumentError(CommercieError, ValueError):
    """An instrument spec is missing, malformed or inconsistent."""


class DataError(CommercieError, ValueError):
    """Response data cannot be analysed as they are."""


class ModelError(CommercieError, ValueError):
    """A scoring or factor model cannot be used as it is."""


class CommercieWarning(UserWarning):
    """Base class of the warnings issued by commercie_analysis."""


class ImproperSolutionWarning(CommercieWarning):
    """A factor solution is improper (Heywood case)."""


class NotPositiveDefiniteWarning(CommercieWarning):
    """A correlation matrix was not positive definite and has been smoothed."""


class ConvergenceWarning(CommercieWarning):
    """An iterative routine did not converge."""


class LowFactorabilityWarning(CommercieWarning):
    """The correlations are poorly suited to factor analysis."""


class ReliabilityWarning(CommercieWarning):
    """A scale is unreliable or has items working against it."""


class DataQualityWarning(CommercieWarning):
    """The data have a problem that does not stop the analysis."""
