#!/usr/bin/env bash
# The project's test command: run the tests with `scripts/test.sh`.
#
# In order, stopping at the first failure:
#   1. formatting      cargo fmt --check (workspace and fuzz/)
#   2. module cycles   scripts/module-cycles.sh: no crate's top-level modules import each other
#                      in a cycle
#   3. lints           cargo clippy --workspace --all-targets -- -D warnings, and the API docs
#                      (cargo doc --workspace --no-deps with RUSTDOCFLAGS=-D warnings: no broken
#                      link in a crate's documentation)
#   4. tests           cargo test --workspace, doc examples included (needs ../shared beside
#                      the repo)
#   5. fuzz smoke      scripts/fuzz.sh $FUZZ_SECONDS (default 60 s per target)
#   6. bench smoke     scripts/bench-recount.sh, bench-corte.sh, bench-memoria.sh,
#                      bench-node-activation.sh, bench-node-vs-nginx.sh, bench-historial.sh
#                      bench-delivery.sh and bench-folder.sh, each with --smoke
#
# With CI=true a missing ../shared, python3, minisign, chromium, goaccess, nginx, apache2, wrk, pdftotext,
# sshd, rsync, moto_server,
# cargo-fuzz or rustfmt/clippy is an error; on a developer's machine a missing optional tool skips
# its section with a note.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

ci="${CI:-false}"
# A CI run builds once: incremental compilation's caches would only take disk (2 GB and more).
if [ "$ci" = true ]; then
  export CARGO_INCREMENTAL=0
fi
fuzz_seconds="${FUZZ_SECONDS:-60}"
started="$(date +%s)"
timings=()

banner() {
  echo
  echo "=================================================================="
  echo "== $*"
  echo "=================================================================="
}

# Free space where cargo builds, and what the build directories hold: a full disk fails a build
# with "No space left on device", and this line then says how it came to be full.
disk_report() {
  local free used
  # `|| true`: du fails on a directory not built yet, and a report must not stop the run.
  free="$(df -Ph "$repo" 2>/dev/null | awk 'NR == 2 { print $4 }')" || true
  used="$(du -sh "$repo/target" "$repo/fuzz/target" 2>/dev/null | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')" || true
  echo "disk: ${free:-?} free; ${used:-nothing built yet}"
}

# Runs one section, timing it: section NAME COMMAND...
section() {
  local name="$1"
  shift
  banner "$name: $*"
  disk_report
  current="$name"
  current_t0="$(date +%s)"
  "$@"
  local took=$(($(date +%s) - current_t0))
  timings+=("$(printf '%-14s %5ss' "$name" "$took")")
  current=""
  echo "== $name: ok in ${took}s"
}

# On the way out, pass or fail: the time of each section, and which one failed.
current=""
on_exit() {
  local status=$?
  if [ -n "$current" ]; then
    timings+=("$(printf '%-14s %5ss  FAILED' "$current" "$(($(date +%s) - current_t0))")")
  fi
  if [ "${#timings[@]}" -gt 0 ]; then
    banner "timings"
    printf '%s\n' "${timings[@]}"
    echo "total          $(($(date +%s) - started))s"
  fi
  if [ -n "$test_totals" ]; then
    echo
    echo "tests: $test_totals"
  fi
  disk_report
  if [ "$status" -ne 0 ]; then
    echo "test.sh: FAILED${current:+ in section $current} (exit status $status)" >&2
  fi
}
test_totals=""
trap on_exit EXIT

fail() {
  echo "test.sh: ERROR: $*" >&2
  exit 1
}

# Prerequisites. A component a test needs is an error under CI, a note elsewhere.
banner "prerequisites (CI=$ci)"
for tool in "cargo fmt" "cargo clippy"; do
  $tool --version >/dev/null 2>&1 || fail "'$tool' is not installed (rustup component add ${tool#cargo })"
  echo "found: $($tool --version)"
done
shared="$(cd "$repo/.." && pwd)/shared"
if [ -d "$shared" ]; then
  echo "found: $shared"
elif [ "$ci" = true ]; then
  fail "$shared is missing: the tests read the published files under ../shared beside the repo"
else
  echo "WARNING: $shared is missing: the tests that read the published files will fail"
fi
# require NAME CHECK-COMMAND WHY: a component the tests need. Missing: an error under CI, a
# warning elsewhere (the tests that need it say so, and fail under CI). Returns 1 when missing.
require() {
  local name="$1" check="$2" why="$3"
  local version
  # The whole output, then its first line: `| head -1` could end the tool with SIGPIPE.
  if version="$(eval "$check" 2>&1)"; then
    echo "found: $name (${version%%$'\n'*})"
    return 0
  elif [ "$ci" = true ]; then
    fail "$name is missing: $why"
  else
    echo "WARNING: $name is missing: $why"
    return 1
  fi
}
require python3 "python3 --version" "the module-cycle check, the benchmark's reference counter and the http verify test run it" || true
require minisign "minisign -v" "apt-get install minisign: the signing tests verify with it" || true
require chromium "chromium --version 2>/dev/null" "apt-get install chromium: the public site is checked in headless Chromium" || true
require goaccess "goaccess --version" "apt-get install goaccess: the memoria técnica's counts are checked against it" || true
require nginx "PATH=\$PATH:/usr/sbin nginx -v" "apt-get install nginx: the memoria técnica reads a log nginx wrote" || true
require apache2 "PATH=\$PATH:/usr/sbin apache2 -v" "apt-get install apache2: the node's exported web root is served by Apache in a test" || true
# Debian's wrk prints its version and exits 1: found when it names itself.
require wrk "command -v wrk" "apt-get install wrk: the node is loaded while cortes switch in a test" || true
require pdftotext "pdftotext -v" "apt-get install poppler-utils: the memoria técnica's PDF is read back" || true
require sshd "/usr/sbin/sshd -V" "apt-get install openssh-server: the sftp and rsync channels are tested against it (scripts/sshd.sh)" || true
require rsync "rsync --version" "apt-get install rsync: the rsync channel runs it" || true
require vsftpd "test -x /usr/sbin/vsftpd" "apt-get install vsftpd: publication-folder delivery over FTPS is tested against it (scripts/ftps.sh)" || true
require openssl "openssl version" "apt-get install openssl: scripts/ftps.sh makes the FTPS server's certificates with it" || true
require flock "command -v flock" "apt-get install util-linux: scripts/ftps.sh makes its account's password under flock" || true
require iproute2 "command -v ip && command -v tc" "apt-get install iproute2: the publication-folder benchmark's constrained link (scripts/bench-folder.sh)" || true
require moto_server "moto_server --help" "pip install 'moto[server]': the s3 channel is tested against it (scripts/s3.sh)" || true
have_fuzz=true
require cargo-fuzz "cargo fuzz --version" "cargo install --locked cargo-fuzz" || have_fuzz=false

fmt_check() {
  cargo fmt --all -- --check
  cargo fmt --manifest-path fuzz/Cargo.toml --all -- --check
}

# cargo test prints one `test result:` line per test binary; the total closes the run.
run_tests() {
  local out
  out="$(mktemp)"
  set +e
  cargo test --workspace 2>&1 | tee "$out"
  local status="${PIPESTATUS[0]}"
  set -e
  test_totals="$(awk '/^test result: /{
      for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1); if ($i ~ /^ignored;?$/) s += $(i-1) }
    } END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$out")"
  rm -f "$out"
  echo "== cargo test --workspace: $test_totals"
  return "$status"
}

section fmt fmt_check
if command -v python3 >/dev/null; then
  section module-cycles bash scripts/module-cycles.sh
else
  # Under CI python3 was required above.
  banner "module-cycles: SKIPPED (python3 is not installed)"
fi
section clippy cargo clippy --workspace --all-targets -- -D warnings
section docs env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
section tests run_tests

if [ "$have_fuzz" = true ]; then
  section fuzz scripts/fuzz.sh "$fuzz_seconds"
else
  banner "fuzz: SKIPPED (cargo-fuzz is not installed)"
fi

# The benchmarks, in seconds-long smoke mode: they still run and still agree.
section bench-recount bash scripts/bench-recount.sh --smoke
section bench-corte bash scripts/bench-corte.sh --smoke
section bench-memoria bash scripts/bench-memoria.sh --smoke
section bench-node bash scripts/bench-node-activation.sh --smoke
if PATH=$PATH:/usr/sbin command -v nginx >/dev/null && command -v wrk >/dev/null; then
  section bench-nginx bash scripts/bench-node-vs-nginx.sh --smoke
else
  # Under CI both were required above.
  banner "bench-nginx: SKIPPED (nginx or wrk is not installed)"
fi
if command -v wrk >/dev/null; then
  section bench-historial bash scripts/bench-historial.sh --smoke
else
  # Under CI wrk was required above.
  banner "bench-historial: SKIPPED (wrk is not installed)"
fi
# 4 nodes over pull and sftp through a real sshd: needs root and openssh-server (required
# above under CI).
if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/sshd ] && command -v rsync >/dev/null; then
  section bench-delivery bash scripts/bench-delivery.sh --smoke
elif [ "$ci" = true ]; then
  fail "bench-delivery needs root, /usr/sbin/sshd and rsync"
else
  banner "bench-delivery: SKIPPED (needs root, /usr/sbin/sshd and rsync)"
fi
# Every publication-folder protocol on loopback and over the constrained link (a network
# namespace, tc): needs root, sshd, rsync, vsftpd and iproute2 (required above under CI).
if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/sshd ] && [ -x /usr/sbin/vsftpd ] &&
  command -v rsync >/dev/null && command -v ip >/dev/null && command -v tc >/dev/null; then
  section bench-folder bash scripts/bench-folder.sh --smoke
elif [ "$ci" = true ]; then
  fail "bench-folder needs root, /usr/sbin/sshd, /usr/sbin/vsftpd, rsync, ip and tc"
else
  banner "bench-folder: SKIPPED (needs root, sshd, vsftpd, rsync, ip and tc)"
fi
