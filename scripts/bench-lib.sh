# What the benchmarks share (sourced by scripts/bench-*.sh after `set -euo pipefail`): the
# repository as working directory, the --smoke flag, required tools, the release build of
# prep, a difusor node started and fed, and the rows of the tables they print.
#
# A script sets `bench` (its name, as its messages print it) before sourcing this file.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

# True when the script's first argument is --smoke: `if bench_smoke "$@"; then ...`.
bench_smoke() {
  [[ "${1:-}" == "--smoke" ]]
}

# `bench_require TOOL...`: each on PATH, or "<bench>: TOOL is missing" and exit 1.
bench_require() {
  local tool
  for tool; do
    command -v "$tool" >/dev/null || { echo "$bench: $tool is missing" >&2; exit 1; }
  done
}

# `bench_two_cpus WHY`: exit 1 on a machine with fewer than 2 CPUs, saying WHY it needs them.
bench_two_cpus() {
  if [[ $(nproc) -lt 2 ]]; then
    echo "$bench: needs 2 CPUs ($1)" >&2
    exit 1
  fi
}

# Where cargo puts release builds (CARGO_TARGET_DIR when set, as cargo itself reads it).
bench_release_dir() {
  echo "${CARGO_TARGET_DIR:-$repo/target}/release"
}

# `bench_build_prep [CARGO ARGS...]`: builds prep (release, with any further targets) and sets
# `prep` to the binary.
bench_build_prep() {
  echo "== building prep (release)"
  cargo build --release --quiet -p prep-cli "$@"
  prep=$(bench_release_dir)/prep
}

# `bench_start_node DIR [PREFIX...]`: runs `PREFIX... prep node run --config DIR/node.toml`
# in the background (standard output to DIR/out, errors appended to DIR/err) and waits for
# its `listening on` line; sets `node_pid` and `addr`. A node that ends first is an error.
bench_start_node() {
  local d=$1
  shift
  # Removed first: otherwise a previous run's `listening on` line may be read before the new
  # process truncates the file, and the old address polled.
  rm -f "$d/out"
  "$@" "$prep" node run --config "$d/node.toml" >"$d/out" 2>>"$d/err" &
  node_pid=$!
  until grep -q '^listening on ' "$d/out" 2>/dev/null; do
    if ! kill -0 "$node_pid" 2>/dev/null; then
      cat "$d/err" >&2
      echo "$bench: the node did not start" >&2
      exit 1
    fi
    sleep 0.01
  done
  addr=$(sed -n 's/^listening on //p' "$d/out" | head -1)
}

# `bench_stage PACKAGE INBOX NAME`: copies PACKAGE to INBOX/.tmp-NAME, marked complete; a
# rename to INBOX/NAME delivers it (bench_deliver does both).
bench_stage() {
  cp -r "$1" "$2/.tmp-$3"
  touch "$2/.tmp-$3/.prep-complete"
}

# `bench_deliver PACKAGE INBOX NAME`: delivers PACKAGE into the node's INBOX as NAME, as the
# dir channel does (copy aside, mark complete, rename in).
bench_deliver() {
  bench_stage "$1" "$2" "$3"
  mv "$2/.tmp-$3" "$2/$3"
}

# `bench_row LABEL_WIDTH VALUE_WIDTH LABEL VALUE`: one row of a table, the label left-aligned
# and the value right-aligned; `bench_head` is the same after a blank line (a table's title).
bench_row() {
  printf "%-${1}s %${2}s\n" "$3" "$4"
}
bench_head() {
  echo
  bench_row "$@"
}

# `bench_chroot_parent`: prints a directory under which sshd accepts a chroot (every
# directory above it root's and not writable by others; sshd refuses any other): target/tmp
# when the checkout allows it, else /var/lib/prep-bench. Working directories go under it, on
# one file system with what they feed.
bench_chroot_parent() {
  mkdir -p "$repo/target/tmp"
  chmod 755 "$repo/target/tmp"
  local d="$repo/target/tmp"
  while :; do
    if [ "$(stat -c %u "$d")" != 0 ] || [ $((0$(stat -c %a "$d") & 022)) -ne 0 ]; then
      mkdir -p /var/lib/prep-bench
      chmod 755 /var/lib/prep-bench
      echo /var/lib/prep-bench
      return
    fi
    [ "$d" = / ] && break
    d="$(dirname "$d")"
  done
  echo "$repo/target/tmp"
}
