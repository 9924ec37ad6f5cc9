#!/usr/bin/env bash
# Publication-folder benchmark (issue 16): a synthetic election's cortes delivered by the real
# `prep deliver` into one folder per protocol (dir-folder; sftp-folder and rsync-folder through
# OpenSSH's sshd; rsyncd-folder into `rsync --daemon`; ftps-folder into vsftpd), each timed,
# its bytes next to what `rsync -az` sends for the same change of the folder
# (crates/prep-cli/examples/bench_folder.rs). Goal: no more bytes than rsync's on every
# incremental corte.
#
# --link (or LINK=1) runs every delivery from a network namespace whose only link is a veth
# pair limited with tc's tbf to 10 Mbit/s each way, with 20 ms added each way by relays (this
# kernel has no netem): Coahuila 2017's 35 MB first corte must reach the folder within
# 3 minutes, and each incremental corte within 60 s of its cut (Durango). FTPS is left out
# there (its data connections bypass a relay).
#
#   scripts/bench-folder.sh                 # loopback: 20,000 casillas, 3 incremental cortes
#   scripts/bench-folder.sh --link          # the link: 36,000 casillas (a 35 MB corte), 3 more
#   scripts/bench-folder.sh --smoke         # both, 600 casillas and 1 more corte: proves it works
#   CASILLAS=50000 CORTES=5 scripts/bench-folder.sh
#
# Needs root (sshd's and vsftpd's chroots, the namespace), /usr/sbin/sshd, rsync, vsftpd,
# openssl, python3 and, for --link, ip and tc (iproute2). Every process it starts, the
# namespace and the working directory are removed on exit.
set -euo pipefail
bench=bench-folder
source "$(dirname "$0")/bench-lib.sh"

smoke=false
link=${LINK:-0}
case "${1:-}" in
  --smoke) smoke=true ;;
  --link) link=1 ;;
  "") ;;
  *) echo "$bench: unknown argument $1 (--smoke or --link)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "$bench: must run as root (the servers' chroots, the namespace)" >&2; exit 1; }
bench_require rsync openssl python3 ip tc
[ -x /usr/sbin/sshd ] || { echo "$bench: /usr/sbin/sshd is missing (apt-get install openssh-server)" >&2; exit 1; }
[ -x /usr/sbin/vsftpd ] || { echo "$bench: /usr/sbin/vsftpd is missing (apt-get install vsftpd)" >&2; exit 1; }

echo "== building prep and the benchmark driver (release)"
cargo build --release --quiet -p prep-cli --bin prep --example bench_folder
prep=$(bench_release_dir)/prep
driver=$(bench_release_dir)/examples/bench_folder

parent=$(bench_chroot_parent)
base="$parent/bench-folder-$$"
mkdir -p "$base"
chmod 755 "$base"
ns="prep-link-$$"
host_dev="pl0-$$"
ns_dev="pl1-$$"

cleanup() {
  for pidfile in "$base"/sshd/sshd.pid "$base"/rsyncd/rsyncd.pid "$base"/ftps/vsftpd.pid; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$host_dev" 2>/dev/null || true
  for _ in 1 2 3 4 5; do
    rm -rf "$base" 2>/dev/null && break
    sleep 1
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting sshd, the rsync daemon and vsftpd"
bash scripts/sshd.sh "$base/sshd" >"$base/sshd.env"
bash scripts/rsyncd.sh "$base/rsyncd" >"$base/rsyncd.env"
bash scripts/ftps.sh "$base/ftps" >"$base/ftps.env"

# `make_link`: the namespace, its veth pair (10.203.0.1 here, 10.203.0.2 there), tbf on both
# ends (each direction's sender), loopback up inside.
make_link() {
  ip netns add "$ns"
  ip link add "$host_dev" type veth peer name "$ns_dev"
  ip link set "$ns_dev" netns "$ns"
  ip addr add 10.203.0.1/30 dev "$host_dev"
  ip link set "$host_dev" up
  ip netns exec "$ns" ip addr add 10.203.0.2/30 dev "$ns_dev"
  ip netns exec "$ns" ip link set "$ns_dev" up
  ip netns exec "$ns" ip link set lo up
  tc qdisc add dev "$host_dev" root tbf rate 10mbit burst 32kbit latency 400ms
  ip netns exec "$ns" tc qdisc add dev "$ns_dev" root tbf rate 10mbit burst 32kbit latency 400ms
}

# `run_driver WORK CASILLAS CORTES [DRIVER ARGS...]`
run_driver() {
  local work=$1 casillas=$2 cortes=$3
  shift 3
  mkdir -p "$work"
  chmod 755 "$work"
  "$driver" --prep "$prep" --base "$work" --sshd-env "$base/sshd.env" \
    --rsyncd-env "$base/rsyncd.env" --casillas "$casillas" --cortes "$cortes" "$@"
}

if $smoke; then
  echo "== smoke: loopback, 600 casillas, 1 incremental corte"
  run_driver "$base/loopback" 600 1 --ftps-env "$base/ftps.env"
  echo "== smoke: the link, 600 casillas, 1 incremental corte"
  make_link
  # The folders and rsync's reference copy start empty again.
  rm -rf "$base/sshd/www-sftp/www/"* "$base/sshd/www-rsync/www/"* "$base/rsyncd/www/"* \
    "$base/sshd/rsync-root/reference"
  run_driver "$base/link" 600 1 --link-netns "$ns" --link-host 10.203.0.1
elif [ "$link" = 1 ]; then
  make_link
  casillas=${CASILLAS:-36000}
  cortes=${CORTES:-3}
  echo "== the link: $casillas casillas, $cortes incremental cortes"
  run_driver "$base/link" "$casillas" "$cortes" --link-netns "$ns" --link-host 10.203.0.1
else
  casillas=${CASILLAS:-20000}
  cortes=${CORTES:-3}
  echo "== loopback: $casillas casillas, $cortes incremental cortes"
  run_driver "$base/loopback" "$casillas" "$cortes" --ftps-env "$base/ftps.env"
fi
