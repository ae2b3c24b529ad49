"""The notebooks' run caches (notebooks/runs/<name>/) and the shipped bases
each one's notebook loads: what CI's re-training sample
(test_run_cache.py) and the recording of witnesses
(tools/record-witnesses.py) both walk through."""
import pathlib
import re

import nbformat

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
CACHES = sorted(path for path in (NOTEBOOKS / "runs").glob("*") if path.is_dir())
MODEL_LOAD = re.compile(r'^model load "(base/[^"]+)"', re.MULTILINE)


def bases_of(cache: pathlib.Path) -> list:
    """The shipped bases loaded by the notebook whose cache this is (runs/06 → 06-*.ipynb)."""
    notebook, = NOTEBOOKS.glob(f"{cache.name}-*.ipynb")
    source = "\n".join("".join(cell.source) for cell in nbformat.read(notebook, as_version=4).cells
                       if cell.cell_type == "code")
    return sorted(set(MODEL_LOAD.findall(source)))
