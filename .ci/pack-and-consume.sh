#!/usr/bin/env bash
# Packs PgSecureConnect, PgSecureConnect.Hosting and PgSecureConnect.Testing with a fresh version, checks what the packages hold, then restores,
# builds and runs tests/PackageConsumer against exactly that version: by PackageReference from the local feed
# artifacts/packages, with a packages folder of its own, so a stale copy in ~/.nuget/packages cannot hide a problem.
# Called by .ci/run (CI=true, as root) after PostgreSQL is installed; works from any directory.
# PGSECURE_PACKAGE_VERSION overrides the version (default 0.1.0-ci.<UTC timestamp>).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

start=$SECONDS
step() { printf '\n--> [%4ss] %s\n' "$((SECONDS - start))" "$*"; }
fail() { printf 'pack-and-consume: FAILED: %s\n' "$*" >&2; exit 1; }

version="${PGSECURE_PACKAGE_VERSION:-0.1.0-ci.$(date -u +%Y%m%d%H%M%S)}"
feed=artifacts/packages
consumer=tests/PackageConsumer
packages="$consumer/packages"
echo "version $version, feed $feed, consumer $consumer"

step "Pack $version into $feed (Release, deterministic; bin/obj under artifacts/pack-build, apart from the normal build)"
mkdir -p "$feed"
rm -f "$feed"/PgSecureConnect.*nupkg
for project in src/PgSecureConnect/PgSecureConnect.csproj src/PgSecureConnect.Hosting/PgSecureConnect.Hosting.csproj src/PgSecureConnect.Testing/PgSecureConnect.Testing.csproj; do
  dotnet pack "$project" -c Release -o "$feed" --artifacts-path artifacts/pack-build \
    -p:Version="$version" -p:ContinuousIntegrationBuild=true -warnaserror --nologo
done
ls -l "$feed"

step "Check the packages"
for id in PgSecureConnect PgSecureConnect.Hosting PgSecureConnect.Testing; do
  for ext in nupkg snupkg; do
    [ -s "$feed/$id.$version.$ext" ] || fail "$feed/$id.$version.$ext was not produced"
  done
done
if command -v unzip >/dev/null; then list() { unzip -Z1 "$1"; }
elif command -v python3 >/dev/null; then list() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
else list() { echo "(no unzip or python3 to list $1)"; }
fi
for id in PgSecureConnect PgSecureConnect.Hosting PgSecureConnect.Testing; do
  for ext in nupkg snupkg; do
    echo "$id.$version.$ext:"; list "$feed/$id.$version.$ext" | grep -vE '^(_rels/|package/|\[Content_Types\])' | sed 's/^/    /'
  done
done

step "Restore $consumer from the local feed into an empty $packages"
rm -rf "$packages" "$consumer/bin" "$consumer/obj"
dotnet restore "$consumer" -p:PgSecureConnectVersion="$version" --nologo

step "Check what was restored: the version just packed, from $feed, with README, licence and repository"
for id in pgsecureconnect pgsecureconnect.hosting pgsecureconnect.testing; do
  dir="$packages/$id/$version"
  [ -d "$dir" ] || fail "$dir missing: $id $version was not restored"
  grep -q "\"source\": \".*artifacts/packages" "$dir/.nupkg.metadata" || fail "$id did not come from $feed: $(cat "$dir/.nupkg.metadata")"
  nuspec="$dir/$id.nuspec"
  grep -q '<license type="expression">MIT</license>' "$nuspec" || fail "$nuspec: no MIT licence expression"
  grep -q '<readme>README.md</readme>' "$nuspec" || fail "$nuspec: no <readme>"
  [ -s "$dir/readme.md" ] || [ -s "$dir/README.md" ] || fail "$dir: README.md not in the package"
  grep -q '<repository type="git" url="https://github.com/' "$nuspec" || fail "$nuspec: no <repository> element"
  echo "$id $version: $(grep -o '<repository[^>]*>' "$nuspec")"
done
# The hosting package uses the core's internals: it must depend on exactly the core it was built with.
grep -q "<dependency id=\"PgSecureConnect\" version=\"\[$version\]\"" "$packages/pgsecureconnect.hosting/$version/pgsecureconnect.hosting.nuspec" \
  || fail "PgSecureConnect.Hosting does not depend on exactly PgSecureConnect [$version]: $(grep -o '<dependency id="PgSecureConnect"[^>]*>' "$packages/pgsecureconnect.hosting/$version/pgsecureconnect.hosting.nuspec" | head -n 1)"

step "Build $consumer (Release, warnings are errors)"
dotnet build "$consumer" -c Release --no-restore -p:PgSecureConnectVersion="$version" -warnaserror --nologo

step "Run $consumer: throwaway TLS server, FromUrl(...sslmode=verify-full...), SELECT 1, pg_stat_ssl; then a host with AddPgSecureConnect and its health check"
dotnet "$consumer/bin/Release/net10.0/PackageConsumer.dll"

step "Done: pack and consume of $version passed in $((SECONDS - start)) s"
