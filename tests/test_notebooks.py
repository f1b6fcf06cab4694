"""Every notebook in notebooks/ runs from top to bottom on a fast setting.

A notebook's first code cell is tagged ``parameters`` and defines ``FAST = False``;
the test inserts ``FAST = True`` right after it, the way papermill injects
parameters, so that the same notebook runs quickly here and in full for real.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")
)


def _with_fast_parameters(notebook):
    for position, cell in enumerate(notebook.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            injected = nbformat.v4.new_code_cell("FAST = True")
            notebook.cells.insert(position + 1, injected)
            return notebook
    raise AssertionError("the notebook has no cell tagged 'parameters'")


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    notebook = _with_fast_parameters(nbformat.read(path, as_version=4))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name} is committed with outputs"
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
