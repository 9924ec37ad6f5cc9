#!/usr/bin/env bash
# Starts Debian's OpenSSH sshd on a loopback port, with its own configuration, host key and
# client key in BASE (a new or empty directory), for the sftp and rsync delivery tests:
#
#   prep-sftp    SFTP only (ForceCommand internal-sftp), chrooted to BASE/sftp-root;
#                the node's inbox is BASE/sftp-root/inbox, "/inbox" as the user sees it
#   prep-rsync   rsync only (ForceCommand rrsync -wo BASE/rsync-root);
#                the node's inbox is BASE/rsync-root/inbox, "inbox" as rsync sees it
#   prep-www     SFTP only, chrooted to BASE/www-sftp (a web root): the publication folder
#                is BASE/www-sftp/www, "/www" as the user sees it
#   prep-www-rsync  rsync only, reading and writing (ForceCommand rrsync BASE/www-rsync):
#                the publication folder is BASE/www-rsync/www, "www" as rsync sees it
#
# Both log in with the key BASE/keys/client. Password, keyboard and root logins are off.
# Prints, one per line: port=, pid=, key=, known_hosts= (a file holding the server's line),
# known_hosts_line=, sftp_user=, sftp_inbox=, rsync_user=, rsync_inbox=, www_sftp_user=,
# www_sftp_folder= (on disk), www_rsync_user=, www_rsync_folder= (on disk). Stop the server
# with `kill $(cat BASE/sshd.pid)`.
#
# Needs root (ChrootDirectory, and the two accounts are created with useradd when missing),
# /usr/sbin/sshd (apt-get install openssh-server), rsync and python3 (rrsync is Python).
# Every directory above BASE must be owned by root and not writable by group or others
# (sshd's rule for a chroot): so not under /tmp; the tests use target/tmp.
#
# Usage: scripts/sshd.sh BASE
set -euo pipefail

fail() {
  echo "sshd.sh: $*" >&2
  exit 1
}
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -eq 1 ] || fail "usage: scripts/sshd.sh BASE (a new or empty directory)"
[ "$(id -u)" -eq 0 ] || fail "must run as root (sshd's ChrootDirectory and useradd need it)"
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || fail "$sshd is missing: apt-get install openssh-server"
command -v rsync >/dev/null || fail "rsync is missing: apt-get install rsync"
rrsync="$(command -v rrsync || true)"
[ -n "$rrsync" ] || fail "rrsync is missing (Debian's rsync package ships /usr/bin/rrsync)"
command -v python3 >/dev/null || fail "python3 is missing (rrsync and the port choice use it)"

mkdir -p "$1"
base="$(cd "$1" && pwd)"
[ -z "$(ls -A "$base")" ] || fail "$base is not empty"

# sshd refuses a chroot under a directory that is not root's or that others can write.
dir="$base"
while :; do
  owner="$(stat -c %u "$dir")"
  mode="$(stat -c %a "$dir")"
  if [ "$owner" != 0 ] || [ $((0$mode & 022)) -ne 0 ]; then
    fail "$dir is owned by uid $owner with mode $mode: every directory above the chroot must be root's and not group- or world-writable (choose BASE elsewhere, e.g. under target/tmp)"
  fi
  [ "$dir" = / ] && break
  dir="$(dirname "$dir")"
done

sftp_user=prep-sftp
rsync_user=prep-rsync
www_sftp_user=prep-www
www_rsync_user=prep-www-rsync
for user in "$sftp_user" "$rsync_user" "$www_sftp_user" "$www_rsync_user"; do
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh "$user"
  fi
  # A locked account ("!" password) may not log in even by key when PAM is off; "*" is no
  # password at all, which is what we want.
  usermod -p '*' "$user"
done

mkdir -p "$base/etc" "$base/keys" "$base/authorized_keys" "$base/sftp-root/inbox" \
  "$base/rsync-root/inbox" "$base/www-sftp/www" "$base/www-rsync/www"
chmod 755 "$base" "$base/etc" "$base/keys" "$base/authorized_keys" "$base/sftp-root" \
  "$base/rsync-root" "$base/www-sftp" "$base/www-rsync" "$base/www-sftp/www" "$base/www-rsync/www"
chown "$sftp_user" "$base/sftp-root/inbox"
chown "$rsync_user" "$base/rsync-root/inbox"
chown "$www_sftp_user" "$base/www-sftp/www"
chown "$www_rsync_user" "$base/www-rsync/www"
ssh-keygen -q -t ed25519 -N '' -C prep-test-host -f "$base/etc/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C prep-test-client -f "$base/keys/client"
cp "$base/keys/client.pub" "$base/authorized_keys/$sftp_user"
cp "$base/keys/client.pub" "$base/authorized_keys/$rsync_user"
cp "$base/keys/client.pub" "$base/authorized_keys/$www_sftp_user"
cp "$base/keys/client.pub" "$base/authorized_keys/$www_rsync_user"
chmod 644 "$base/authorized_keys/"*

port="$(component_free_port)"
cat >"$base/etc/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $base/etc/ssh_host_ed25519_key
PidFile $base/sshd.pid
AuthorizedKeysFile $base/authorized_keys/%u
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes no
AllowUsers $sftp_user $rsync_user $www_sftp_user $www_rsync_user
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
LogLevel VERBOSE
# One server stands in for many difusores' servers (scripts/bench-delivery.sh connects 25
# clients at once): sshd's default (10:30:100) drops connections beyond 10 unauthenticated.
MaxStartups 100:30:200
Subsystem sftp internal-sftp
Match User $sftp_user
  ChrootDirectory $base/sftp-root
  ForceCommand internal-sftp
Match User $rsync_user
  ForceCommand $rrsync -wo $base/rsync-root
Match User $www_sftp_user
  ChrootDirectory $base/www-sftp
  ForceCommand internal-sftp
Match User $www_rsync_user
  ForceCommand $rrsync $base/www-rsync
EOF
mkdir -p /run/sshd
"$sshd" -t -f "$base/etc/sshd_config" || fail "sshd refused the configuration $base/etc/sshd_config"
"$sshd" -f "$base/etc/sshd_config" -E "$base/sshd.log"
for _ in $(seq 1 100); do
  [ -s "$base/sshd.pid" ] && break
  sleep 0.05
done
[ -s "$base/sshd.pid" ] || fail "sshd did not start: $(tail -5 "$base/sshd.log" 2>/dev/null)"

line="[127.0.0.1]:$port $(cut -d' ' -f1,2 "$base/etc/ssh_host_ed25519_key.pub")"
echo "$line" >"$base/known_hosts"
echo "port=$port"
echo "pid=$(cat "$base/sshd.pid")"
echo "key=$base/keys/client"
echo "known_hosts=$base/known_hosts"
echo "known_hosts_line=$line"
echo "sftp_user=$sftp_user"
echo "sftp_inbox=$base/sftp-root/inbox"
echo "rsync_user=$rsync_user"
echo "rsync_inbox=$base/rsync-root/inbox"
echo "www_sftp_user=$www_sftp_user"
echo "www_sftp_folder=$base/www-sftp/www"
echo "www_rsync_user=$www_rsync_user"
echo "www_rsync_folder=$base/www-rsync/www"
