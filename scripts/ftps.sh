#!/usr/bin/env bash
# Starts Debian's vsftpd on a loopback port with TLS required on the control and the data
# connections (explicit FTPS, `AUTH TLS`), for the publication-folder delivery tests: one
# local account, chrooted to BASE/ftp-root, which writes the publication folder
# BASE/ftp-root/www (what the web server publishes; "/www" as the account sees it).
#
# Prints, one per line: port=, pid=, user=, password=, folder= (the path on disk),
# remote_folder= (as the account sees it), ca= (the test certificate authority to trust).
# Stop the server with `kill $(cat BASE/vsftpd.pid)`.
#
# Needs root (vsftpd's chroot, useradd, chpasswd), /usr/sbin/vsftpd (apt-get install
# vsftpd), openssl, flock (util-linux) and python3.
#
# Usage: scripts/ftps.sh BASE
set -euo pipefail

fail() {
  echo "ftps.sh: $*" >&2
  exit 1
}
source "$(dirname "${BASH_SOURCE[0]}")/component-lib.sh"

[ "$#" -eq 1 ] || fail "usage: scripts/ftps.sh BASE (a new or empty directory)"
[ "$(id -u)" -eq 0 ] || fail "must run as root (vsftpd's chroot and useradd need it)"
vsftpd=/usr/sbin/vsftpd
[ -x "$vsftpd" ] || fail "$vsftpd is missing: apt-get install vsftpd"
command -v openssl >/dev/null || fail "openssl is missing: apt-get install openssl"
command -v flock >/dev/null || fail "flock is missing: apt-get install util-linux"
command -v python3 >/dev/null || fail "python3 is missing (the port choice uses it)"

mkdir -p "$1"
base="$(cd "$1" && pwd)"
[ -z "$(ls -A "$base")" ] || fail "$base is not empty"

# One system account serves every instance on this machine (tests start several at once):
# its password is made once, under a lock, and kept root-only in $state; each instance
# chroots it to its own folder with `local_root`, so neither the password nor the home
# directory changes under a running instance.
user=prep-ftps
state=/var/lib/prep-test
mkdir -p "$state"
chmod 700 "$state"
exec 9>"$state/ftps.lock"
flock 9
# vsftpd changes into the account's home at login (before `local_root`): an empty one.
home=/var/lib/prep-ftps-home
mkdir -p "$home"
chmod 755 "$home"
if ! id "$user" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir "$home" --shell /usr/sbin/nologin "$user"
elif [ "$(getent passwd "$user" | cut -d: -f6)" != "$home" ]; then
  usermod -d "$home" "$user" >&2
fi
if [ ! -s "$state/ftps-password" ]; then
  python3 -c 'import secrets; print(secrets.token_hex(16))' >"$state/ftps-password.tmp"
  chmod 600 "$state/ftps-password.tmp"
  echo "$user:$(cat "$state/ftps-password.tmp")" | chpasswd
  mv "$state/ftps-password.tmp" "$state/ftps-password"
fi
password="$(cat "$state/ftps-password")"
# vsftpd's PAM service asks that the login shell be listed in /etc/shells.
grep -qx /usr/sbin/nologin /etc/shells || echo /usr/sbin/nologin >>/etc/shells
flock -u 9
exec 9>&-

mkdir -p "$base/etc" "$base/ftp-root/www" "$base/empty"
chmod 755 "$base" "$base/etc" "$base/ftp-root" "$base/empty"
chown root:root "$base/ftp-root" "$base/empty"
chown "$user" "$base/ftp-root/www"
chmod 755 "$base/ftp-root/www"

# A certificate authority of its own, and the server's certificate for 127.0.0.1 signed by
# it (a client refuses a self-signed certificate used as the server's).
etc="$base/etc"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=prep test authority" \
  -keyout "$etc/ca-key.pem" -out "$etc/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$etc/key.pem" -out "$etc/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
  "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$etc/server.ext"
openssl x509 -req -in "$etc/server.csr" -CA "$etc/ca.pem" -CAkey "$etc/ca-key.pem" \
  -CAcreateserial -days 2 -extfile "$etc/server.ext" -out "$etc/cert.pem" 2>/dev/null
chmod 600 "$etc/key.pem" "$etc/ca-key.pem"

port="$(component_free_port)"
pasv="$(component_free_port)"
cat >"$base/etc/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
userlist_enable=YES
userlist_deny=NO
userlist_file=$base/etc/users
chroot_local_user=YES
local_root=$base/ftp-root
secure_chroot_dir=$base/empty
pam_service_name=vsftpd
ssl_enable=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_tlsv1=NO
ssl_sslv2=NO
ssl_sslv3=NO
require_ssl_reuse=NO
rsa_cert_file=$base/etc/cert.pem
rsa_private_key_file=$base/etc/key.pem
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$pasv
pasv_max_port=$((pasv + 20))
max_clients=50
max_per_ip=50
seccomp_sandbox=NO
xferlog_enable=YES
vsftpd_log_file=$base/vsftpd.log
dual_log_enable=YES
EOF
echo "$user" >"$base/etc/users"

"$vsftpd" "$base/etc/vsftpd.conf" >>"$base/vsftpd.out" 2>&1 &
pid=$!
echo "$pid" >"$base/vsftpd.pid"
component_wait "$port" "$pid" vsftpd "$base/vsftpd.out"

echo "port=$port"
echo "pid=$pid"
echo "user=$user"
echo "password=$password"
echo "folder=$base/ftp-root/www"
echo "remote_folder=/www"
echo "ca=$base/etc/ca.pem"
