"""Shared pytest set-up for the Python tests of the kernel and the REPL.

`loralab_bin` is the binary under test (LORALAB_BIN, or the release build).
`kernelspec` makes sure Jupyter finds a `loralab` kernelspec that runs that
binary: `make py-test` installs one into .venv and sets JUPYTER_PATH; run
alone, pytest installs one into a temporary prefix.
"""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def loralab_bin() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("LORALAB_BIN", REPO / ".build" / "release" / "loralab"))
    assert path.is_file(), f"{path} is missing: run `swift build -c release --product loralab` first"
    return path.resolve()


def _installed_spec(name: str = "loralab"):
    for root in filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep)):
        spec = pathlib.Path(root) / "kernels" / name / "kernel.json"
        if spec.is_file():
            return spec
    return None


@pytest.fixture(scope="session")
def kernelspec(loralab_bin, tmp_path_factory) -> pathlib.Path:
    """The kernel.json Jupyter will use for kernel_name='loralab'."""
    spec = _installed_spec()
    # argv[0] is the launcher beside the binary when it is built (Sources/KernelLauncher), else the binary.
    expected = {loralab_bin, loralab_bin.parent / "loralab-kernel"}
    if spec is None or pathlib.Path(json.loads(spec.read_text())["argv"][0]).resolve() not in expected:
        prefix = tmp_path_factory.mktemp("prefix")
        subprocess.run([str(loralab_bin), "install", "--prefix", str(prefix)], check=True,
                       capture_output=True)
        data = prefix / "share" / "jupyter"
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(data)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
        spec = data / "kernels" / "loralab" / "kernel.json"
    return spec


@pytest.fixture(scope="session", autouse=True)
def private_history(tmp_path_factory):
    """Kernels and REPLs started by the tests keep their history in a
    temporary file, never in the user's own (tests that need a particular
    file still pass LORALAB_HISTORY_FILE themselves)."""
    if "LORALAB_HISTORY_FILE" not in os.environ:
        os.environ["LORALAB_HISTORY_FILE"] = str(tmp_path_factory.mktemp("history") / "history.jsonl")
    yield
