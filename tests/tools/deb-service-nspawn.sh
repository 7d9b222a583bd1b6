#!/bin/sh
# The service running for real, under systemd, in a booted container:
#   sh tests/tools/deb-service-nspawn.sh [BASE]      (root; after make deb)
# BASE is a Debian 12 root to copy (default /var/tmp/fresh-debian-base,
# the one /work/shared/tools/fresh-debian-check makes). In the copy:
# systemd, python3, iproute2 and build/deb's smtpscope are installed,
# then systemd-nspawn boots it with a network of its own (nothing of the
# host's network is touched; apt-get uses it to fetch) and a one-shot unit runs the checks below,
# writes /root/selftest.log and powers off. This script prints the log.
#
# - smtpscope@lo as shipped: the user, capabilities, seccomp and
#   no_new_privs of the running process; a small SMTP server and client
#   (python3) exchange 5 messages on lo: the log holds 5 transactions;
# - a restart keeps the previous log (IFACE.jsonl.SECONDS);
# - plugins under MemoryDenyWriteExecute=, prometheus on 127.0.0.1
#   (IPAddressAllow=localhost), --report html written on SIGUSR1 into
#   /var/lib/smtpscope;
# - smtpscope@any: -i any;
# - a veth named tap-0 (a "-" in the instance: %i, not %I) whose other
#   end is in a network namespace with the server:
#   capture in promiscuous mode with CAP_NET_RAW alone; the prometheus
#   plugin listening on 0.0.0.0 asked from 127.0.0.1 and from the other
#   end (IPAddressDeny=any, IPAddressAllow=localhost);
# - systemctl reload (SIGHUP) and logrotate's postrotate: what the
#   program does with them;
# - whether systemd can apply IPAddressDeny= in this container.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
cd "$(dirname "$0")/../.." || exit 2
base=${1:-/var/tmp/fresh-debian-base}
[ "$(id -u)" = 0 ] || {
	echo "deb-service-nspawn: needs root" >&2
	exit 2
}
command -v systemd-nspawn >/dev/null || {
	echo "deb-service-nspawn: no systemd-nspawn (apt-get install systemd-container)" >&2
	exit 2
}
[ -d "$base/etc" ] || {
	echo "deb-service-nspawn: no Debian root in $base (fresh-debian-check makes one)" >&2
	exit 2
}
deb=
for f in build/deb/smtpscope_*_*.deb; do [ -f "$f" ] && deb=$f; done
[ -n "$deb" ] || {
	echo "deb-service-nspawn: no build/deb/smtpscope_*.deb (make deb)" >&2
	exit 2
}
root=$(mktemp -d /var/tmp/smtpscope-nspawn.XXXXXX) || exit 2
trap 'rm -rf --one-file-system "$root"' EXIT
cp -a "$base/." "$root/"
cp "$deb" "$root/root/smtpscope.deb"
# apt-get with the host's network; the boot below has its own.
systemd-nspawn -q --register=no --keep-unit -D "$root" \
    sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends systemd systemd-sysv dbus python3 iproute2 logrotate \
    /root/smtpscope.deb >/root/apt.log 2>&1' ||
	{
		echo "deb-service-nspawn: apt-get install in the container failed:"
		tail -n 5 "$root/root/apt.log"
		exit 1
	}

cat >"$root/root/smtp.py" <<'EOF'
# smtp.py serve ADDR: an SMTP server that accepts everything;
# smtp.py send ADDR N: N messages to it.
import socket, smtplib, sys
if sys.argv[1] == "serve":
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((sys.argv[2], 25))
    srv.listen(5)
    while True:
        c, _ = srv.accept()
        f = c.makefile("rb")
        c.sendall(b"220 test ESMTP\r\n")
        data = False
        for line in f:
            if data:
                if line in (b".\r\n", b".\n"):
                    data = False
                    c.sendall(b"250 2.0.0 Ok: queued as ABC123\r\n")
                continue
            v = line[:4].upper()
            if v in (b"EHLO", b"HELO"):
                c.sendall(b"250-test\r\n250 PIPELINING\r\n")
            elif v == b"DATA":
                data = True
                c.sendall(b"354 go\r\n")
            elif v == b"QUIT":
                c.sendall(b"221 bye\r\n")
                break
            else:
                c.sendall(b"250 2.1.0 Ok\r\n")
        c.close()
else:
    for i in range(int(sys.argv[3])):
        s = smtplib.SMTP(sys.argv[2], 25)
        s.sendmail("alice@example.org", ["bob@example.net"],
                   "Subject: t%d\r\n\r\nhello\r\n" % i)
        s.quit()
    print("sent", sys.argv[3])
EOF

cat >"$root/root/selftest.sh" <<'EOF'
#!/bin/sh
exec >/root/selftest.log 2>&1
show() {
	systemctl show -p ActiveState -p SubState -p Result -p NRestarts "$1" |
	    tr '\n' ' '
	echo
}
count() { echo "transactions in $1: $(grep -c '"type":"transaction"' "$1")"; }
u=smtpscope@lo.service
python3 /root/smtp.py serve 127.0.0.1 &
sleep 1

echo "== systemctl start $u (as shipped)"
systemctl start $u
sleep 3
show $u
pid=$(systemctl show -p MainPID --value $u)
grep -E '^(Uid|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status"
echo "== 5 messages on lo"
python3 /root/smtp.py send 127.0.0.1 5
sleep 2
systemctl stop $u
show $u
count /var/log/smtpscope/lo.jsonl
ls -l /var/log/smtpscope/

echo "== restart: the previous log kept"
systemctl start $u
sleep 2
systemctl stop $u
ls -l /var/log/smtpscope/

echo "== /etc/smtpscope/lo.conf: plugins, prometheus, --report html"
mkdir -p /etc/smtpscope
echo 'SMTPSCOPE_OPTS="--plugin example --plugin prometheus:listen=127.0.0.1:9125 --report html -o /var/lib/smtpscope/lo.html"' \
    >/etc/smtpscope/lo.conf
systemctl start $u
sleep 3
show $u
python3 /root/smtp.py send 127.0.0.1 3
sleep 2
python3 -c 'import urllib.request
for l in urllib.request.urlopen("http://127.0.0.1:9125/metrics").read().decode().splitlines():
    if l.startswith("smtpscope_transactions_total"): print(l)'
systemctl kill -s USR1 --kill-whom=main $u
sleep 2
ls -l /var/lib/smtpscope/
echo "== systemctl reload $u (SIGHUP)"
systemctl reload $u
sleep 2
show $u
systemctl stop $u
rm -f /etc/smtpscope/lo.conf

echo "== smtpscope@any (-i any)"
systemctl start smtpscope@any.service
sleep 3
show smtpscope@any.service
python3 /root/smtp.py send 127.0.0.1 2
sleep 2
systemctl stop smtpscope@any.service
count /var/log/smtpscope/any.jsonl

echo "== a veth, promiscuous, CAP_NET_RAW alone"
ip link add tap-0 type veth peer name v1
ip netns add peer
ip link set v1 netns peer
ip addr add 10.9.0.1/24 dev tap-0
ip link set tap-0 up
ip netns exec peer ip addr add 10.9.0.2/24 dev v1
ip netns exec peer ip link set v1 up
ip netns exec peer python3 /root/smtp.py serve 10.9.0.2 &
sleep 1
echo 'SMTPSCOPE_OPTS="--plugin prometheus:listen=0.0.0.0:9126"' \
    >/etc/smtpscope/tap-0.conf
systemctl start smtpscope@tap-0.service
sleep 3
show smtpscope@tap-0.service
get='import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=3)
    print("answered")
except Exception as e:
    print("no answer:", e)'
printf 'metrics from 127.0.0.1: '
python3 -c "$get" http://127.0.0.1:9126/metrics
printf 'metrics from 10.9.0.2 (IPAddressDeny=any): '
ip netns exec peer python3 -c "$get" http://10.9.0.1:9126/metrics
pid=$(systemctl show -p MainPID --value smtpscope@tap-0.service)
grep -E '^CapEff:' "/proc/$pid/status"
ip -d link show tap-0 | grep -o 'promiscuity [0-9]*'
python3 /root/smtp.py send 10.9.0.2 4
sleep 2
systemctl stop smtpscope@tap-0.service
count /var/log/smtpscope/tap-0.jsonl

echo "== logrotate -f /etc/logrotate.d/smtpscope while smtpscope@lo runs"
systemctl start $u
sleep 2
python3 /root/smtp.py send 127.0.0.1 2
sleep 1
logrotate -v -f /etc/logrotate.d/smtpscope 2>&1 |
    grep -i -e '^rotating log' -e 'to /var/log/smtpscope/[a-z0-9-]*\.jsonl\.1$' \
    -e postrotate -e error
sleep 2
show $u
ls -l /var/log/smtpscope/
systemctl stop $u

echo "== what systemd says of the IP firewall (IPAddressDeny=) here"
journalctl -b --no-pager -o cat | grep -i -e 'bpf' -e 'firewall' | sort -u | head -n 5
grep -h . /proc/self/cgroup | head -n 3

echo "== journal"
journalctl --no-pager -o cat -u $u -u smtpscope@any.service \
    -u smtpscope@tap-0.service | grep -v -e '^Start' -e '^Stop'
echo "== done"
systemctl poweroff
EOF
chmod 755 "$root/root/selftest.sh"
cat >"$root/etc/systemd/system/selftest.service" <<'EOF'
[Unit]
Description=smtpscope service self-test
[Service]
Type=oneshot
ExecStart=/root/selftest.sh
[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/selftest.service \
	"$root/etc/systemd/system/multi-user.target.wants/selftest.service"
timeout 300 systemd-nspawn -q -b --register=no --keep-unit \
	--private-network -D "$root" >"$root/root/boot.log" 2>&1
cat "$root/root/selftest.log" 2>/dev/null ||
	{
		echo "deb-service-nspawn: no selftest.log; the boot:"
		tail -n 20 "$root/root/boot.log"
		exit 1
	}
grep -q '^== done' "$root/root/selftest.log"
