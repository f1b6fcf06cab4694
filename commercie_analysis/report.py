"""A self-contained HTML report: text, tables and figures, each figure also a PNG.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> report = Report("Demo")
>>> report.add_table("Numbers", pd.DataFrame({"a": [1.23456]}))
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> report.write(folder).name
'report.html'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from . import __version__

__all__ = ["Report"]


@dataclass
class _Section:
    heading: str
    kind: str
    body: str
    note: str = ""


class Report:
    """An HTML report built section by section.

    Parameters
    ----------
    title : str
    subtitle : str, default=""
    """

    def __init__(self, title: str, subtitle: str = ""):
        self.title = title
        self.subtitle = subtitle
        self._sections: list[_Section] = []
        self._figures: dict[str, bytes] = {}

    def add_text(self, heading: str, text: str, *, preformatted: bool = False):
        """Add a paragraph (or a preformatted block) under ``heading``."""
        self._sections.append(
            _Section(heading, "pre" if preformatted else "text", text)
        )

    def add_table(
        self, heading: str, frame: pd.DataFrame, *, note: str = "", digits: int = 3
    ):
        """Add a table; floats are rounded to ``digits`` decimals."""
        html = frame.to_html(
            float_format=lambda v: f"{v:.{digits}f}", border=0, na_rep="", index=True
        )
        self._sections.append(_Section(heading, "table", html, note))

    def add_figure(self, heading: str, figure, name: str, *, note: str = ""):
        """Add a matplotlib figure, written as ``<name>.png`` next to the report."""
        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"name: expected letters, digits, - and _, found {name!r}")
        # Rendered at once and closed, so that a report of many figures does not
        # hold them all open.
        import io

        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
        plt.close(figure)
        self._figures[name] = buffer.getvalue()
        self._sections.append(_Section(heading, "figure", f"{name}.png", note))

    def write(self, folder: str | Path) -> Path:
        """Write ``report.html`` and the figures' PNG files into ``folder``.

        The folder must exist; callers use
        :func:`commercie_analysis.outputs.output_folder` so that nothing is left
        half-written.
        """
        folder = Path(folder)
        for name, png in self._figures.items():
            (folder / f"{name}.png").write_bytes(png)
        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("commercie_analysis", "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        )
        html = environment.get_template("report.html").render(
            title=self.title,
            subtitle=self.subtitle,
            sections=self._sections,
            version=__version__,
        )
        path = folder / "report.html"
        path.write_text(html, encoding="utf-8")
        return path
