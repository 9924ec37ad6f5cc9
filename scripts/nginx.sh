#!/usr/bin/env bash
# Starts Debian's nginx on a loopback port serving WEB_ROOT, for the tests and benchmarks
# that check what a difusor's own web server sends: with SNIPPET (a file of deploy/, whose
# `/srv/prep/www` is replaced by WEB_ROOT) inside the server block, else a bare `root`.
# One process (`daemon off; master_process off;`), logs and temporary folders under BASE.
#
# Prints, one per line: port=, pid=, conf=, access_log=, error_log=. Stop it with
# `kill $(cat BASE/nginx.pid)`.
#
# Optional environment: NGINX_HTTP (more directives for the http block, as the node-vs-nginx
# benchmark adds open_file_cache), NGINX_CONNECTIONS (worker_connections, 256), NGINX_BACKLOG
# (the listen backlog, 511), NGINX_CPU (a CPU to pin it to with taskset).
#
# Needs nginx (apt-get install nginx) and python3 (the port choice).
#
# Usage: scripts/nginx.sh BASE WEB_ROOT [SNIPPET]
set -euo pipefail

fail() {
  echo "nginx.sh: $*" >&2
  exit 1
}
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -ge 2 ] && [ "$#" -le 3 ] || fail "usage: scripts/nginx.sh BASE WEB_ROOT [SNIPPET]"
nginx="$(PATH=$PATH:/usr/sbin command -v nginx)" || fail "nginx is missing: apt-get install nginx"
command -v python3 >/dev/null || fail "python3 is missing (the port choice uses it)"
mkdir -p "$1"
base="$(cd "$1" && pwd)"
web_root="$2"
snippet="${3:-}"

if [ -n "$snippet" ]; then
  [ -f "$snippet" ] || fail "$snippet is missing"
  grep -q "/srv/prep/www" "$snippet" || fail "$snippet does not name /srv/prep/www"
  sed "s|/srv/prep/www|$web_root|g" "$snippet" >"$base/site.conf"
else
  echo "root $web_root;" >"$base/site.conf"
fi

port="$(component_free_port)"
cat >"$base/nginx.conf" <<CONF
worker_processes 1;
pid $base/nginx.pid;
error_log $base/error.log;
events { worker_connections ${NGINX_CONNECTIONS:-256}; }
http {
  include /etc/nginx/mime.types;
  client_body_temp_path $base/cb; proxy_temp_path $base/px; fastcgi_temp_path $base/fc;
  uwsgi_temp_path $base/uw; scgi_temp_path $base/sc;
  access_log $base/access.log;
  ${NGINX_HTTP:-}
  server { listen 127.0.0.1:$port backlog=${NGINX_BACKLOG:-511}; include $base/site.conf; }
}
CONF
"$nginx" -t -p "$base" -c "$base/nginx.conf" 2>"$base/test.log" || fail "nginx refused $base/nginx.conf: $(cat "$base/test.log")"
pin=()
[ -n "${NGINX_CPU:-}" ] && pin=(taskset -c "$NGINX_CPU")
"${pin[@]}" "$nginx" -p "$base" -c "$base/nginx.conf" -g 'daemon off; master_process off;' \
  >"$base/nginx.out" 2>&1 &
pid=$!
component_wait "$port" "$pid" nginx "$base/error.log" "$base/nginx.out"
echo "port=$port"
echo "pid=$pid"
echo "conf=$base/nginx.conf"
echo "access_log=$base/access.log"
echo "error_log=$base/error.log"
