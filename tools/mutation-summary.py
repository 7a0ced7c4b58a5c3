#!/usr/bin/env python3
"""Mutation score per folder from a Stryker mutation-report.json (schema: mutation-testing-elements).

score = detected / (detected + undetected), where detected = Killed + Timeout and undetected = Survived + NoCoverage;
CompileError and Ignored mutants do not count (Stryker's own definition). Lists every survivor with file, line and
mutator, so each can be killed with a test or explained as equivalent in docs/reliability.md.
"""
import json
import sys
from collections import defaultdict

spans_only = sys.argv[1] == "--spans"  # print Stryker mutate patterns for the undetected mutants' lines instead
args = sys.argv[2:] if spans_only else sys.argv[1:]
report_path, folders = args[0], args[1:]
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)

def offset(source, position):
    """Stryker.NET's mutate spans are character offsets (Roslyn TextSpan); the report gives 1-based line and column."""
    lines = source.split("\n")
    return sum(len(l) + 1 for l in lines[: position["line"] - 1]) + position["column"] - 1


counts = defaultdict(lambda: defaultdict(int))
survivors = []
spans = set()
for path, info in report["files"].items():
    normalized = path.replace("\\", "/")
    folder = next((x for x in folders if f"/{x}/" in normalized), None)
    if folder is None:
        continue
    for mutant in info["mutants"]:
        status = mutant["status"]
        counts[folder][status] += 1
        if status in ("Survived", "NoCoverage"):
            line = mutant["location"]["start"]["line"]
            survivors.append((folder, normalized.split("/src/PgSecureConnect/")[-1], line, status, mutant["mutatorName"], mutant.get("replacement", "")))
            if spans_only:
                spans.add((normalized.split("/src/PgSecureConnect/")[-1], offset(info["source"], mutant["location"]["start"]),
                           offset(info["source"], mutant["location"]["end"])))

if spans_only:
    for path, first, last in sorted(spans):
        print(f"**/{path}{{{first}..{last}}}")
    sys.exit(0)

print("folder       killed  timeout  survived  no-coverage  score")
for folder in folders:
    c = counts[folder]
    detected = c["Killed"] + c["Timeout"]
    undetected = c["Survived"] + c["NoCoverage"]
    total = detected + undetected
    score = 100.0 * detected / total if total else float("nan")
    print(f"{folder:<12} {c['Killed']:>6} {c['Timeout']:>8} {c['Survived']:>9} {c['NoCoverage']:>12}  {score:5.1f} %")

print()
print(f"{len(survivors)} undetected mutants:")
for folder, path, line, status, mutator, replacement in sorted(survivors):
    print(f"  {path}:{line}  {status}  {mutator}  -> {replacement[:100]!r}")
