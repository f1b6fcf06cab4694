"""The ``commercie`` command.

Each sub-command lives in a module of its own in this package and is registered on the
:data:`main` group below. Errors the toolkit raises on purpose
(:class:`~commercie_analysis.exceptions.CommercieError`) are shown as one line on
standard error with exit code 2, never as a traceback.
"""

from __future__ import annotations

import functools
import signal
import sys
import warnings

import click

from .. import __version__
from ..exceptions import CommercieError, CommercieWarning

__all__ = ["main", "handle_errors"]


def _terminate(signum, frame):
    raise KeyboardInterrupt


def handle_errors(command):
    """Turn the toolkit's errors into a one-line message and exit code 2.

    The toolkit's warnings are shown as one line each, prefixed ``warning:``.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        def show_warning(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, CommercieWarning):
                click.echo(f"warning: {message}", err=True)
            else:
                click.echo(f"warning ({category.__name__}): {message}", err=True)

        # A termination request unwinds like an interruption, so that staged files
        # are removed on the way out.
        signal.signal(signal.SIGTERM, _terminate)
        with warnings.catch_warnings():
            # The command line shows the toolkit's own warnings once per place, and
            # keeps the libraries' deprecation notices out of the user's way.
            warnings.simplefilter("default", CommercieWarning)
            for category in (
                DeprecationWarning,
                PendingDeprecationWarning,
                FutureWarning,
            ):
                warnings.simplefilter("ignore", category)
            warnings.showwarning = show_warning
            try:
                return command(*args, **kwargs)
            except CommercieError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
            except MemoryError:
                click.echo(
                    "error: not enough memory for this request; use less data or "
                    "smaller settings (nothing was written)",
                    err=True,
                )
                sys.exit(2)
            except KeyboardInterrupt:
                click.echo("interrupted; nothing was written", err=True)
                sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="commercie")
def main():
    """Validate questionnaire keys, calibrate and export weights, profile markets."""
    import matplotlib

    # Figures are only ever saved to files here; never open a window.
    matplotlib.use("Agg")


def _register():
    from importlib import import_module

    for name in _COMMANDS:
        command = import_module(f"{__name__}.{name}").command
        # The first line of each command's docstring is its one-line help, whole.
        command.short_help = (command.help or "").strip().splitlines()[0]
        main.add_command(command)


# One module per sub-command; each defines ``command``.
_COMMANDS: list[str] = [
    "clean",
    "validate",
    "calibrate",
    "export",
    "score",
    "simulate",
    "profile",
    "match",
]

_register()
