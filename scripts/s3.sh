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
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -eq 1 ] || fail "usage: scripts/s3.sh BASE (a directory for its pid and log)"
command -v moto_server >/dev/null || fail "moto_server is missing: pip install 'moto[server]'"
command -v python3 >/dev/null || fail "python3 is missing"
mkdir -p "$1"
base="$(cd "$1" && pwd)"
port="$(component_free_port)"
nohup moto_server -H 127.0.0.1 -p "$port" >"$base/moto.log" 2>&1 &
pid=$!
echo "$pid" >"$base/moto.pid"
component_wait "$port" "$pid" moto_server "$base/moto.log"
echo "port=$port"
echo "pid=$pid"
