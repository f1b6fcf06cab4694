"""Run the ``commercie`` command as ``python -m commercie_analysis.cli``."""

from . import main

main()
