"""Figures, drawn with matplotlib and seaborn on the non-interactive Agg backend.

Each function returns a :class:`matplotlib.figure.Figure`; saving and closing it is the
caller's business (the report does both).
"""
