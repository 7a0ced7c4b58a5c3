#!/usr/bin/env bash
# Coverage-guided fuzzing of every string entry point (URL, keyword/value, Npgsql form, .env text, variables) with
# SharpFuzz and libFuzzer. Not part of CI (CI replays the seeds and past findings: tests/PgSecureConnect.Fuzz/README.md).
#   tools/fuzz.sh                    # 10 million executions
#   tools/fuzz.sh -runs=200000       # any libFuzzer flags: -max_total_time=600, ...
#   tools/fuzz.sh -jobs=2 -workers=2 -runs=5000000   # two processes sharing the corpus, 10 million executions in all
# Keeps its corpus in artifacts/fuzz/corpus (reused by the next run); a finding is written to artifacts/fuzz/findings/
# and printed with the property it broke: add its base64 to tests/PgSecureConnect.Fuzz/findings.txt and write a regression test
# (tests/PgSecureConnect.Tests/Parsing/FuzzFindingTests.cs). At the end the corpus is minimized into
# tests/PgSecureConnect.Fuzz/corpus.txt, which the unit tests replay; commit it. Needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-14-dev).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/artifacts/fuzz"
corpus_file="$root/tests/PgSecureConnect.Fuzz/corpus.txt"
findings_file="$root/tests/PgSecureConnect.Fuzz/findings.txt"
flags=("$@")
[ ${#flags[@]} -eq 0 ] && flags=(-runs=10000000)

clang=$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$clang" ]; then
  echo "fuzz.sh: clang is not installed; apt-get install clang libclang-rt-14-dev" >&2
  exit 2
fi

mkdir -p "$work/corpus" "$work/findings" "$root/.tools"
if [ ! -x "$root/.tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$root/.tools" >/dev/null
fi

echo "==> libFuzzer bridge ($clang)"
"$clang" -O1 -fsanitize=fuzzer "$root/tools/fuzz/libfuzzer-bridge.c" -o "$work/libfuzzer-bridge" || {
  echo "fuzz.sh: clang could not link libFuzzer; apt-get install libclang-rt-14-dev (the runtime of your clang version)" >&2
  exit 2
}

echo "==> harness, with PgSecureConnect.dll instrumented by SharpFuzz"
rm -rf "$work/publish"
dotnet publish "$root/tests/PgSecureConnect.Fuzz" -c Release -o "$work/publish" --nologo -v quiet
harness="$work/publish/PgSecureConnect.Fuzz"
rm -rf "$work/seeds"
"$harness" seeds "$work/seeds"
# What earlier runs found, minimized and committed, seeds this one.
[ -f "$corpus_file" ] && "$harness" unpack "$corpus_file" "$work/seeds/committed"
"$harness" unpack "$findings_file" "$work/seeds/findings"
# Before instrumenting: the instrumented library writes its counters to libFuzzer's shared memory, which only exists
# under the bridge.
echo "==> replay of the seeds and of every committed finding (must be clean before fuzzing)"
"$harness" replay "$work/seeds" "$findings_file"
"$root/.tools/sharpfuzz" "$work/publish/PgSecureConnect.dll"

echo "==> libFuzzer ${flags[*]}"
start=$(date +%s)
rm -f "$work"/fuzz-*.log
set +e
# In -jobs mode libFuzzer writes each job's output to fuzz-N.log in the current directory.
(cd "$work" && "$work/libfuzzer-bridge" --target="$harness" -max_len=2048 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$work/findings/" "${flags[@]}" "$work/corpus" "$work/seeds") > "$work/libfuzzer.log" 2>&1
status=$?
set -e
elapsed=$(( $(date +%s) - start ))

echo "==> summary"
logs=("$work/libfuzzer.log")
compgen -G "$work/fuzz-*.log" >/dev/null && logs=("$work"/fuzz-*.log)
total=0
for log in "${logs[@]}"; do
  # The last status line: "#N DONE/pulse ..." in a single process, "#N: cov: ..." in fork mode.
  grep -E '^#[0-9]+(: |\s+(DONE|pulse))' "$log" | tail -n 1 || true
  runs=$(grep -E 'stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}')
  total=$(( total + ${runs:-0} ))
  grep -h -A4 'PropertyViolationException' "$log" | head -n 8 || true
done
echo "executions: $total in ${elapsed} s; corpus: $(find "$work/corpus" -type f | wc -l) inputs; findings: $(find "$work/findings" -type f | wc -l) in $work/findings"
for finding in "$work"/findings/*; do
  [ -f "$finding" ] && "$harness" show "$finding"
done

# Minimize (keep the smallest inputs that cover every feature) into the committed corpus file.
if [ "$status" -eq 0 ]; then
  echo "==> merge into $corpus_file"
  rm -rf "$work/merged" && mkdir -p "$work/merged"
  "$work/libfuzzer-bridge" --target="$harness" -merge=1 -max_len=2048 "$work/merged" "$work/corpus" "$work/seeds" 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || true
  "$harness" pack "$work/merged" "$corpus_file"
fi
exit "$status"
