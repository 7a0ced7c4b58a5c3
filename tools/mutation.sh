#!/usr/bin/env bash
# Mutation testing of src/PgSecureConnect (Parsing, Security, Connecting) with Stryker.NET against the unit tests.
# Slow (tens of minutes on 2 cores): not part of CI. Usage:
#   tools/mutation.sh                       # all three folders
#   tools/mutation.sh Parsing Security      # only these folders
#   tools/mutation.sh --survivors artifacts/mutation/mutation-report-Parsing.json Parsing
#                                           # only the lines of that report's undetected mutants (after adding tests)
# Prints the mutation score per folder and the surviving mutants; Stryker's own log and the JSON and HTML reports go to
# artifacts/mutation/ (stryker-FOLDERS.log shows the progress while it runs).
# Runs in a throwaway copy of the working tree (git worktree) so that Stryker's builds never touch your bin/obj.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
survivors_of=""
if [ "${1:-}" = "--survivors" ]; then
  survivors_of="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
  shift 2
fi
folders=("$@")
[ ${#folders[@]} -eq 0 ] && folders=(Parsing Security Connecting)

tools_dir="${root}/.tools"
stryker="${tools_dir}/dotnet-stryker"
if [ ! -x "$stryker" ]; then
  dotnet tool install dotnet-stryker --version 5.1.0 --tool-path "$tools_dir" >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/pgsecure-mutation.XXXXXX")"
cleanup() { git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; }
trap cleanup EXIT
git -C "$root" worktree add --detach -q "$work/tree" HEAD
# The working tree's src and tests are measured, uncommitted and untracked files included (build output excluded).
for dir in src tests; do
  rm -rf "$work/tree/$dir"
  tar -C "$root" --exclude=bin --exclude=obj -cf - "$dir" | tar -C "$work/tree" -xf -
done

mutate=()
if [ -n "$survivors_of" ]; then
  # Stryker.NET spans: **/File.cs{from..to}, character offsets of each undetected mutant. Valid while those files are unchanged.
  while IFS= read -r span; do mutate+=(--mutate "$span"); done < <(python3 "$root/tools/mutation-summary.py" --spans "$survivors_of" "${folders[@]}")
  [ ${#mutate[@]} -gt 0 ] || { echo "no undetected mutants in $survivors_of"; exit 0; }
else
  for folder in "${folders[@]}"; do
    mutate+=(--mutate "**/${folder}/**/*.cs")
  done
fi

cd "$work/tree/src/PgSecureConnect"
name="$(IFS=-; echo "${folders[*]}")${survivors_of:+-survivors}"
log="$root/artifacts/mutation/stryker-$name.log"
mkdir -p "$root/artifacts/mutation"
# The generated-input suites (ParserFuzzTests, FuzzCorpusReplayTests: about 40 000 inputs) cover every parser mutant and
# cost seconds per mutant, which made a Parsing run take hours; without them the score is what the hand-written tests
# catch, a lower bound. MUTATION_TEST_FILTER="" runs everything.
filter="${MUTATION_TEST_FILTER-FullyQualifiedName!~ParserFuzzTests&FullyQualifiedName!~FuzzCorpusReplayTests}"
filter_args=()
[ -n "$filter" ] && filter_args=(--test-case-filter "$filter")
"$stryker" --config-file "$root/tools/stryker-config.json" "${mutate[@]}" "${filter_args[@]}" --concurrency "${STRYKER_CONCURRENCY:-2}" --output "$work/out" \
  > "$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
tail -n 40 "$log"

report="$(find "$work/out" -name mutation-report.json | head -n 1)"
python3 "$root/tools/mutation-summary.py" "$report" "${folders[@]}"
cp "$report" "$root/artifacts/mutation/mutation-report-$name.json"
cp "$(dirname "$report")/mutation-report.html" "$root/artifacts/mutation/mutation-report-$name.html" 2>/dev/null || true
echo "reports: $root/artifacts/mutation/"
