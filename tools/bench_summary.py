#!/usr/bin/env python3
"""Summarises the raw lines of tools/bench-side-by-side.sh: for every row, the
median and range over rounds of one tool's tokens/s (LoRA Lab's unless --tool
names another) over each other tool's (from the same round), its own
tokens/s, and the peak-memory ratio.

    python3 tools/bench_summary.py LOG              # LoRA Lab (tool=loralab) against the rest
    python3 tools/bench_summary.py --tool before LOG   # the BEFORE build (or its BEFORE_LABEL) against the rest
"""
import argparse, re, statistics
from collections import defaultdict

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tool", default="loralab", help="the tool whose ratios to the others are printed")
parser.add_argument("log")
args = parser.parse_args()
main = args.tool

def fields(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))

runs = defaultdict(dict)  # (row, round) -> tool -> fields
order = []
for line in open(args.log):
    if line.startswith("#"):
        continue
    f = fields(line)
    if "tokens_per_s" not in f:
        continue
    key = (f["row"], f["round"])
    runs[key][f["tool"]] = f
    if f["row"] not in order:
        order.append(f["row"])

def spread(values, fmt):
    if not values:
        return "—"
    med = statistics.median(values)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})" if len(values) > 1 else fmt(med)

ratio = lambda v: f"{v:.2f}×"
count = lambda v: f"{v:,.0f}"
print(f"| row (preset/targets/seq) | rounds | {'LoRA Lab' if main == 'loralab' else main} tok/s | peer | peer tok/s | speed ratio | peak RSS ratio |")
print("|---|---|---|---|---|---|---|")
for row in order:
    rounds = [tools for (r, _), tools in sorted(runs.items()) if r == row and main in tools]
    lab = [float(t[main]["tokens_per_s"]) for t in rounds]
    others = {tool for t in rounds for tool in t} - {main}
    # PyTorch first, in its usual order, then LoRA Lab's builds by name.
    for peer in [p for p in ("eager", "compiled") if p in others] + sorted(others - {"eager", "compiled"}):
        pairs = [t for t in rounds if peer in t]
        speed = [float(t[main]["tokens_per_s"]) / float(t[peer]["tokens_per_s"]) for t in pairs]
        memory = [float(t[main]["peak_rss_mb"]) / float(t[peer]["peak_rss_mb"]) for t in pairs]
        peer_speed = [float(t[peer]["tokens_per_s"]) for t in pairs]
        print(f"| {row} | {len(pairs)} | {spread(lab, count)} | {peer} | {spread(peer_speed, count)} "
              f"| {spread(speed, ratio)} | {spread(memory, ratio)} |")
