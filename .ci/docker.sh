# Sourced by .ci/run: a Docker engine for tests/PgSecureConnect.ContainerTests, and the PostgreSQL image they use.
#   docker_engine_up    uses the engine that answers, or installs docker.io and starts dockerd (vfs storage) in the
#                       background, and arranges (trap EXIT) for it to be stopped and our containers removed
#                       and exports DOCKER_API_VERSION when the engine is older than Testcontainers' client (API 1.44;
#                       Debian 12's docker.io speaks 1.41, which Testcontainers 4.16 still handles)
#   postgres_image_up   exports PGSECURE_POSTGRES_IMAGE: as given, else postgres:15 when the engine has it, else
#                       the image built from this machine's PostgreSQL (cached by a hash of its recipe)
# No container registry is reachable from this workplace, so nothing is pulled: on a machine that can pull, set
# PGSECURE_POSTGRES_IMAGE=postgres:15 and Testcontainers pulls it.

docker_log="${TMPDIR:-/tmp}/pgsecure-dockerd.log"
docker_started_pid=""

docker_engine_up() {
  if docker info >/dev/null 2>&1; then
    echo "a Docker engine answers: using it ($(docker version -f '{{.Server.Version}}'))"
    trap docker_engine_down EXIT
    docker_api_version
    return
  fi

  if ! command -v dockerd >/dev/null; then
    echo "installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io </dev/null >/dev/null
  fi

  echo "starting dockerd (vfs storage), log: $docker_log"
  dockerd --storage-driver=vfs >"$docker_log" 2>&1 </dev/null &
  docker_started_pid=$!
  trap docker_engine_down EXIT

  local waited=0
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$docker_started_pid" 2>/dev/null || [ "$waited" -ge 120 ]; then
      echo "dockerd did not answer within ${waited}s; its log:" >&2
      tail -n 30 "$docker_log" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "dockerd $(docker version -f '{{.Server.Version}}') answers after ${waited}s"
  docker_api_version
}

docker_api_version() {
  local api
  api="$(docker version -f '{{.Server.APIVersion}}')"
  if [ "$(printf '%s\n' "$api" 1.44 | sort -V | head -n 1)" != 1.44 ]; then
    export DOCKER_API_VERSION="$api"
    echo "DOCKER_API_VERSION=$api (the engine's; Testcontainers' client would ask for 1.44)"
  fi
}

postgres_image_up() {
  if [ -n "${PGSECURE_POSTGRES_IMAGE:-}" ]; then
    echo "PGSECURE_POSTGRES_IMAGE=$PGSECURE_POSTGRES_IMAGE (given)"
  elif docker image inspect postgres:15 >/dev/null 2>&1; then
    export PGSECURE_POSTGRES_IMAGE=postgres:15
    echo "PGSECURE_POSTGRES_IMAGE=postgres:15 (the official image, already on this engine)"
  else
    local started=$SECONDS
    PGSECURE_POSTGRES_IMAGE="$(bash tests/PgSecureConnect.ContainerTests/image/build-image.sh | tail -n 1)"
    export PGSECURE_POSTGRES_IMAGE
    echo "PGSECURE_POSTGRES_IMAGE=$PGSECURE_POSTGRES_IMAGE (local image, $((SECONDS - started))s)"
  fi
}

# Removes the containers the tests left behind (Testcontainers labels them; the reaper container cannot be pulled
# here, so the tests dispose of their own and this is the safety net), then stops the engine if we started it.
docker_engine_down() {
  local status=$?
  local leftovers
  leftovers="$(docker ps -aq --filter label=org.testcontainers=true 2>/dev/null || true)"
  if [ -n "$leftovers" ]; then
    echo "removing $(echo "$leftovers" | wc -l) leftover test container(s)"
    # shellcheck disable=SC2086
    docker rm -f $leftovers >/dev/null 2>&1 || true
  fi
  if [ -n "$docker_started_pid" ] && kill -0 "$docker_started_pid" 2>/dev/null; then
    echo "stopping dockerd ($docker_started_pid)"
    kill -TERM "$docker_started_pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$docker_started_pid" 2>/dev/null && [ "$waited" -lt 30 ]; do
      sleep 1
      waited=$((waited + 1))
    done
    kill -KILL "$docker_started_pid" 2>/dev/null || true
  fi
  return "$status"
}
