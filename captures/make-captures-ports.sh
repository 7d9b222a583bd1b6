#!/bin/bash
# make-captures-ports.sh - record captures/ports.pcap: SMTP on ports
# nobody told smtpscope about (a real Postfix smtpd on 2525 and 10025),
# SMTP inside an HTTP CONNECT tunnel through a real proxy (Debian's
# tinyproxy), and TCP that is not SMTP beside it (HTTP, an echo, an
# FTP-like 220 greeting, HTTP through the same proxy's tunnel), for
# --ports any (issue 14); and captures/ports.truth, every message
# Postfix queued, from its own log (never from a dissector). See
# captures/README.md, section "ports".
#
# usage: sudo captures/make-captures-ports.sh
#
# Topology, on the loopback of one network namespace made here (lo with
# mtu 1500 and gso_max_size 1500):
#   127.0.0.1  the clients (swaks, curl, socat)
#   127.0.0.2  a private Postfix 3.7: smtpd on 2525 (syslog name
#              postfix/p2525) and 10025 (postfix/p10025); relay_domains
#              example.test, delivered to discard: (nothing leaves);
#              relay_recipient_maps: alice, bob, carol; others 550
#   127.0.0.3  python3 -m http.server on 8080 (two curl GETs)
#   127.0.0.4  socat: an echo on 7777, and on 2121 a server that greets
#              "220 (vsFTPd 3.0.3)" as FTP does, answered with USER
#   127.0.0.9  tinyproxy 1.11 (Debian's tinyproxy-bin, unpacked, not
#              installed) on 8888, ConnectPort 2525 and 8080: swaks
#              speaks SMTP through it (--pipe 'socat - PROXY:...', which
#              sends "CONNECT 127.0.0.2:2525 HTTP/1.0"), and curl
#              --proxytunnel fetches from the HTTP server through it
#
# Truth, from Postfix's and tinyproxy's logs (never from a dissector):
# captures/ports.queued, one line a message Postfix queued:
#   QUEUEID SERVER_PORT CLIENT_IP CLIENT_PORT FROM RCPT[,RCPT...]
# from smtpd's "client=" line (the service's syslog name gives the
# server port), qmgr's "from=", discard's "to=... status=sent". The
# message sent through the tunnel reaches Postfix from tinyproxy
# (127.0.0.9), on the proxy's own connection, which is plain SMTP on
# 2525 too. captures/ports.truth, the counts of captures/README.md with
# captures/ports.args (--ports any): Postfix's connections ("connect
# from") and the tunnels to its port tinyproxy logged ("Established
# connection to host \"127.0.0.2\" using file descriptor" after a
# CONNECT to :2525) are the sessions; the messages queued and those of
# the tunnelled sessions (the proxy's leg's) the transactions, all
# accepted; their delivered recipients. The script checks every planned
# message is there and every refused recipient was refused, and stops
# with an error otherwise, leaving captures/ as it was.
#
# Needs root, tcpdump, iproute2, python3, postfix (postfix, postconf),
# swaks, socat, curl, apt-get and dpkg-deb (network access to Debian's
# archive for tinyproxy-bin). Nothing is installed and no service is
# started: Postfix runs as a private instance ("postfix -c DIR"),
# tinyproxy from the unpacked package with a private configuration, in
# the foreground, stopped by its pid. Everything it started, the
# namespace and the temporary directory are removed on exit, also on
# failure (KEEP_WORK=1 keeps the directory). It takes about 20 seconds.
#
# SPDX-License-Identifier: GPL-2.0-or-later
#
# shellcheck disable=SC2015
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
NAME=ports
MAX_SIZE=300000	# the capture stays under this many bytes

MTA=127.0.0.2
WEB=127.0.0.3
ECHO=127.0.0.4
PROXY=127.0.0.9
PROXY_PORT=8888

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss timeout python3 apt-get dpkg-deb postfix postconf \
    swaks socat curl; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ $# = 0 ] || die "no arguments (usage: sudo $0)"

WORK=$(mktemp -d /tmp/smtpscope-ports.XXXXXX)
chmod 755 "$WORK"
PIDS=""
NSES=""
PF=""	# "NS:DIR" of the running private Postfix

cleanup() {
	set +e
	[ -n "$PF" ] && ip netns exec "${PF%%:*}" postfix -c "${PF#*:}/etc" stop \
	    >/dev/null 2>&1
	PF=""
	stop_all 0.5	# captures/lib.sh
	rm -f "$OUT/$NAME.pcap.tmp" "$OUT/$NAME.queued.tmp" \
	    "$OUT/$NAME.truth.tmp"
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

# ------------------------------------------------------ unpacked tinyproxy
ROOT=$WORK/root
mkdir -p "$WORK/debs" "$ROOT"
getent passwd _apt >/dev/null && chown _apt "$WORK/debs"
if ! (cd "$WORK/debs" && apt-get download -q tinyproxy-bin) \
    >>"$WORK/apt.log" 2>&1; then
	apt-get update -q >>"$WORK/apt.log" 2>&1 || true
	(cd "$WORK/debs" && apt-get download -q tinyproxy-bin) \
	    >>"$WORK/apt.log" 2>&1 ||
	    die "apt-get download tinyproxy-bin failed: $(tail -n 5 "$WORK/apt.log")"
fi
deb=$(ls "$WORK"/debs/tinyproxy-bin_*.deb)
dpkg-deb -x "$deb" "$ROOT" || die "dpkg-deb -x $deb failed"
TINYPROXY=$ROOT/usr/bin/tinyproxy
[ -x "$TINYPROXY" ] || die "no tinyproxy in $deb"
echo "   unpacked $(basename "$deb") (not installed)"

say "$NAME: Postfix on 2525 and 10025, tinyproxy, HTTP, echo, FTP-like"
ns_new "$NAME"
for a in $MTA $WEB $ECHO $PROXY; do
	in_ns "$NS" ip addr add "$a/8" dev lo
done

# ---- Postfix: smtpd on 2525 and 10025 only
P=$WORK/pf
pf_base "$P"	# captures/lib.sh
postconf -c "$P/etc" -e \
    "inet_protocols = ipv4" \
    "inet_interfaces = $MTA" \
    "myhostname = mx.example.test" \
    "mydestination =" \
    "mynetworks = 127.0.0.0/8" \
    "alias_maps =" \
    "alias_database =" \
    "relay_domains = example.test" \
    "relay_recipient_maps = inline:{ alice@example.test=ok, bob@example.test=ok, carol@example.test=ok }" \
    "transport_maps = inline:{ example.test=discard: }" \
    "default_transport = error:no route" \
    "relayhost =" \
    "smtpd_peername_lookup = no" \
    "smtpd_client_port_logging = yes" \
    "smtp_dns_support_level = disabled" \
    "smtpd_banner = \$myhostname ESMTP \$mail_name" \
    "compatibility_level = 3.6" || die "postconf failed"
postconf -c "$P/etc" -F '*/*/chroot = n' || die "postconf -F failed"
# No smtpd on 25: the mail ports smtpscope knows carry nothing here.
postconf -c "$P/etc" -M# smtp/inet || die "postconf -M# failed"
cat >>"$P/etc/master.cf" <<EOF_MASTER
$MTA:2525 inet n - n - - smtpd
  -o syslog_name=postfix/p2525
$MTA:10025 inet n - n - - smtpd
  -o syslog_name=postfix/p10025
EOF_MASTER
PF="$NS:$P"
in_ns "$NS" postfix -c "$P/etc" start >"$P/start.log" 2>&1 ||
    die "postfix start failed: $(cat "$P/start.log" "$P/maillog" 2>/dev/null)"
wait_listen "$NS" "$MTA:2525"
wait_listen "$NS" "$MTA:10025"

# ---- tinyproxy, its own configuration, in the foreground
cat >"$WORK/tinyproxy.conf" <<EOF_TP
User nobody
Group nogroup
Port $PROXY_PORT
Listen $PROXY
Bind $PROXY
Timeout 60
LogLevel Info
LogFile "$WORK/tinyproxy.log"
MaxClients 10
Allow 127.0.0.0/8
ConnectPort 2525
ConnectPort 8080
DisableViaHeader Yes
EOF_TP
touch "$WORK/tinyproxy.log"
chown nobody "$WORK/tinyproxy.log"
start_bg "$NS" "$TINYPROXY" -d -c "$WORK/tinyproxy.conf"
TP_PID=$BG_PID
wait_listen "$NS" "$PROXY:$PROXY_PORT"

# ---- HTTP, echo, FTP-like
mkdir -p "$WORK/www"
echo "hello from the web server" >"$WORK/www/index.html"
start_bg "$NS" python3 -m http.server --bind $WEB --directory "$WORK/www" 8080 \
    2>"$WORK/http-server.log"
wait_listen "$NS" "$WEB:8080"
start_bg "$NS" socat TCP-LISTEN:7777,bind=$ECHO,reuseaddr,fork EXEC:cat
wait_listen "$NS" "$ECHO:7777"
cat >"$WORK/ftp-like.sh" <<'EOF_FTP'
#!/bin/sh
printf '220 (vsFTPd 3.0.3)\r\n'
read -r _
printf '331 Please specify the password.\r\n'
read -r _
printf '530 Login incorrect.\r\n'
EOF_FTP
chmod 755 "$WORK/ftp-like.sh"
start_bg "$NS" socat TCP-LISTEN:2121,bind=$ECHO,reuseaddr,fork \
    EXEC:"$WORK/ftp-like.sh"
wait_listen "$NS" "$ECHO:2121"

# ---- the capture
td_start "$NS" lo "$OUT/$NAME.pcap.tmp" tcp

sw() {
	in_ns "$NS" swaks --silent 1 --helo client.example.test "$@" \
	    >>"$WORK/swaks.log" 2>&1 || true
}
# 2525: one message, two recipients
sw --server $MTA --port 2525 --from alice@example.org \
    --to alice@example.test,bob@example.test --header 'Subject: on 2525'
# HTTP beside it
in_ns "$NS" curl -s -o /dev/null http://$WEB:8080/ || die "curl failed"
# 10025: a refused recipient among accepted ones, pipelined
sw --server $MTA --port 10025 --pipeline --from bob@example.org \
    --to carol@example.test,nobody@example.test,alice@example.test \
    --header 'Subject: on 10025'
# an echo and an FTP-like greeting
printf 'hello\r\nEHLO is not the first line here\r\n' |
    in_ns "$NS" timeout 5 socat - TCP:$ECHO:7777,shut-down >/dev/null ||
    die "echo failed"
printf 'USER anonymous\r\nPASS x\r\n' |
    in_ns "$NS" timeout 5 socat - TCP:$ECHO:2121 >/dev/null || true
# SMTP through tinyproxy's CONNECT tunnel
sw --pipe "socat - PROXY:$PROXY:$MTA:2525,proxyport=$PROXY_PORT" \
    --from carol@example.org --to bob@example.test \
    --header 'Subject: through the tunnel'
# HTTP through the same proxy's tunnel
in_ns "$NS" curl -s -o /dev/null -p -x http://$PROXY:$PROXY_PORT \
    http://$WEB:8080/ || die "curl through the proxy failed"
# 10025 again: one message, one recipient
sw --server $MTA --port 10025 --from alice@example.org \
    --to carol@example.test --header 'Subject: on 10025 again'
sleep 1
td_stop "$OUT/$NAME.pcap.tmp"

bg_stop "$TP_PID" TERM
in_ns "$NS" postfix -c "$P/etc" stop >/dev/null 2>&1 ||
    die "postfix stop failed"
PF=""
grep -q 'CONNECT' "$WORK/tinyproxy.log" ||
    die "tinyproxy logged no CONNECT: $(tail -n 5 "$WORK/tinyproxy.log")"

# ---- the truth, from Postfix's log
python3 - "$P/maillog" >"$OUT/$NAME.queued.tmp" <<'EOF_PY'
import re, sys
client, frm, to, order = {}, {}, {}, []
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"postfix/p(\d+)/smtpd\[\d+\]: ([0-9A-F]+): "
                  r"client=[^\[]*\[([0-9.]+)\]:(\d+)", line)
    if m:
        client[m.group(2)] = (m.group(1), m.group(3), m.group(4))
        order.append(m.group(2))
        continue
    m = re.search(r"postfix/qmgr\[\d+\]: ([0-9A-F]+): from=<([^>]*)>", line)
    if m:
        frm[m.group(1)] = m.group(2)
        continue
    m = re.search(r"postfix/discard\[\d+\]: ([0-9A-F]+): to=<([^>]*)>.*"
                  r"status=sent", line)
    if m:
        to.setdefault(m.group(1), []).append(m.group(2))
for q in order:
    port, ip, cport = client[q]
    print(q, port, ip, cport, frm.get(q, "?"),
          ",".join(sorted(to.get(q, []))) or "?")
EOF_PY

T=$OUT/$NAME.queued.tmp
[ "$(wc -l <"$T")" = 4 ] || die "want 4 messages queued: $(cat "$T")"
grep -q ' ? \| ?$' "$T" && die "a message without sender or delivery: $(cat "$T")"
grep -Eq " 2525 127.0.0.1 [0-9]+ alice@example.org alice@example.test,bob@example.test$" "$T" ||
    die "the 2525 message is missing: $(cat "$T")"
grep -Eq " 10025 127.0.0.1 [0-9]+ bob@example.org alice@example.test,carol@example.test$" "$T" ||
    die "the pipelined 10025 message is missing: $(cat "$T")"
grep -Eq " 2525 $PROXY [0-9]+ carol@example.org bob@example.test$" "$T" ||
    die "the tunnelled message is missing: $(cat "$T")"
grep -Eq " 10025 127.0.0.1 [0-9]+ alice@example.org carol@example.test$" "$T" ||
    die "the second 10025 message is missing: $(cat "$T")"
grep -q 'reject: RCPT from .*<nobody@example.test>' "$P/maillog" ||
    die "nobody@example.test was not refused"
# The counts: Postfix's sessions and the tunnels to it; its messages
# and the tunnelled ones (one each: the proxy's leg's); recipients.
tunnels=$(grep -c "CONNECT $MTA:2525 " "$WORK/tinyproxy.log" || true)
[ "$tunnels" = 1 ] || die "tinyproxy logged $tunnels CONNECTs to $MTA:2525"
connects=$(grep -c 'smtpd\[[0-9]*\]: connect from' "$P/maillog" || true)
queued=$(wc -l <"$T")
rcpts=$(awk '{n += split($6, a, ",")} END {print n}' "$T")
trcpts=$(awk -v p=$PROXY '$3 == p {n += split($6, a, ",")} END {print n + 0}' "$T")
{
	echo "sessions $((connects + tunnels))"
	echo "transactions $((queued + tunnels))"
	echo "messages_accepted $((queued + tunnels))"
	echo "recipients_accepted $((rcpts + trcpts))"
} >"$OUT/$NAME.truth.tmp"
echo "--ports any" >"$OUT/$NAME.args"
size=$(stat -c %s "$OUT/$NAME.pcap.tmp")
[ "$size" -lt "$MAX_SIZE" ] || die "$NAME.pcap is $size bytes (max $MAX_SIZE)"
mv "$OUT/$NAME.pcap.tmp" "$OUT/$NAME.pcap"
mv "$OUT/$NAME.queued.tmp" "$OUT/$NAME.queued"
mv "$OUT/$NAME.truth.tmp" "$OUT/$NAME.truth"
rm -f "$OUT/$NAME.pcap.tmp.tcpdump-err"
echo "   $NAME.pcap: $size bytes; $NAME.queued:"
sed 's/^/     /' "$OUT/$NAME.queued"
echo "   $NAME.truth (with $NAME.args: $(cat "$OUT/$NAME.args")):"
sed 's/^/     /' "$OUT/$NAME.truth"
