"""Re-executes notebooks in place, so that their committed outputs are the
record CI compares against (integration-tests/notebook_outputs.py).

    make notebooks                          # every notebook, with the release build
    python3 tools/execute-notebooks.py notebooks/01-tour.ipynb

Needs the `loralab` kernelspec on JUPYTER_PATH (make kernelspec). Each
notebook runs where it lives, as JupyterLab runs it, so `base/…` resolves;
a notebook that ends with an error output is not written back.
"""
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent


def execute(path: pathlib.Path) -> bool:
    notebook = nbformat.read(path, as_version=4)
    start = time.monotonic()
    # No cell time limit: with an empty cache (`make runs`) one compare cell trains
    # for as long as its runs take (an hour for a wide sweep); CI's own execution
    # of the notebooks (integration-tests/test_kernel_notebooks.py) keeps its limit.
    NotebookClient(notebook, kernel_name="loralab", timeout=None, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.output_type == "error"]
    seconds = time.monotonic() - start
    if errors:
        print(f"{path.name}: errors in cells {errors}; not written ({seconds:.0f} s)")
        return False
    nbformat.write(notebook, path)
    print(f"{path.name}: {seconds:.0f} s")
    return True


if __name__ == "__main__":
    paths = [pathlib.Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    sys.exit(0 if all([execute(p.resolve()) for p in paths]) else 1)
