#!/usr/bin/env python3
"""Mean test error per strategy and number of corrections over several `recist al-sim` reports (e.g. patient splits).

usage: scripts/al-sim-mean.py reports/al-sim/NAME-split1 reports/al-sim/NAME-split2 ... > table.md
"""
import json, sys
from collections import defaultdict

dirs = sys.argv[1:]
if not dirs:
    sys.exit(__doc__)
curves = defaultdict(lambda: defaultdict(list))
baseline = []
for d in dirs:
    r = json.load(open(f"{d}/result.json"))["result"]
    if r.get("baseline"):
        baseline.append(r["baseline"]["longLocPx"])
    for c in r["curves"]:
        for p in c["points"]:
            curves[c["strategy"]][p["corrections"]].append(p["metrics"]["longLocPx"])
ks = sorted({k for s in curves.values() for k in s})
print(f"Mean test long-axis location error (px) over {len(dirs)} reports: " + ", ".join(dirs))
print()
print("| strategy | " + " | ".join(f"{k} corrections" for k in ks) + " |")
print("|---|" + "---|" * len(ks))
for s, by_k in curves.items():
    print(f"| {s} | " + " | ".join(f"{sum(by_k[k]) / len(by_k[k]):.2f}" if by_k.get(k) else "—" for k in ks) + " |")
if baseline:
    print(f"| box-cross (same test lesions and boxes) | {sum(baseline) / len(baseline):.2f} |" + " |" * (len(ks) - 1))
