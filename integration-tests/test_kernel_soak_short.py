"""A short soak (tools/soak.py, which `make soak` runs with 2,000 cells): 250
mixed cells through one kernel, every reply received with the expected
status, interrupts included, and the peak RSS after warm-up flat within 10%."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
import soak  # noqa: E402

pytestmark = pytest.mark.usefixtures("kernelspec")


def test_250_mixed_cells_get_every_reply_and_memory_stays_flat():
    summary = soak.soak(cells=250, warmup=100, tolerance=0.10, log=lambda line: None)
    assert summary["failures"] == []
    assert summary["replies"] == 250 and summary["kernel_alive"]
    assert summary["peak_growth"] <= 0.10, summary
