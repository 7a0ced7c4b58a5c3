#!/usr/bin/env bash
# Builds a PostgreSQL image from this machine's installed PostgreSQL (the newest major version under
# /usr/lib/postgresql, or PG_MAJOR; 15 on Debian 12) and PgBouncer, for engines that cannot pull
# the official `postgres` image (no registry reachable). The binaries and every shared library they load (ldd) are
# copied into a root file system that `docker import` turns into an image; docker-entrypoint.sh gives it the
# official image's contract. The tag carries a hash of the recipe (these two files and the package versions), so a
# machine builds it once: an existing tag is reused. Prints the image name as the last line of standard output.
#
#   usage: build-image.sh [REPOSITORY]       (default pgsecureconnect/postgres)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repository="${1:-pgsecureconnect/postgres}"
pg="${PG_MAJOR:-$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)}"
pg="${pg:-15}"
pgbin=/usr/lib/postgresql/$pg/bin
pglib=/usr/lib/postgresql/$pg/lib
pgshare=/usr/share/postgresql/$pg

[ -x "$pgbin/postgres" ] || { echo "build-image.sh: $pgbin/postgres not found: apt-get install postgresql-$pg" >&2; exit 1; }
command -v pgbouncer >/dev/null || { echo "build-image.sh: pgbouncer not found: apt-get install pgbouncer" >&2; exit 1; }

versions="$(dpkg-query -W -f='${Package} ${Version}\n' "postgresql-$pg" pgbouncer libc6 2>/dev/null || true)"
hash="$( (cat "$here/build-image.sh" "$here/docker-entrypoint.sh"; echo "$versions") | sha256sum | cut -c1-12)"
image="$repository:$pg-$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "build-image.sh: $image exists, not rebuilt" >&2
  echo "$image"
  exit 0
fi

started=$(date +%s%N)
root="$(mktemp -d /tmp/pgsecure-image.XXXXXX)"
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT

# Merged /usr, as on Debian 12: /bin, /lib and /lib64 are links into /usr.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin} "$root"/{etc,tmp,var/run/postgresql,var/lib/postgresql/data}
ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"

# The server, its modules and data files; llvmjit and its bitcode are left out (jit=off).
mkdir -p "$root$pgbin" "$root$pglib" "$root$pgshare"
cp -a "$pgbin/." "$root$pgbin/"
cp -a "$pglib/." "$root$pglib/"
rm -rf "$root$pglib"/llvmjit* "$root$pglib/bitcode"
cp -a "$pgshare/." "$root$pgshare/"
# Debian's server is built with the system time zone database.
mkdir -p "$root/usr/share/zoneinfo" && cp -a /usr/share/zoneinfo/. "$root/usr/share/zoneinfo/"

# The few tools the entrypoints need (this one and Testcontainers' TLS entrypoint: sh, install, id, chown ...).
tools=(sh dash cat chmod chown cp id install ln ls mkdir mv rm sed sleep env setpriv printf true false head tail grep touch kill ps)
for tool in "${tools[@]}"; do
  path="$(command -v "$tool" || true)"
  case "$path" in /*) cp -L "$path" "$root/usr/bin/$tool" ;; *) ;; esac
done
cp -L "$(command -v pgbouncer)" "$root/usr/sbin/pgbouncer"
install -m 755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"

# Every shared library those binaries and modules load, under its own path (glibc >= 2.34 has files/dns NSS built in).
# (ldd fails on scripts and data files: that is expected, hence the `|| true`.)
{ find "$root" -type f \( -perm -u+x -o -name '*.so*' \) -print0 | xargs -0 ldd 2>/dev/null || true; } \
  | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' \
  | sort -u \
  | while read -r library; do cp -L --parents "$library" "$root/"; done
# Loaded with dlopen, so ldd does not list it (thread cancellation in glibc).
for extra in /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do [ -e "$extra" ] && cp -L --parents "$extra" "$root/"; done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
PASSWD
printf 'root:x:0:\npostgres:x:999:\n' > "$root/etc/group"
# Only files: never a DNS query from inside the container (the engine writes /etc/hosts).
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"
chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
chmod 2777 "$root/var/run/postgresql"

tar -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$pgbin" \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV LANG=C' \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'EXPOSE 5432' \
  --message "PostgreSQL $pg from this machine's packages ($(echo "$versions" | tr '\n' ' '))" \
  - "$image" >/dev/null

# Earlier recipes' images are of no more use on this machine.
docker images --format '{{.Repository}}:{{.Tag}}' "$repository" | grep -vxF "$image" | xargs -r docker rmi >/dev/null 2>&1 || true

size="$(docker image inspect -f '{{.Size}}' "$image")"
echo "build-image.sh: built $image ($(( size / 1024 / 1024 )) MiB) in $(( ($(date +%s%N) - started) / 1000000 )) ms" >&2
echo "$image"
