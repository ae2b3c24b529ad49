"""Every notebook in notebooks/ runs top to bottom under nbclient with the
installed kernelspec: no cell produces an error output, every result table
agrees with the committed one (notebook_outputs.py states the tolerance), and
the executed notebook converts to HTML with every chart carried as
image/svg+xml."""
import copy
import pathlib
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from notebook_outputs import compare_tables, result_tables

pytestmark = pytest.mark.usefixtures("kernelspec")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def executed(request):
    """(committed, executed, seconds) for one notebook, run once for all the checks below."""
    path = request.param
    committed = nbformat.read(path, as_version=4)
    assert committed.metadata["kernelspec"]["name"] == "loralab"
    fresh = copy.deepcopy(committed)
    start = time.monotonic()
    # Run where the notebook lives, as JupyterLab does, so that relative paths (base/…) resolve.
    NotebookClient(fresh, kernel_name="loralab", timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return path, committed, fresh, time.monotonic() - start


def test_notebook_runs_without_errors(executed):
    path, _, fresh, seconds = executed
    errors = [(index, output.get("ename"), output.get("evalue"))
              for index, cell in enumerate(fresh.cells) if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert errors == [], f"{path.name}: cells with errors: {errors}"
    print(f"{path.name}: executed in {seconds:.0f} s")


def test_result_tables_agree_with_the_committed_outputs(executed):
    path, committed, fresh, _ = executed
    problems = compare_tables(result_tables(committed), result_tables(fresh))
    assert problems == [], f"{path.name} no longer reproduces its committed tables:\n" + "\n".join(problems[:20])


def test_converts_to_html_with_every_chart_as_svg(executed):
    path, _, fresh, _ = executed
    charts = 0
    for index, cell in enumerate(fresh.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if "<svg" in html and output.get("output_type") in ("execute_result", "display_data"):
                assert "image/svg+xml" in data, f"{path.name}, cell {index}: a chart without image/svg+xml"
                charts += 1
    body, _ = HTMLExporter().from_notebook_node(fresh)
    assert body.count("<svg") >= charts, f"{path.name}: the HTML export lost charts"
