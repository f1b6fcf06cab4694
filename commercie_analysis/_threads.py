"""One BLAS thread for the toolkit's small matrix work.

The matrices of questionnaire analysis are small (tens to a few hundred items). On
them, a multi-threaded BLAS such as OpenBLAS gains nothing, and on a busy machine its
threads waiting for a core cost far more than the work: a parallel analysis of bfi
took 10 s with OpenBLAS's two threads under load and 0.6 s with one. Heavy routines
run inside :func:`one_blas_thread`.
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_limits

__all__ = ["one_blas_thread", "with_one_blas_thread"]


def one_blas_thread():
    """A context in which BLAS uses a single thread."""
    return threadpool_limits(limits=1, user_api="blas")


def with_one_blas_thread(function):
    """Run ``function`` inside :func:`one_blas_thread`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
