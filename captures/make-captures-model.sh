#!/bin/bash
# make-captures-model.sh - record the captures that prove the model "the
# server's word decides" (a command's effect applies only when the
# server's reply grants it) and derive, from the software's own records,
# their ground truth (captures/NAME.truth) and what smtpscope must log
# (captures/NAME.expect). See captures/README.md, section "The model
# captures".
#
# usage: sudo captures/make-captures-model.sh [NAME...]
#
# NAME is one of postfix-refused, exim-refused, lmtp, scripted-rfc821,
# scripted-atrn, scripted-codes, scripted-dsnkeys (all of them when none
# is given).
#
#   postfix-refused  a private Postfix 3.7 driven by tools/smtpdialog.py
#                    (exact bytes, pipelining): nested MAIL, a bare EHLO
#                    inside a transaction, BDAT before MAIL, DATA before
#                    RCPT, VRFY/EXPN/ETRN/HELP/NOOP/RSET, a BDAT with bad
#                    syntax (Postfix hangs up). Truth: Postfix's own
#                    transcript (smtpd -v), checked against the client's
#                    record, Postfix's per-session command counters and
#                    its queue (sender and recipients of each message)
#   exim-refused     Exim 4.96 (unpacked with dpkg-deb -x, run with its own
#                    -C configuration): RCPT 550, DATA 503, a second MAIL
#                    503, then RCPT 250 and the message. Truth: Exim's own
#                    transcript (exim -d), checked against the client's
#                    record and Exim's mainlog
#   lmtp             Dovecot's LMTP server (unpacked; own configuration,
#                    users, maildirs, quota) fed by a private Postfix's lmtp
#                    client and by swaks --protocol LMTP: a recipient
#                    unknown at RCPT, one over quota at delivery; and LMTP
#                    on port 25. Truth: Dovecot's raw log of each session
#                    (lmtp_rawlog_dir), checked against Postfix's lmtp
#                    transcript (lmtp -v), the swaks transcripts, Dovecot's
#                    log and the maildirs
#   scripted-*       tools/scriptpeer.py plays both ends over real TCP:
#                    RFC 821 (SEND, SOML, SAML, TURN), RFC 2645 (ATRN on
#                    port 366), rare reply codes, and DSNs that only
#                    their ENVID or returned Message-ID link to what they
#                    report (dsnkeys: a relay naming no queue id, its
#                    DSNs to a third address). Truth: the peer's own
#                    record
#
# Needs root, tcpdump, iproute2, python3, postfix (postfix, postconf),
# swaks, apt-get and dpkg-deb. Exim and Dovecot are NOT installed: their
# Debian packages (exim4-daemon-light exim4-base exim4-config libidn12;
# dovecot-core dovecot-lmtpd) are fetched with "apt-get download" and
# unpacked with "dpkg-deb -x" into the temporary directory. Each such
# daemon runs in a mount namespace of its own (the one "ip netns exec"
# makes) where the unpacked /usr is laid over the real one (overlayfs)
# and a copy of /etc/passwd and /etc/group with the users the packages
# expect (Debian-exim, dovecot, dovenull, a mail user) is bind-mounted
# over the real ones; nothing outside that process tree sees either.
# /etc is not touched; the host's mail system is not touched (no package
# is installed or removed, no service is started); every daemon has a
# private configuration, spool and log in the temporary directory and
# runs in a network namespace made here; all traffic stays on that
# namespace's loopback (lo with mtu 1500, gso_max_size 1500).
#
# It stops with an error, leaving the captures in captures/ as they
# were, when a check fails; every process it started, every namespace
# and the temporary directory are removed on exit (KEEP_WORK=1 keeps the
# directory: records, server logs and transcripts).
#
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "[ check ] && [ check ] || die ...": die exits (if-not-then, on purpose)
# shellcheck disable=SC2015
set -eu
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
TOOLS=$HERE/tools
ALL="postfix-refused exim-refused lmtp scripted-rfc821 scripted-atrn scripted-codes scripted-dsnkeys scripted-authguess"
MAX_SIZE=300000	# every capture stays under this many bytes

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss timeout awk sed python3 apt-get dpkg-deb getent \
    mount postfix postconf swaks; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
for f in smtpdialog.py scriptpeer.py smtpmodel.py; do
	[ -f "$TOOLS/$f" ] || die "missing $TOOLS/$f"
done

WANT=" ${*:-$ALL} "
for w in $WANT; do
	case " $ALL " in
	*" $w "*) ;;
	*) die "unknown capture '$w' (want one of: $ALL)" ;;
	esac
done
wants() {
	case $WANT in *" $1 "*) return 0 ;; esac
	return 1
}
MODEL() { python3 "$TOOLS/smtpmodel.py" "$@"; }

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-model.XXXXXX)
chmod 755 "$WORK"	# postfix, exim and dovecot users must reach into it
PIDS=""		# background processes started here
NSES=""		# network namespaces created here
PF_CONFS=""	# "NS:DIR" of running private Postfix instances

cleanup() {
	set +e
	for c in $PF_CONFS; do
		ip netns exec "${c%%:*}" postfix -c "${c#*:}/etc" stop >/dev/null 2>&1
	done
	PF_CONFS=""
	stop_all 0.5	# captures/lib.sh
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers
# The shared helpers: namespaces, background processes, tcpdump.
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

# wait_grep FILE REGEX N: until FILE has N lines matching REGEX (30 s)
wait_grep() {
	local got=0
	for _ in $(seq 1 150); do
		got=$(grep -Ec -- "$2" "$1" 2>/dev/null || true)
		[ "$got" -ge "$3" ] && return 0
		sleep 0.2
	done
	die "$1: $got lines match '$2', want $3"
}

synacks() {
	tcpdump -nn -r "$1" 2>/dev/null | grep -c 'Flags \[S\.\]' || true
}
# MAIL-family commands (MAIL, SEND, SOML, SAML FROM:) in the packets
wire_mailfroms() {
	tcpdump -nn -A -r "$1" 2>/dev/null | grep -v '^[0-9][0-9:.]* IP' |
	    grep -oE '(MAIL|SEND|SOML|SAML) FROM:' | wc -l
}
# wire_count FILE REGEX: packet text lines (tcpdump -A) matching REGEX
wire_count() {
	tcpdump -nn -A -r "$1" 2>/dev/null | grep -v '^[0-9][0-9:.]* IP' |
	    grep -cE -- "$2" || true
}
truth_get() {
	sed -n "s/^$2 //p" "$1"
}

# finish NAME FILE KIND SOURCE META SENT-RECORD-KIND SENT-RECORD
# The model's truth and expect lines from the server's (or peer's) own
# record KIND SOURCE (META: addresses and ports of its sessions, - when
# the record holds them); checks
# the packets: link type, size, SYN-ACKs = sessions, the MAIL-family
# commands on the wire = those in the sender's record (which also holds
# commands the server never read); then installs NAME.pcap, NAME.truth,
# NAME.expect.
finish() {
	local name=$1 file=$2 kind=$3 src=$4 meta=$5 skind=$6 ssrc=$7
	local got size s sm
	mkdir -p "$WORK/out"
	if [ "$meta" = - ]; then
		set -- truth "$kind" "$src"
	else
		set -- truth "$kind" "$src" --meta "$meta"
	fi
	MODEL "$@" --name "$name" --out "$WORK/out" || die "$name: the model failed"
	got=$(linktype "$file")
	[ "$got" = EN10MB ] || die "$name: link type $got, want EN10MB"
	size=$(stat -c %s "$file")
	[ "$size" -lt "$MAX_SIZE" ] || die "$name: $size bytes, too big"
	s=$(truth_get "$WORK/out/$name.truth" sessions)
	got=$(synacks "$file")
	[ "$got" = "$s" ] ||
	    die "$name: $got SYN-ACKs in the capture, but $s sessions"
	read -r _ sm _ <<<"$(MODEL count "$skind" "$ssrc")"
	got=$(wire_mailfroms "$file")
	[ "$got" = "$sm" ] ||
	    die "$name: $got MAIL-family commands on the wire, $sm in the record"
	echo "   packets: $s SYN-ACKs = $s sessions; $got MAIL/SEND/SOML/SAML FROM" \
	    "on the wire = sent"
	cp "$file" "$OUT/$name.pcap.tmp"
	mv -f "$OUT/$name.pcap.tmp" "$OUT/$name.pcap"
	mv -f "$WORK/out/$name.truth" "$OUT/$name.truth"
	mv -f "$WORK/out/$name.expect" "$OUT/$name.expect"
	chmod 644 "$OUT/$name.pcap" "$OUT/$name.truth" "$OUT/$name.expect"
	echo "   $name.pcap: $(tcpdump -nn -r "$file" 2>/dev/null | wc -l)" \
	    "packets, $size bytes; $(grep -vc '^#' "$OUT/$name.expect") expect lines"
	echo "   $name.truth: $(tr '\n' ' ' <"$OUT/$name.truth")"
}

# meta FILE CLIENT SERVER PORT [CLIENT SERVER PORT]...: the addresses of
# each session of a server record that does not hold them (one triple
# per session; the last repeats)
meta() {
	local f=$1
	shift
	python3 - "$f" "$@" <<'EOF'
import json, sys
f, a = sys.argv[1], sys.argv[2:]
t = [a[i:i + 3] for i in range(0, len(a), 3)]
s = [{"client": c, "server": s, "server_port": int(p)} for c, s, p in t]
json.dump({"client": t[-1][0], "server": t[-1][1], "server_port": int(t[-1][2]),
           "sessions": s}, open(f, "w"))
EOF
}

# ----------------------------------------------------- private Postfix
# pf_new DIR HOSTNAME [POSTCONF-SETTING...]: a private Postfix instance
# (own main.cf/master.cf from /etc/postfix, queue, data directory and log
# file DIR/maillog; no chroot)
pf_new() {
	local p=$1 h=$2
	shift 2
	pf_base "$p"
	postconf -c "$p/etc" -e \
	    "inet_protocols = ipv4" \
	    "inet_interfaces = 127.0.0.1" \
	    "myhostname = $h" \
	    "mynetworks = 127.0.0.0/8" \
	    "alias_maps = inline:{ postmaster=root }" \
	    "alias_database =" \
	    "smtpd_banner = \$myhostname ESMTP \$mail_name" \
	    "compatibility_level = 3.6" \
	    "$@" || die "postconf failed"
	postconf -c "$p/etc" -F '*/*/chroot = n' || die "postconf -F failed"
}
pf_start() {
	PF_CONFS="$PF_CONFS $1:$2"
	in_ns "$1" postfix -c "$2/etc" start >"$2/start.log" 2>&1 ||
	    die "postfix start failed: $(cat "$2/start.log" "$2/maillog" 2>/dev/null)"
}
pf_stop() {
	in_ns "$1" postfix -c "$2/etc" stop >/dev/null 2>&1 ||
	    die "postfix stop ($2) failed"
	PF_CONFS=$(echo "$PF_CONFS" | tr ' ' '\n' | grep -vx "$1:$2" | tr '\n' ' ')
}

# ------------------------------------ unpacked packages (Exim, Dovecot)
ROOT=$WORK/root
UNPACKED=" "
# unpack PACKAGE...: apt-get download + dpkg-deb -x into $ROOT (nothing
# is installed)
unpack() {
	local p need="" deb
	for p in "$@"; do
		case $UNPACKED in *" $p "*) ;; *) need="$need $p" ;; esac
	done
	[ -n "$need" ] || return 0
	mkdir -p "$WORK/debs" "$ROOT"
	getent passwd _apt >/dev/null && chown _apt "$WORK/debs"
	# shellcheck disable=SC2086
	if ! (cd "$WORK/debs" && apt-get download -q $need) >>"$WORK/apt.log" 2>&1; then
		echo "   apt-get download failed; apt-get update, then again"
		apt-get update -q >>"$WORK/apt.log" 2>&1 || true
		# shellcheck disable=SC2086
		(cd "$WORK/debs" && apt-get download -q $need) >>"$WORK/apt.log" 2>&1 ||
		    die "apt-get download$need failed: $(tail -n 5 "$WORK/apt.log")"
	fi
	for p in $need; do
		deb=
		for f in "$WORK/debs/${p}_"*.deb; do
			[ -f "$f" ] && deb=$f
		done
		[ -n "$deb" ] || die "no .deb for $p"
		dpkg-deb -x "$deb" "$ROOT" || die "dpkg-deb -x $deb failed"
		echo "   unpacked $(basename "$deb") (not installed)"
		UNPACKED="$UNPACKED$p "
	done
}

# The users the unpacked packages expect, in a copy of passwd and group
# that only their mount namespaces see (uids checked to be free here).
EXIM_UID=64990 DOVECOT_UID=64991 DOVENULL_UID=64992 VMAIL_UID=64993
users_file() {
	local u
	[ -f "$ROOT/etc-passwd" ] && return 0
	for u in $EXIM_UID $DOVECOT_UID $DOVENULL_UID $VMAIL_UID; do
		getent passwd "$u" >/dev/null && die "uid $u is in use here"
		getent group "$u" >/dev/null && die "gid $u is in use here"
	done
	mkdir -p "$ROOT"
	{
		cat /etc/passwd
		echo "Debian-exim:x:$EXIM_UID:$EXIM_UID:Exim (captures):/nonexistent:/usr/sbin/nologin"
		echo "dovecot:x:$DOVECOT_UID:$DOVECOT_UID:Dovecot (captures):/nonexistent:/usr/sbin/nologin"
		echo "dovenull:x:$DOVENULL_UID:$DOVENULL_UID:Dovecot login (captures):/nonexistent:/usr/sbin/nologin"
		echo "vmail:x:$VMAIL_UID:$VMAIL_UID:mail (captures):/nonexistent:/usr/sbin/nologin"
	} >"$ROOT/etc-passwd"
	{
		cat /etc/group
		echo "Debian-exim:x:$EXIM_UID:"
		echo "dovecot:x:$DOVECOT_UID:"
		echo "dovenull:x:$DOVENULL_UID:"
		echo "vmail:x:$VMAIL_UID:"
	} >"$ROOT/etc-group"
	chmod 644 "$ROOT/etc-passwd" "$ROOT/etc-group"
}

# start_unpacked, run_unpacked: captures/lib.sh (with users_file above)

# ======================================================== postfix-refused
# A private Postfix 3.7 on 127.0.0.1 (VRFY enabled, ETRN allowed for
# relay.example only through fast_flush_domains, local mail to the
# discard transport, smtpd -v so that it logs every command and reply),
# the client tools/smtpdialog.py from 127.0.0.10, six sessions:
#   a  MAIL, RCPT, a nested MAIL (503), DATA, message: queued
#   b  MAIL, RCPT, a bare EHLO (501), DATA, message: queued
#   c  BDAT 5 + 5 bytes + MAIL + RCPT + DATA in one segment (all refused:
#      Postfix wants RSET after a BDAT), then RSET + MAIL + RCPT + DATA in
#      one segment, message: queued
#   d  MAIL, DATA before RCPT (554), RCPT, DATA, message: queued
#   e  VRFY (252, 550), EXPN, ETRN (250, 459), HELP, NOOP, RSET, QUIT
#   f  "BDAT 5 X" + MAIL + RCPT + DATA in one segment: 521, Postfix hangs
#      up; the other three are never answered
# Truth: Postfix's transcript (smtpd -v), which must agree with the
# client's record, with the "disconnect from" counters of each session
# and with the queue (qmgr's from= and nrcpt= for each queue id that a
# 250 reply gave).
if wants postfix-refused; then
	say "postfix-refused: tools/smtpdialog.py -> a private Postfix 3.7"
	ns_new pf
	P=$WORK/pf
	pf_new "$P" mx.example.test \
	    "mydestination = localhost, example.test" \
	    "local_transport = discard:" \
	    "disable_vrfy_command = no" \
	    "relay_domains = relay.example" \
	    "fast_flush_domains = \$relay_domains"
	postconf -c "$P/etc" -F 'smtp/inet/command = smtpd -v' ||
	    die "postconf -F smtpd -v failed"
	pf_start "$NS" "$P"
	wait_listen "$NS" 127.0.0.1:25
	echo "   $(postconf -c "$P/etc" -h mail_version | sed 's/^/Postfix /')," \
	    "private instance in $P"
	td_start "$NS" lo "$WORK/postfix-refused.pcap" 'tcp port 25'
	in_ns "$NS" timeout 120 python3 "$TOOLS/smtpdialog.py" postfix-refused \
	    --server 127.0.0.1 --source 127.0.0.10 \
	    --out "$WORK/postfix-refused.client.json" ||
	    die "postfix-refused: the client failed"
	wait_grep "$P/maillog" 'smtpd\[[0-9]+\]: disconnect from' 6
	wait_grep "$P/maillog" 'qmgr\[[0-9]+\]: [0-9A-F]+: from=' 4
	td_stop "$WORK/postfix-refused.pcap"
	pf_stop "$NS" "$P"
	ns_del "$NS"
	echo "   Postfix's transcript against the client's record:"
	MODEL same postfix-chat "$P/maillog" dialog "$WORK/postfix-refused.client.json" ||
	    die "postfix-refused: Postfix's transcript and the client's record differ"
	echo "   the same commands and replies"
	MODEL pfcheck "$P/maillog" || die "postfix-refused: Postfix's counters or queue disagree"
	meta "$WORK/postfix-refused.meta" 127.0.0.10 127.0.0.1 25
	finish postfix-refused "$WORK/postfix-refused.pcap" postfix-chat "$P/maillog" \
	    "$WORK/postfix-refused.meta" dialog "$WORK/postfix-refused.client.json"
fi

# =========================================================== exim-refused
# Exim 4.96 (exim4-daemon-light, unpacked) as "exim4 -C FILE -bdf -oX 25
# -d" on 127.0.0.1: its own spool and log, queue_only (it never
# delivers), root@, alice@ and postmaster@example.test exist, other local
# parts get "550 5.1.1 Unknown user". tools/smtpdialog.py from
# 127.0.0.10: EHLO, MAIL alice@ (250), RCPT nosuch@ (550), DATA (503),
# MAIL bob@ (503 sender already given), RCPT root@ (250), DATA, message
# (250 OK id=...), QUIT. Truth: Exim's transcript (the SMTP<< and SMTP>>
# lines of -d), which must agree with the client's record; cross-checked
# with the mainlog: one connection, the "<=" line of the queued message
# (sender alice@, recipient root@, the id of the 250 reply), the
# rejected RCPT and the protocol error of the second MAIL.
if wants exim-refused; then
	say "exim-refused: tools/smtpdialog.py -> Exim 4.96 (unpacked)"
	unpack exim4-daemon-light exim4-base exim4-config libidn12
	ns_new ex
	E=$WORK/exim
	mkdir -p "$E/spool" "$E/log"
	chown "$EXIM_UID:$EXIM_UID" "$E/spool" "$E/log"
	cat >"$E/exim.conf" <<EOF_EXIM
primary_hostname = mx.example.test
qualify_domain = example.test
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
keep_environment =
daemon_smtp_ports = 25
local_interfaces = 127.0.0.1
domainlist local_domains = example.test
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
queue_only = true
smtp_banner = mx.example.test ESMTP Exim \$version_number \$tod_full
log_selector = +smtp_connection +received_recipients +smtp_protocol_error +smtp_syntax_error +pipelining +smtp_confirmation
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  deny    domains = +local_domains
          !local_parts = root : alice : postmaster
          message = 550 5.1.1 Unknown user
  accept  domains = +local_domains
  deny    message = 550 5.7.1 Relay not permitted

begin routers
blackhole:
  driver = redirect
  data = :blackhole:

begin transports
EOF_EXIM
	chmod 644 "$E/exim.conf"
	echo "   $(run_unpacked "$NS" exim4 -C "$E/exim.conf" -bV 2>/dev/null | head -n 1)"
	start_unpacked "$NS" exim4 -C "$E/exim.conf" -bdf -oX 25 -d \
	    </dev/null >"$E/debug.out" 2>&1
	EXIM_PID=$BG_PID
	wait_listen "$NS" 127.0.0.1:25
	td_start "$NS" lo "$WORK/exim-refused.pcap" 'tcp port 25'
	in_ns "$NS" timeout 60 python3 "$TOOLS/smtpdialog.py" exim-refused \
	    --server 127.0.0.1 --source 127.0.0.10 \
	    --out "$WORK/exim-refused.client.json" ||
	    die "exim-refused: the client failed"
	wait_grep "$E/log/mainlog" 'SMTP connection from .* closed by QUIT' 1
	td_stop "$WORK/exim-refused.pcap"
	bg_stop "$EXIM_PID" TERM
	ns_del "$NS"
	echo "   Exim's transcript (exim -d) against the client's record:"
	MODEL same exim-debug "$E/debug.out" dialog "$WORK/exim-refused.client.json" ||
	    die "exim-refused: Exim's transcript and the client's record differ"
	echo "   the same commands and replies"
	ML=$E/log/mainlog
	id=$(grep -o '250 OK id=[^"]*' "$WORK/exim-refused.client.json" | sed 's/.*id=//')
	[ "$(grep -c 'SMTP connection from .*TCP/IP connection count' "$ML")" = 1 ] &&
	    [ "$(grep -c ' <= ' "$ML")" = 1 ] &&
	    grep -q " $id <= alice@example.test .* for root@example.test\$" "$ML" &&
	    grep -q 'rejected RCPT <nosuch@example.test>: 550 5.1.1 Unknown user' "$ML" &&
	    grep -q 'SMTP protocol error in "MAIL FROM:<bob@example.test>" .* sender already given' "$ML" ||
	    die "exim-refused: the mainlog disagrees: $(cat "$ML")"
	echo "   mainlog: 1 connection; $id <= alice@example.test (the first MAIL)" \
	    "for root@example.test; RCPT nosuch@ rejected; 'sender already given'"
	meta "$WORK/exim-refused.meta" 127.0.0.10 127.0.0.1 25
	finish exim-refused "$WORK/exim-refused.pcap" exim-debug "$E/debug.out" \
	    "$WORK/exim-refused.meta" dialog "$WORK/exim-refused.client.json"
fi

# =================================================================== lmtp
# Dovecot 2.3 LMTP (dovecot-core + dovecot-lmtpd, unpacked), "dovecot -F
# -c FILE": users u1, u2 and full (quota 1 KB; the others 100 MB) in a
# passwd-file, maildirs under the temporary directory, the quota plugin
# (a message over quota fails at delivery: lmtp_rcpt_check_quota = no),
# lmtp_rawlog_dir (a raw log of every session), listeners on
# 127.0.0.1:24 and on 127.0.0.3:25. Fed by:
#   1  Postfix's lmtp client (a private Postfix, bound to 127.0.0.11,
#      transport_maps example.test -> lmtp:inet:[127.0.0.1]:24, lmtp -v,
#      no connection cache; the messages are handed to it by swaks on
#      127.0.0.1:2525, which is not captured): u1, nosuch, u2
#   2  the same: u1, full (3 KB)
#   3  swaks --protocol LMTP from 127.0.0.10: u1, nosuch, u2
#   4  swaks --protocol LMTP: u2, full (3 KB)
#   5  swaks --protocol LMTP: full alone (3 KB): no delivery succeeds
#   6  swaks --protocol LMTP to 127.0.0.3:25: u1 (LMTP on port 25)
# Truth: Dovecot's raw logs, which must agree with Postfix's lmtp
# transcript (sessions 1-2) and the swaks transcripts (3-6); cross-checked
# with Dovecot's log ("saved mail to INBOX", "Quota exceeded", unknown
# users), Postfix's log (status=sent / bounced) and the maildirs.
if wants lmtp; then
	say "lmtp: Postfix's lmtp client and swaks -> Dovecot LMTP (unpacked)"
	unpack dovecot-core dovecot-lmtpd
	ns_new lm
	in_ns "$NS" ip addr add 127.0.0.3/8 dev lo
	D=$WORK/dovecot
	mkdir -p "$D/run" "$D/state" "$D/mail" "$D/rawlog"
	chown "$VMAIL_UID:$VMAIL_UID" "$D/mail"
	cat >"$D/users" <<'EOF_USERS'
u1:{PLAIN}u1-secret::::::
u2:{PLAIN}u2-secret::::::
full:{PLAIN}full-secret::::::userdb_quota_rule=*:storage=1K
EOF_USERS
	cat >"$D/dovecot.conf" <<EOF_DOVECOT
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
hostname = lmtp.example.test
protocols = lmtp
ssl = no
listen = 127.0.0.1
auth_verbose = yes
auth_username_format = %Ln
mail_location = maildir:$D/mail/%n/Maildir
mail_home = $D/mail/%n
mail_uid = $VMAIL_UID
mail_gid = $VMAIL_UID
first_valid_uid = 1000
mail_plugins = quota
lmtp_rawlog_dir = $D/rawlog
lmtp_rcpt_check_quota = no
passdb {
  driver = passwd-file
  args = $D/users
}
userdb {
  driver = passwd-file
  args = $D/users
}
plugin {
  quota = maildir:User quota
  quota_rule = *:storage=100M
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 24
  }
  inet_listener lmtp-on-25 {
    address = 127.0.0.3
    port = 25
  }
}
EOF_DOVECOT
	echo "   Dovecot $(run_unpacked "$NS" dovecot --version 2>/dev/null)"
	start_unpacked "$NS" dovecot -F -c "$D/dovecot.conf" </dev/null >"$D/out" 2>&1
	DOVECOT_PID=$BG_PID
	wait_listen "$NS" 127.0.0.1:24
	wait_listen "$NS" 127.0.0.3:25
	P=$WORK/pflmtp
	pf_new "$P" mx.example.test \
	    "mydestination = example.test" \
	    "local_recipient_maps =" \
	    "transport_maps = inline:{ example.test=lmtp:inet:[127.0.0.1]:24 }" \
	    "default_transport = discard:no mail leaves the namespace" \
	    "lmtp_bind_address = 127.0.0.11" \
	    "lmtp_connection_cache_on_demand = no"
	postconf -c "$P/etc" -M# smtp/inet || die "postconf -M# failed"
	postconf -c "$P/etc" -M '127.0.0.1:2525/inet=127.0.0.1:2525 inet n - n - - smtpd' ||
	    die "postconf -M failed"
	postconf -c "$P/etc" -F 'lmtp/unix/command = lmtp -v' ||
	    die "postconf -F lmtp -v failed"
	pf_start "$NS" "$P"
	wait_listen "$NS" 127.0.0.1:2525
	{
		printf 'Subject: over quota for some\n\n'
		for n in $(seq 1 40); do
			printf 'Line %02d of a message larger than the 1 KB quota of the user full.\n' "$n"
		done
	} >"$WORK/big.txt"
	SW=(--from alice@origin.test --helo client.example.test --local-interface 127.0.0.10)
	td_start "$NS" lo "$WORK/lmtp.pcap" 'tcp port 24 or tcp port 25'
	in_ns "$NS" timeout 60 swaks --server 127.0.0.1 --port 2525 "${SW[@]}" \
	    --to u1@example.test,nosuch@example.test,u2@example.test \
	    --header 'Subject: to three, one unknown' >"$WORK/inject.log" 2>&1 ||
	    die "lmtp: swaks could not hand message 1 to Postfix"
	wait_grep "$P/maillog" 'lmtp\[[0-9]+\]: [0-9A-F]+: to=<.*status=' 3
	in_ns "$NS" timeout 60 swaks --server 127.0.0.1 --port 2525 "${SW[@]}" \
	    --to u1@example.test,full@example.test --data "$WORK/big.txt" \
	    >>"$WORK/inject.log" 2>&1 ||
	    die "lmtp: swaks could not hand message 2 to Postfix"
	wait_grep "$P/maillog" 'lmtp\[[0-9]+\]: [0-9A-F]+: to=<.*status=' 5
	wait_grep "$P/maillog" 'lmtp\[[0-9]+\]: < .*: 221 ' 2
	T=$WORK/lmtp.swaks
	: >"$T"
	for run in 1 2 3 4; do
		case $run in
		1) set -- --server 127.0.0.1 --port 24 \
		    --to u1@example.test,nosuch@example.test,u2@example.test \
		    --header 'Subject: swaks LMTP to three, one unknown' ;;
		2) set -- --server 127.0.0.1 --port 24 \
		    --to u2@example.test,full@example.test --data "$WORK/big.txt" ;;
		3) set -- --server 127.0.0.1 --port 24 \
		    --to full@example.test --data "$WORK/big.txt" ;;
		4) set -- --server 127.0.0.3 --port 25 --to u1@example.test \
		    --header 'Subject: LMTP on port 25' ;;
		esac
		rc=0
		in_ns "$NS" timeout 60 swaks --protocol LMTP "${SW[@]}" "$@" >>"$T" 2>&1 || rc=$?
		echo "   swaks --protocol LMTP $* -> exit $rc"
		sleep 0.3
	done
	wait_grep "$D/dovecot.log" 'lmtp\([0-9]+\): Info: Disconnect from' 6
	td_stop "$WORK/lmtp.pcap"
	pf_stop "$NS" "$P"
	bg_stop "$DOVECOT_PID" TERM
	ns_del "$NS"
	echo "   Dovecot's raw logs against Postfix's lmtp transcript (sessions 1-2):"
	MODEL same dovecot-rawlog "$D/rawlog" postfix-lmtp "$P/maillog" --from1 1 --count1 2 ||
	    die "lmtp: Dovecot's raw logs and Postfix's transcript differ"
	echo "   the same; against the swaks transcripts (sessions 3-6):"
	MODEL same dovecot-rawlog "$D/rawlog" swaks "$T" --from1 3 ||
	    die "lmtp: Dovecot's raw logs and the swaks transcripts differ"
	echo "   the same"
	meta "$WORK/lmtp.meta" 127.0.0.11 127.0.0.1 24 127.0.0.11 127.0.0.1 24 \
	    127.0.0.10 127.0.0.1 24 127.0.0.10 127.0.0.1 24 127.0.0.10 127.0.0.1 24 \
	    127.0.0.10 127.0.0.3 25
	MODEL lmtpcheck "$D/rawlog" "$WORK/lmtp.meta" "$D/dovecot.log" "$D/mail" \
	    "$P/maillog" 2 || die "lmtp: Dovecot's log, the maildirs or Postfix's log disagree"
	finish lmtp "$WORK/lmtp.pcap" dovecot-rawlog "$D/rawlog" \
	    "$WORK/lmtp.meta" dovecot-rawlog "$D/rawlog"
fi

# ============================================================= scripted-*
# tools/scriptpeer.py plays both ends (TCP client 127.0.0.21, TCP server
# 127.0.0.22) of dialogues written from the RFCs; its record is the
# truth. See the dialogues in tools/scriptpeer.py and captures/README.md.
scripted() {
	local name=$1 scen=$2 port=$3 s sw
	say "$name: tools/scriptpeer.py $scen (both ends), port $port"
	ns_new sc
	td_start "$NS" lo "$WORK/$name.pcap" "tcp port $port"
	in_ns "$NS" timeout 120 python3 "$TOOLS/scriptpeer.py" "$scen" \
	    --client 127.0.0.21 --server 127.0.0.22 --port "$port" \
	    --out "$WORK/$name.peer.json" || die "$name: the peer failed"
	td_stop "$WORK/$name.pcap"
	ns_del "$NS"
	# the peer checked that every write arrived whole; check the turns
	# on the wire: each 220 greeting a TCP client sent after TURN/ATRN
	s=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(sum(1 for s in d["sessions"] for e in s["events"]
          if e["t"] == "greeting" and e["by"] == "client"))' "$WORK/$name.peer.json")
	# (segments from the TCP client whose payload starts with "220 ")
	sw=$(tcpdump -nn -r "$WORK/$name.pcap" \
	    'src host 127.0.0.21 and tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x32323020' \
	    2>/dev/null | wc -l)
	[ "$s" = "$sw" ] ||
	    die "$name: $sw greetings from the TCP client on the wire, $s in the record"
	echo "   greetings sent by the TCP client (roles reversed): $s, on the wire too"
	finish "$name" "$WORK/$name.pcap" dialog "$WORK/$name.peer.json" - \
	    dialog "$WORK/$name.peer.json"
}
if wants scripted-rfc821; then
	scripted scripted-rfc821 rfc821 25
fi
if wants scripted-atrn; then
	scripted scripted-atrn atrn 366
fi
if wants scripted-codes; then
	scripted scripted-codes codes 25
fi
if wants scripted-dsnkeys; then
	scripted scripted-dsnkeys dsnkeys 25
fi
if wants scripted-authguess; then
	scripted scripted-authguess authguess 587
fi

say "done:$WANT"
