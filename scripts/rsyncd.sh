#!/usr/bin/env bash
# Starts the rsync daemon (`rsync --daemon`) on a loopback port, for the publication-folder
# delivery tests: one module, `prep`, writable by one user authenticated with a secrets
# file, whose path BASE/www is the publication folder a web server publishes.
#
# Prints, one per line: port=, pid=, module=, user=, password_file= (for the client's
# `--password-file`, mode 600), folder= (the module's path on disk), url= (rsync://…/prep/).
# Stop the daemon with `kill $(cat BASE/rsyncd.pid)`.
#
# Needs rsync (apt-get install rsync) and python3 (the port choice). Runs as any user; as
# root the module writes as root (`uid = root`), which a test needs to read every file back.
#
# Usage: scripts/rsyncd.sh BASE
set -euo pipefail

fail() {
  echo "rsyncd.sh: $*" >&2
  exit 1
}
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -eq 1 ] || fail "usage: scripts/rsyncd.sh BASE (a new or empty directory)"
command -v rsync >/dev/null || fail "rsync is missing: apt-get install rsync"
command -v python3 >/dev/null || fail "python3 is missing (the port choice uses it)"

mkdir -p "$1"
base="$(cd "$1" && pwd)"
[ -z "$(ls -A "$base")" ] || fail "$base is not empty"
mkdir -p "$base/www" "$base/etc"

user=prep
password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
# The daemon's side: user:password; the client's side: the password alone. Both 600: rsync
# refuses a secrets file others can read.
printf '%s:%s\n' "$user" "$password" >"$base/etc/rsyncd.secrets"
printf '%s\n' "$password" >"$base/etc/client.password"
chmod 600 "$base/etc/rsyncd.secrets" "$base/etc/client.password"

port="$(component_free_port)"
owner="$(id -un)"
group="$(id -gn)"
cat >"$base/etc/rsyncd.conf" <<CONF
pid file = $base/rsyncd.pid
log file = $base/rsyncd.log
address = 127.0.0.1
port = $port
use chroot = no
max connections = 50

[prep]
    path = $base/www
    comment = publication folder
    read only = no
    list = yes
    uid = $owner
    gid = $group
    auth users = $user
    secrets file = $base/etc/rsyncd.secrets
    strict modes = yes
    hosts allow = 127.0.0.1
CONF

rsync --daemon --config="$base/etc/rsyncd.conf"
# It daemonizes: started when it accepts connections and has written its pid (first).
component_wait "$port" "" "rsync --daemon" "$base/rsyncd.log"
[ -s "$base/rsyncd.pid" ] || fail "rsync --daemon did not start: $(tail -5 "$base/rsyncd.log" 2>/dev/null)"

echo "port=$port"
echo "pid=$(cat "$base/rsyncd.pid")"
echo "module=prep"
echo "user=$user"
echo "password_file=$base/etc/client.password"
echo "folder=$base/www"
echo "url=rsync://$user@127.0.0.1:$port/prep/"
