"""How long the analyses take as a user waits for them: the round trip of one
cell (execute_request → idle, through jupyter_client, as a notebook sends it)
for `spectrum` over every adapter of `minimind3` and `intruders` on one of its
768 × 2432 matrices, after one training step has made every ΔW non-zero.
Not a test: the figures go into docs/benchmarks.md.

    JUPYTER_PATH=.venv/share/jupyter .venv/bin/python tools/analysis_latency.py [REPEATS]

Prints each cell's median and range over REPEATS (default 7) runs, and the
round trip of a trivial cell, which is the kernel's part of every figure.
"""
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

SETUP = [
    "set seed=1",
    "model minimind3",
    "data finetune builtin:identity",
    "lora targets=all-linear rank=8",
    "train steps=1 lr=1e-3 batch=2 seq=64",
]
TIMED = [
    ("trivial cell (`set seed=1`)", "set seed=1"),
    ("`spectrum`, all 56 adapters of minimind3 (r=8)", "spectrum"),
    ("`intruders` on layers.0.down (768 × 2432), 4 ε", "intruders matrix=layers.0.down"),
]


def main(repeats: int) -> None:
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=60)
    try:
        for line in SETUP:
            reply = kc.execute_interactive(line, timeout=600, output_hook=lambda message: None)
            assert reply["content"]["status"] == "ok", f"{line}: {reply['content']}"
        for label, code in TIMED:
            seconds = []
            for _ in range(repeats):
                start = time.perf_counter()
                reply = kc.execute_interactive(code, timeout=600, output_hook=lambda message: None)
                seconds.append(time.perf_counter() - start)
                assert reply["content"]["status"] == "ok", f"{code}: {reply['content']}"
            print(f"{label}: median {statistics.median(seconds) * 1000:.1f} ms "
                  f"({min(seconds) * 1000:.1f}–{max(seconds) * 1000:.1f}) over {repeats}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
