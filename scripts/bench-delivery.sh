#!/usr/bin/env bash
# Delivery benchmark (issue 5): 50 difusor nodes on loopback, half pulling from the
# institute's origin, half fed over SFTP (OpenSSH sshd, a chrooted SFTP-only user, one inbox
# folder per node) by `prep deliver --follow`. A synthetic state-sized election is fed into the
# store and K incremental cortes are cut (crates/prep-cli/examples/bench_fanout.rs); for each
# one it prints the time from the end of the cut to the moment every node's public
# /json/main.json serves it (p50, max; goal max ≤ 10 s), and the bytes sent per node over sftp
# and fetched per pull node next to what `rsync -az --link-dest=<previous corte>` sends through
# the same sshd for the same change (goal: no more than rsync's).
#
#   scripts/bench-delivery.sh            # 50 nodes, 20,000 casillas, 6 incremental cortes
#   scripts/bench-delivery.sh --smoke    # 4 nodes, 600 casillas, 2 cortes: proves it works
#   NODES=20 CASILLAS=50000 CORTES=4 scripts/bench-delivery.sh
#   LOGS=/tmp/bench-logs scripts/bench-delivery.sh   # keeps the nodes' event logs
#
# Needs root (sshd's chroot), /usr/sbin/sshd, rsync and python3 (scripts/sshd.sh). Every
# process it starts and its working directory are removed on exit.
set -euo pipefail
bench=bench-delivery
source "$(dirname "$0")/bench-lib.sh"

nodes=${NODES:-50}
casillas=${CASILLAS:-20000}
cortes=${CORTES:-6}
if bench_smoke "$@"; then
  nodes=4
  casillas=600
  cortes=2
fi
[ "$(id -u)" -eq 0 ] || { echo "bench-delivery.sh: must run as root (sshd's chroot)" >&2; exit 1; }

echo "== building prep and the benchmark driver (release)"
cargo build --release --quiet -p prep-cli --bin prep --example bench_fanout
prep=$(bench_release_dir)/prep
driver=$(bench_release_dir)/examples/bench_fanout

# sshd refuses a chroot below a directory that is not root's or that others can write; the
# nodes' data is beside their inboxes (one file system: packages are renamed in).
parent=$(bench_chroot_parent)
base="$parent/bench-delivery-$$"
mkdir -p "$base"
chmod 755 "$base"

driver_pid=
cleanup() {
  if [ -n "$driver_pid" ]; then kill "$driver_pid" 2>/dev/null || true; fi
  # LOGS=DIR keeps every node's event log and the delivery journal for a closer look.
  if [ -n "${LOGS:-}" ] && [ -d "$base/work/nodes" ]; then
    mkdir -p "$LOGS"
    for n in "$base"/work/nodes/*/; do
      cp "$n/data/events.jsonl" "$LOGS/$(basename "$n").events.jsonl" 2>/dev/null || true
    done
    cp "$base/work/eleccion/deliveries.jsonl" "$LOGS/" 2>/dev/null || true
  fi
  if [ -s "$base/work/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$base/work/pids"
  fi
  if [ -s "$base/sshd/sshd.pid" ]; then kill "$(cat "$base/sshd/sshd.pid")" 2>/dev/null || true; fi
  # sshd's session processes end when their clients are gone; until then they may still write.
  for _ in 1 2 3 4 5; do
    rm -rf "$base" 2>/dev/null && break
    sleep 1
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting sshd"
bash scripts/sshd.sh "$base/sshd" >"$base/sshd.env"
mkdir -p "$base/work"
chmod 755 "$base/work"
echo "== $nodes nodes, $casillas casillas, $cortes incremental cortes"
# In the background, so that a signal reaches the trap at once.
"$driver" --prep "$prep" --base "$base/work" --sshd-env "$base/sshd.env" \
  --nodes "$nodes" --casillas "$casillas" --cortes "$cortes" &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
driver_pid=
exit "$status"
