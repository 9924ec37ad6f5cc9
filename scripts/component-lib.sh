# What the component scripts share (sourced by scripts/nginx.sh, apache.sh, ftps.sh,
# rsyncd.sh, s3.sh and sshd.sh after they define `fail MESSAGE`): a free loopback port, and
# waiting for a started server to accept connections on it.

# `component_free_port`: prints a TCP port of 127.0.0.1 that nothing listens on now.
component_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# `component_accepts PORT`: whether 127.0.0.1:PORT accepts a connection (within 0.2 s).
component_accepts() {
  python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $1)))" 2>/dev/null
}

# `component_wait PORT PID WHAT LOG...`: waits up to 10 s for 127.0.0.1:PORT to accept
# connections; fails (`fail`, with the last lines of each LOG) when process PID ends first or
# the time is up (then PID is stopped). PID may be empty (a server that daemonizes): then only
# the time bounds it.
component_wait() {
  local port=$1 pid=$2 what=$3
  shift 3
  for _ in $(seq 1 200); do
    component_accepts "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "$what exited: $(tail -q -n 5 "$@" 2>/dev/null)"
    fi
    sleep 0.05
  done
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  fail "$what did not accept connections on 127.0.0.1:$port within 10 s: $(tail -q -n 5 "$@" 2>/dev/null)"
}
