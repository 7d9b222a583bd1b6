#!/bin/bash
# make-captures-pflogsumm.sh - record real Postfix traffic with rejects,
# deferrals, a bounce, AUTH and several domains, and keep Postfix's own
# log beside the capture, so that smtpscope's report can be compared with
# pflogsumm's (tests/t-pflogsumm.sh, docs/pflogsumm.md).
#
# usage: sudo captures/make-captures-pflogsumm.sh
#
# Writes captures/pflogsumm.pcap (every TCP segment on port 25 in the
# namespace: what the Postfix under study received and what its smtp
# client sent on) and captures/pflogsumm.maillog (that Postfix's own log,
# written by postlogd: maillog_file).
#
# Needs root, tcpdump, postfix (installed: nothing is installed or
# removed here), smtp-sink, swaks, python3, saslpasswd2 (sasl2-bin),
# iproute2. Everything runs in a network namespace made here, with a
# private Postfix configuration, queue and log under a temporary
# directory; all of it is stopped and removed at the end (also on
# failure). KEEP_WORK=1 keeps the temporary directory.
#
# The setup, all in one namespace on its lo (mtu 1500):
#   MX   Postfix, smtpd on 127.0.0.10:25, its smtp client bound to
#        127.0.0.11 (so that a capture filter on either address tells
#        what it received from what it sent on). mydestination
#        example.test (users root, alice, postmaster; local delivery is
#        the discard transport), relay for relay.test, origin.test,
#        lists.test, tempfail.test, slow.test, reject.test, down.test;
#        mynetworks 127.0.0.5 only; SMTP AUTH (Cyrus sasldb, PLAIN and
#        LOGIN, in clear); client 127.0.0.66 and HELO bad.helo.test
#        refused at RCPT.
#   127.0.0.20  smtp-sink that accepts (relay.test, origin.test,
#               lists.test)
#   127.0.0.21  smtp-sink that answers RCPT with 4xx (tempfail.test)
#   127.0.0.22  nothing listens (down.test): connection refused
#   127.0.0.23  smtp-sink that answers RCPT with 5xx (reject.test)
#   127.0.0.24  smtp-sink that answers the end of data with 4xx
#               (slow.test)
# The clients (swaks from several source addresses, Python's smtplib):
#   1  127.0.0.5  alice@origin.test -> bob@, carol@relay.test   delivered 2
#   2  127.0.0.5  bob@origin.test -> dave@relay.test,
#                 erin@tempfail.test               1 delivered, 1 deferred
#   3  127.0.0.6  AUTH PLAIN alice (235), alice@origin.test ->
#                 frank@down.test                  deferred (no wire)
#   4  127.0.0.6  AUTH PLAIN alice, wrong password: 535, swaks quits
#   5  127.0.0.7  carol@other.test -> root@example.test (local),
#                 nosuch@example.test              550 User unknown
#   6  127.0.0.7  carol@other.test -> x@elsewhere.test  554 Relay denied
#   7  127.0.0.66 mallory@other.test -> root@example.test  554 Client
#   8  127.0.0.8  HELO bad.helo.test -> root@example.test  554 Helo
#   9  127.0.0.5  dave@origin.test -> gina@reject.test  bounced (5xx);
#                 the DSN goes to dave@origin.test
#  10  127.0.0.5  alice@origin.test -> henry@slow.test (20 KB)  deferred
#                 at the end of data
#  11  127.0.0.9  Python smtplib, one session, 2 messages from
#                 news@lists.test: -> ivan@relay.test; -> judy@,
#                 kim@relay.test
# Then the queue is flushed once (postqueue -f): the 3 deferred
# recipients are tried a second time (6 deferrals of 3 messages).
# Checks: Postfix's log has what was planned (messages received,
# delivered, deferred, bounced, rejected, AUTH), tcpdump lost nothing.
#
# SPDX-License-Identifier: GPL-2.0-or-later
#
# shellcheck disable=SC2015
set -eu
export LC_ALL=C
# Postfix imports TZ (import_environment): its log's times are UTC, as
# smtpscope's per-hour table is by default (tests/t-pflogsumm.sh).
export TZ=UTC

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
AUTH_USER=alice
AUTH_PASS='S3cret-pw'
AUTH_BAD_PASS='Wr0ng-pw'

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss timeout awk sed postfix postconf postqueue \
    smtp-sink swaks python3 saslpasswd2; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done

WORK=$(mktemp -d /tmp/smtpscope-pflogsumm.XXXXXX)
chmod 755 "$WORK"
PIDS=""
NSES=""
PF_CONF=""

cleanup() {
	set +e
	[ -n "$PF_CONF" ] && postfix -c "$PF_CONF" stop >/dev/null 2>&1
	stop_all 0.5
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

ML=$WORK/mx/maillog
# wait_log REGEX COUNT: until COUNT lines of the log match (30 s)
wait_log() {
	local n=0
	for _ in $(seq 1 150); do
		n=$(grep -Ec -- "$1" "$ML" 2>/dev/null || true)
		[ "$n" -ge "$2" ] && return 0
		sleep 0.2
	done
	die "the log has $n lines matching '$1', want $2"
}
logc() {
	grep -Ec -- "$1" "$ML" || true
}

say "pflogsumm: clients -> Postfix -> next hops"
ns_new pflog
for a in 10 11 20 21 22 23 24 5 6 7 8 9 66; do
	in_ns "$NS" ip addr add "127.0.0.$a/8" dev lo 2>/dev/null || true
done

for spec in 20: 21:-rRCPT 23:-fRCPT 24:-r. ; do
	a=${spec%%:*}
	opt=${spec#*:}
	# shellcheck disable=SC2086
	start_bg "$NS" smtp-sink -u nobody $opt "127.0.0.$a:25" 50 \
	    </dev/null >"$WORK/sink-$a.log" 2>&1
	wait_listen "$NS" "127.0.0.$a:25"
done

P=$WORK/mx
mkdir -p "$P/etc/sasl"
printf '%s' "$AUTH_PASS" |
    saslpasswd2 -p -c -f "$P/sasldb2" -u example.test "$AUTH_USER" ||
    die "saslpasswd2 failed"
chown postfix:postfix "$P/sasldb2"
chmod 600 "$P/sasldb2"
cat >"$P/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $P/sasldb2
mech_list: PLAIN LOGIN
EOF
pf_base "$P"
echo '127.0.0.66 REJECT blocked by policy' >"$P/etc/clients"
echo 'bad.helo.test REJECT bad HELO' >"$P/etc/helos"
TRANSPORT='relay.test=smtp:[127.0.0.20]:25, origin.test=smtp:[127.0.0.20]:25'
TRANSPORT="$TRANSPORT, lists.test=smtp:[127.0.0.20]:25"
TRANSPORT="$TRANSPORT, tempfail.test=smtp:[127.0.0.21]:25"
TRANSPORT="$TRANSPORT, down.test=smtp:[127.0.0.22]:25"
TRANSPORT="$TRANSPORT, reject.test=smtp:[127.0.0.23]:25"
TRANSPORT="$TRANSPORT, slow.test=smtp:[127.0.0.24]:25"
postconf -c "$P/etc" -e \
    "inet_protocols = ipv4" \
    "myhostname = mx.example.test" \
    "mydomain = example.test" \
    "inet_interfaces = 127.0.0.10" \
    "smtp_bind_address = 127.0.0.11" \
    "mynetworks = 127.0.0.5/32" \
    "mydestination = example.test" \
    "local_recipient_maps = inline:{ root=x, alice=x, postmaster=x }" \
    "alias_maps = inline:{ postmaster=root }" \
    "alias_database =" \
    "local_transport = discard:" \
    "relay_domains = relay.test, origin.test, lists.test, tempfail.test, down.test, reject.test, slow.test" \
    "transport_maps = inline:{ $TRANSPORT }" \
    "smtpd_banner = \$myhostname ESMTP \$mail_name" \
    "compatibility_level = 3.6" \
    "smtpd_helo_required = yes" \
    "myorigin = example.test" \
    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
    "smtpd_client_restrictions = check_client_access texthash:$P/etc/clients" \
    "smtpd_helo_restrictions = check_helo_access texthash:$P/etc/helos" \
    "smtpd_sasl_auth_enable = yes" \
    "smtpd_sasl_type = cyrus" \
    "smtpd_sasl_path = smtpd" \
    "cyrus_sasl_config_path = $P/etc/sasl" \
    "smtpd_sasl_local_domain = example.test" \
    "smtpd_tls_security_level = none" \
    "smtp_tls_security_level = none" \
    "smtp_connection_cache_on_demand = no" \
    "queue_run_delay = 300s" \
    "minimal_backoff_time = 300s" \
    "maximal_backoff_time = 600s" \
    "smtpd_error_sleep_time = 0" \
    "smtp_skip_5xx_greeting = no" ||
    die "postconf failed"
postconf -c "$P/etc" -F '*/*/chroot = n' || die "postconf -F failed"
PF_CONF=$P/etc
in_ns "$NS" postfix -c "$P/etc" start >"$P/start.log" 2>&1 ||
    die "postfix start failed: $(cat "$P/start.log" "$ML" 2>/dev/null)"
wait_listen "$NS" 127.0.0.10:25

i=0
for n in $(seq 1 260); do
	printf 'Line %03d of a longer body that the next hop tempfails at the end of data.\n' "$n"
done >"$WORK/body20k.txt"

td_start "$NS" lo "$WORK/pflogsumm.pcap" 'tcp port 25'
T=$WORK/swaks.transcript
: >"$T"
sw() {
	local src=$1 rc=0
	shift
	i=$((i + 1))
	in_ns "$NS" timeout 60 swaks --server 127.0.0.10 --local-interface "$src" \
	    "$@" >>"$T" 2>&1 || rc=$?
	echo "   $i: swaks from $src $* -> exit $rc"
}
sw 127.0.0.5 --helo client5.origin.test --from alice@origin.test \
    --to bob@relay.test,carol@relay.test --header "Subject: two recipients"
sw 127.0.0.5 --helo client5.origin.test --from bob@origin.test \
    --to dave@relay.test,erin@tempfail.test --header "Subject: one deferred"
sw 127.0.0.6 --helo laptop.origin.test --from alice@origin.test \
    --auth PLAIN --auth-user "$AUTH_USER" --auth-password "$AUTH_PASS" \
    --to frank@down.test --header "Subject: next hop down"
sw 127.0.0.6 --helo laptop.origin.test --from alice@origin.test \
    --auth PLAIN --auth-user "$AUTH_USER" --auth-password "$AUTH_BAD_PASS" \
    --to frank@down.test
sw 127.0.0.7 --helo mail.other.test --from carol@other.test \
    --to root@example.test,nosuch@example.test --header "Subject: one unknown"
sw 127.0.0.7 --helo mail.other.test --from carol@other.test \
    --to x@elsewhere.test
sw 127.0.0.66 --helo spam.other.test --from mallory@other.test \
    --to root@example.test
sw 127.0.0.8 --helo bad.helo.test --from eve@other.test \
    --to root@example.test
sw 127.0.0.5 --helo client5.origin.test --from dave@origin.test \
    --to gina@reject.test --header "Subject: bounced by the next hop"
sw 127.0.0.5 --helo client5.origin.test --from alice@origin.test \
    --to henry@slow.test --header "Subject: tempfailed at end of data" \
    --body "@$WORK/body20k.txt"
i=$((i + 1))
in_ns "$NS" timeout 60 python3 - <<'EOF_PY' || die "smtplib client failed"
import smtplib
s = smtplib.SMTP("127.0.0.10", 25, local_hostname="news.lists.test",
                 source_address=("127.0.0.9", 0))
s.ehlo("news.lists.test")
m1 = ("From: news@lists.test\r\nTo: ivan@relay.test\r\n"
      "Subject: newsletter 1\r\n\r\n" + "news line\r\n" * 40)
m2 = ("From: news@lists.test\r\nTo: judy@relay.test, kim@relay.test\r\n"
      "Subject: newsletter 2\r\n\r\n" + "news line two\r\n" * 90)
s.sendmail("news@lists.test", ["ivan@relay.test"], m1)
s.sendmail("news@lists.test", ["judy@relay.test", "kim@relay.test"], m2)
s.quit()
EOF_PY
echo "   $i: python smtplib from 127.0.0.9: 2 messages"

# First attempts: 8 messages received, 7 delivered (one locally), 3
# deferred, 1 bounced, then the DSN delivered.
wait_log 'postfix[^ ]*/smtpd\[[0-9]+\]: disconnect from ' 11
wait_log 'status=deferred' 3
wait_log 'status=sent' 8
wait_log 'status=bounced' 1
say "flushing the queue: a second attempt for the deferred"
in_ns "$NS" postqueue -c "$P/etc" -f || die "postqueue -f failed"
wait_log 'status=deferred' 6
sleep 1
td_stop "$WORK/pflogsumm.pcap"
in_ns "$NS" postfix -c "$P/etc" stop >/dev/null 2>&1 || die "postfix stop failed"
PF_CONF=""
sleep 1

rcvd=$(logc 'postfix[^ ]*/smtpd\[[0-9]+\]: [0-9A-F]+: client=')
sent=$(logc 'status=sent')
dfr=$(logc 'status=deferred')
bnc=$(logc 'status=bounced')
rej=$(logc 'postfix[^ ]*/smtpd\[[0-9]+\]: [0-9A-Z]+: reject: ')
aok=$(logc 'sasl_method=PLAIN, sasl_username=')
abad=$(logc 'SASL PLAIN authentication failed')
echo "   Postfix log: received $rcvd, sent $sent, deferred $dfr," \
    "bounced $bnc, rejected $rej, AUTH ok $aok, failed $abad"
[ "$rcvd" = 8 ] && [ "$sent" = 8 ] && [ "$dfr" = 6 ] && [ "$bnc" = 1 ] &&
    [ "$rej" = 4 ] && [ "$aok" = 1 ] && [ "$abad" = 1 ] ||
    die "the log is not what was planned"
ns_del "$NS"

size=$(stat -c %s "$WORK/pflogsumm.pcap")
[ "$size" -lt 300000 ] || die "pflogsumm.pcap: $size bytes, too big"
cp "$WORK/pflogsumm.pcap" "$OUT/pflogsumm.pcap.tmp"
mv -f "$OUT/pflogsumm.pcap.tmp" "$OUT/pflogsumm.pcap"
cp "$ML" "$OUT/pflogsumm.maillog.tmp"
mv -f "$OUT/pflogsumm.maillog.tmp" "$OUT/pflogsumm.maillog"
chmod 644 "$OUT/pflogsumm.pcap" "$OUT/pflogsumm.maillog"
echo "   pflogsumm.pcap: $(tcpdump -nn -r "$OUT/pflogsumm.pcap" 2>/dev/null | wc -l)" \
    "packets, $size bytes; pflogsumm.maillog: $(wc -l <"$OUT/pflogsumm.maillog") lines"
say "done"
