#!/usr/bin/env bash
# Starts Debian's Apache httpd on a loopback port serving WEB_ROOT with SNIPPET (a file of
# deploy/, whose `/srv/prep/www` is replaced by WEB_ROOT) inside a VirtualHost, for the tests
# that check what a difusor's own web server sends. One process in the foreground (`-X`),
# logs under BASE; only the modules the snippets need are loaded.
#
# Prints, one per line: port=, pid=, conf=, error_log=. Stop it with
# `kill $(cat BASE/httpd.pid)`.
#
# Needs apache2 (apt-get install apache2) and python3 (the port choice).
#
# Usage: scripts/apache.sh BASE WEB_ROOT SNIPPET
set -euo pipefail

fail() {
  echo "apache.sh: $*" >&2
  exit 1
}
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -eq 3 ] || fail "usage: scripts/apache.sh BASE WEB_ROOT SNIPPET"
apache="$(PATH=$PATH:/usr/sbin command -v apache2)" || fail "apache2 is missing: apt-get install apache2"
command -v python3 >/dev/null || fail "python3 is missing (the port choice uses it)"
mkdir -p "$1"
base="$(cd "$1" && pwd)"
web_root="$2"
snippet="$3"
[ -f "$snippet" ] || fail "$snippet is missing"
grep -q "/srv/prep/www" "$snippet" || fail "$snippet does not name /srv/prep/www"
sed "s|/srv/prep/www|$web_root|g" "$snippet" >"$base/site.conf"

modules=/usr/lib/apache2/modules
port="$(component_free_port)"
cat >"$base/httpd.conf" <<CONF
ServerRoot "$base"
ServerName localhost
Listen 127.0.0.1:$port
PidFile $base/httpd.pid
ErrorLog $base/error.log
Mutex file:$base
User nobody
Group nogroup
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule mime_module $modules/mod_mime.so
LoadModule dir_module $modules/mod_dir.so
LoadModule headers_module $modules/mod_headers.so
LoadModule expires_module $modules/mod_expires.so
TypesConfig /etc/mime.types
<VirtualHost 127.0.0.1:$port>
Include $base/site.conf
</VirtualHost>
CONF
"$apache" -t -d "$base" -f "$base/httpd.conf" 2>"$base/test.log" || fail "apache refused $base/httpd.conf: $(cat "$base/test.log")"
"$apache" -d "$base" -f "$base/httpd.conf" -X >"$base/httpd.out" 2>&1 &
pid=$!
component_wait "$port" "$pid" apache "$base/error.log" "$base/httpd.out"
echo "port=$port"
echo "pid=$pid"
echo "conf=$base/httpd.conf"
echo "error_log=$base/error.log"
