"""Figures, drawn with matplotlib and seaborn.

Each function returns a :class:`matplotlib.figure.Figure`; saving and closing it is the
caller's business (the report does both). The figures use whatever backend is active:
inline in a notebook, the non-interactive Agg backend at the command line.
"""
