#!/usr/bin/env bash
# Starts an S3-compatible server on a loopback port for the s3 delivery tests: moto's
# (`pip install 'moto[server]'`), in the background, logging to BASE/moto.log.
# Prints port= and pid=; stop it with `kill $(cat BASE/moto.pid)`. Any credentials work.
#
# Usage: scripts/s3.sh BASE
set -euo pipefail

fail() {
  echo "s3.sh: $*" >&2
  exit 1
}

[ "$#" -eq 1 ] || fail "usage: scripts/s3.sh BASE (a directory for its pid and log)"
command -v moto_server >/dev/null || fail "moto_server is missing: pip install 'moto[server]'"
command -v python3 >/dev/null || fail "python3 is missing"
mkdir -p "$1"
base="$(cd "$1" && pwd)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
nohup moto_server -H 127.0.0.1 -p "$port" >"$base/moto.log" 2>&1 &
pid=$!
echo "$pid" >"$base/moto.pid"
for _ in $(seq 1 200); do
  if python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
    echo "port=$port"
    echo "pid=$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || fail "moto_server exited: $(tail -5 "$base/moto.log")"
  sleep 0.05
done
kill "$pid" 2>/dev/null || true
fail "moto_server did not listen on 127.0.0.1:$port within 10 s: $(tail -5 "$base/moto.log")"
