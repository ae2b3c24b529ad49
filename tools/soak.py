"""Soak test: one LoRA Lab kernel through thousands of mixed cells.

Drives a single kernel with jupyter_client through a repeating mix of cells
(build a model, choose data, attach adapters, train a few steps, analyse,
save and load runs, cells that fail, and interrupts during long training),
checks that every request gets its reply with the expected status, and
samples the kernel's resident memory (VmRSS, and the peak VmHWM) from /proc.

It passes when every reply arrived and the peak RSS at the end is within
`--tolerance` (10%) of the peak RSS after warm-up.

    make soak                       # 2,000 cells, figures to .build/soak.csv
    python tools/soak.py --cells 200 --warmup 50

Python is only the client here; the kernel is the release binary installed
as the `loralab` kernelspec (JUPYTER_PATH), as `make kernelspec` does it.
"""
import argparse
import csv
import pathlib
import sys
import time

from jupyter_client.manager import start_new_kernel

MODEL = "model tiny dim=64 layers=2 heads=4 kv_heads=2 ffn=128 seq=64"

# (code, expected status). Interrupt cells are marked by the None status and
# handled by `interrupt_cell`. The mix covers every kind of work the kernel does.
CYCLE = [
    (MODEL, "ok"),
    ("data pretrain builtin:tinystories\ndata finetune builtin:identity", "ok"),
    ("pretrain steps=2 batch=2 seq=16", "ok"),
    ("lora targets=q,v rank=4 alpha=8", "ok"),
    ("train steps=3 batch=2 seq=64", "ok"),
    ("step 2 batch=2 seq=64", "ok"),
    ("spectrum top=4", "ok"),
    ("svd layers.0.q top=4", "ok"),
    ("eval batches=1 batch=2 seq=64", "ok"),
    ("lora alpha=8 rnak=4", "error"),
    ('print "unterminated', "error"),
    ("run save soak-a", "ok"),
    ("generate \"Once\" max=8 seed=1", "ok"),
    (None, None),  # interrupt a long train
    ("show lora", "ok"),
    ("lora merge\nlora unmerge", "ok"),
    ("run load soak-a\nruns", "ok"),
    ("similarity soak-a soak-a", "ok"),
    ("svd layers.9.q", "error"),
    ("lora detach", "ok"),
    ("finetune targets=ffn layers=0\nstep 1 batch=2 seq=64\nspectrum", "ok"),
    ("modle tiny", "error"),
    ("help lora\nlora?", "ok"),
    ("compare targets=q;v rank=2 steps=1 batch=2 seq=16", "error"),  # has a finetune: needs a plain model
    ("reset", "ok"),
]


def rss_kib(pid):
    """(VmRSS, VmHWM) of `pid` in KiB."""
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def reply_to(kc, msg_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.0, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def drain_iopub_until_idle(kc, msg_id, timeout, on_output=None):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.0, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if on_output and msg["msg_type"] in ("display_data", "update_display_data", "stream"):
            on_output()
            on_output = None
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return


def run_cell(kc, code, timeout=120):
    msg_id = kc.execute(code)
    reply = reply_to(kc, msg_id, timeout)
    drain_iopub_until_idle(kc, msg_id, timeout)
    return reply["content"]


def interrupt_cell(km, kc, timeout=120):
    """A long train stopped by an interrupt_request at its first output."""
    run_cell(kc, MODEL + "\ndata finetune builtin:identity\nlora targets=q,v rank=2")
    msg_id = kc.execute("train steps=100000 batch=2 seq=64")
    drain_iopub_until_idle(kc, msg_id, timeout, on_output=km.interrupt_kernel)
    reply = reply_to(kc, msg_id, timeout)["content"]
    if reply["status"] != "error" or reply.get("ename") != "Interrupted":
        return False, reply
    # The model and adapters survive the interrupt.
    after = run_cell(kc, "show lora")
    return after["status"] == "ok", after


def soak(cells, warmup, tolerance, csv_path=None, log=print):
    km, kc = start_new_kernel(kernel_name="loralab", startup_timeout=60)
    pid = km.provisioner.process.pid
    samples = []  # (cell, seconds, rss KiB, peak KiB)
    failures = []
    replies = 0
    started = time.monotonic()
    try:
        for index in range(cells):
            code, expected = CYCLE[index % len(CYCLE)]
            if code is None:
                ok, content = interrupt_cell(km, kc)
                replies += 1
                if not ok:
                    failures.append((index, "interrupt", content))
            else:
                content = run_cell(kc, code)
                replies += 1
                if content["status"] != expected:
                    failures.append((index, code, content))
            if index % 25 == 0 or index == cells - 1:
                rss, peak = rss_kib(pid)
                samples.append((index + 1, round(time.monotonic() - started, 1), rss, peak))
                if index % 250 == 0:
                    log(f"cell {index + 1:5d}  {samples[-1][1]:7.1f} s  RSS {rss / 1024:7.1f} MiB  "
                        f"peak {peak / 1024:7.1f} MiB")
        alive = km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    if csv_path:
        with open(csv_path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["cells", "seconds", "rss_kib", "peak_rss_kib"])
            writer.writerows(samples)
    after_warmup = next(s for s in samples if s[0] >= warmup)
    final = samples[-1]
    growth = final[3] / after_warmup[3] - 1
    rss_after_warmup = [s[2] for s in samples if s[0] >= warmup]
    summary = {
        "cells": cells,
        "replies": replies,
        "failures": failures,
        "seconds": round(time.monotonic() - started, 1),
        "peak_after_warmup_mib": round(after_warmup[3] / 1024, 1),
        "peak_final_mib": round(final[3] / 1024, 1),
        "peak_growth": round(growth, 4),
        "rss_min_after_warmup_mib": round(min(rss_after_warmup) / 1024, 1),
        "rss_max_after_warmup_mib": round(max(rss_after_warmup) / 1024, 1),
        "kernel_alive": alive,
    }
    summary["passed"] = (not failures and replies == cells and alive and growth <= tolerance)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300,
                        help="cells after which the peak RSS is the baseline")
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--csv", default=None, help="where to write the RSS samples")
    args = parser.parse_args()
    summary = soak(args.cells, args.warmup, args.tolerance, args.csv)
    for failure in summary["failures"][:10]:
        print("unexpected:", failure, file=sys.stderr)
    for key, value in summary.items():
        if key != "failures":
            print(f"{key}: {value}")
    print(f"failures: {len(summary['failures'])}")
    sys.exit(0 if summary["passed"] else 1)


if __name__ == "__main__":
    main()
