# The Docker engine for the container parts of CI (.ci/docker, .ci/platforms), sourced:
#   start_engine   the engine that answers, or dockerd started here (pid file
#                  /run/zkw-dockerd.pid, data root /var/lib/zkw-docker: images built
#                  earlier are reused), after installing docker.io, docker-compose and
#                  debootstrap with apt if missing; sets STARTED_DOCKERD=1 if it started one
#   stop_dockerd   stop the daemon start_engine started, by its pid, and put back the
#                  docker0 bridge and the iptables rules as they were before it
# The caller stops it in its EXIT trap: [ -z "$STARTED_DOCKERD" ] || stop_dockerd
DOCKERD_PID=/run/zkw-dockerd.pid          # a daemon this script started, and only that one
DOCKERD_LOG=/tmp/zkw-dockerd.log
DOCKER_DATA=/var/lib/zkw-docker           # its images: the built images are reused next run
STARTED_DOCKERD=
HAD_DOCKER0=
IPTABLES_BEFORE=/tmp/zkw-iptables.before  # the firewall as it was before this script's dockerd

stop_dockerd() {
  local pid
  pid=$(cat "$DOCKERD_PID" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$DOCKERD_PID"
  # the bridge and the iptables rules a daemon creates outlive it: put back what was there
  [ -n "$HAD_DOCKER0" ] || ip link delete docker0 2>/dev/null || true
  if [ -s "$IPTABLES_BEFORE" ]; then
    for table in filter nat; do
      grep -q "^\*$table" "$IPTABLES_BEFORE" || { iptables -t "$table" -F; iptables -t "$table" -X; }
    done 2>/dev/null
    iptables-restore <"$IPTABLES_BEFORE" && rm -f "$IPTABLES_BEFORE"
  fi
  echo "stopped the Docker engine this script started (pid $pid)"
}

start_engine() {
  local t0=$SECONDS need=()
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null || need+=(docker.io)
  { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; } || need+=(docker-compose)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} with apt"
    apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
  fi
  ! ip link show docker0 >/dev/null 2>&1 || HAD_DOCKER0=1
  iptables-save >"$IPTABLES_BEFORE" 2>/dev/null || rm -f "$IPTABLES_BEFORE"
  mkdir -p "$DOCKER_DATA"
  STARTED_DOCKERD=1
  dockerd -p "$DOCKERD_PID" --data-root "$DOCKER_DATA" >"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    echo "dockerd did not answer within 60 s; its log:"; tail -20 "$DOCKERD_LOG"; return 1
  fi
  echo "started a Docker engine: pid $(cat "$DOCKERD_PID"), data root $DOCKER_DATA ($((SECONDS - t0)) s)"
}
