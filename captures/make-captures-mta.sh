#!/bin/bash
# make-captures-mta.sh - record the captures of real mail servers (Postfix
# with STARTTLS, SMTP AUTH and port 465; Postfix relaying a bounce; Postfix
# dropping and deferring; Exim; Exim relaying with BDAT; OpenSMTPD) and
# derive their ground truth (captures/NAME.truth) from the software that
# made the traffic. See captures/README.md. make-captures.sh runs this
# script for these names; it can also be run by itself.
#
# usage: sudo captures/make-captures-mta.sh [NAME...]
#
# With no NAME every capture below is remade; NAME is one of
# postfix-tls-auth, bounce-dsn, drops, exim, bdat, opensmtpd.
#
# Needs root, Debian's apt-get, tcpdump, postfix, swaks, sasl2-bin
# (saslpasswd2), openssl, pv, socat, iproute2. exim and bdat need the
# exim4-daemon-light package, opensmtpd the opensmtpd package: Debian's
# mail servers conflict with one another, so the script installs them in
# turn (installing one removes the other) and at the end installs postfix
# again (debconf answer kept), purges the packages it brought in, and puts
# /etc/postfix, /etc/aliases and /etc/mailname back as they were (also on
# failure). Services are not started by the packages (a policy-rc.d that
# refuses is put in place if there is none). Every server used runs with a
# private configuration, spool and log under a temporary directory, inside
# a network namespace made here; all traffic stays on loopback there.
#
# It stops with an error (and leaves the captures already in captures/ as
# they were) when a check fails. KEEP_WORK=1 keeps the temporary directory
# (transcripts, server logs) for inspection.
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
ALL="postfix-tls-auth bounce-dsn drops exim bdat opensmtpd"
MAX_SIZE=300000	# every capture stays under this many bytes

# SMTP AUTH credentials in postfix-tls-auth (the tests check that the
# password never appears in smtpscope's output, in clear or base64).
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
for tool in tcpdump ip ss timeout awk sed apt-get dpkg-query debconf-set-selections \
    openssl; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
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

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-mta.XXXXXX)
chmod 755 "$WORK"	# the postfix, exim and nobody users must reach into it
PIDS=""		# background processes started here
NSES=""		# network namespaces created here
PF_CONFS=""	# config dirs of running private Postfix instances
SWITCHED=""	# set once the script removed postfix to install another MTA
POLICY_MADE=""	# set if this script created /usr/sbin/policy-rc.d
EXIM_TRUST_MADE=""	# set if this script wrote /etc/exim4/trusted_configs

cleanup() {
	set +e
	for c in $PF_CONFS; do
		postfix -c "$c" stop >/dev/null 2>&1
	done
	PF_CONFS=""
	stop_all 0.5	# captures/lib.sh
	[ -n "$EXIM_TRUST_MADE" ] && restore_trusted
	[ -n "$SWITCHED" ] && restore_packages
	[ -n "$POLICY_MADE" ] && rm -f /usr/sbin/policy-rc.d
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers
# (synacks .. finish as in make-captures.sh)

# The shared helpers: namespaces, background processes, tcpdump.
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

synacks() {
	tcpdump -nn -r "$1" 2>/dev/null | grep -c 'Flags \[S\.\]' || true
}
# MAIL FROM commands in clear text on the wire (not those inside TLS)
mailfroms() {
	tcpdump -tt -nn -A -r "$1" 2>/dev/null |
	    grep -v '^[0-9][0-9]*\.[0-9]* ' | grep -o 'MAIL FROM:' | wc -l
}
# wire_count FILE REGEX: how many lines of packet text (tcpdump -A) match
wire_count() {
	tcpdump -tt -nn -A -r "$1" 2>/dev/null |
	    grep -v '^[0-9][0-9]*\.[0-9]* ' | grep -c -- "$2" || true
}

# finish NAME FILE SESSIONS TRANSACTIONS MESSAGES RECIPIENTS
finish() {
	local name=$1 file=$2 s=$3 t=$4 m=$5 r=$6 got size
	got=$(linktype "$file")
	[ "$got" = EN10MB ] || die "$name: link type $got, want EN10MB"
	size=$(stat -c %s "$file")
	[ "$size" -lt "$MAX_SIZE" ] || die "$name: $size bytes, too big"
	got=$(synacks "$file")
	[ "$got" = "$s" ] ||
	    die "$name: $got SYN-ACKs in the capture, but $s sessions"
	got=$(mailfroms "$file")
	[ "$got" = "$t" ] ||
	    die "$name: $got MAIL FROM in clear in the capture, but $t transactions"
	printf 'sessions %s\ntransactions %s\nmessages_accepted %s\nrecipients_accepted %s\n' \
	    "$s" "$t" "$m" "$r" >"$WORK/$name.truth"
	cp "$file" "$OUT/$name.pcap.tmp"
	mv -f "$OUT/$name.pcap.tmp" "$OUT/$name.pcap"
	mv -f "$WORK/$name.truth" "$OUT/$name.truth"
	chmod 644 "$OUT/$name.pcap" "$OUT/$name.truth"
	echo "   $name.pcap: $(tcpdump -nn -r "$file" 2>/dev/null | wc -l)" \
	    "packets, $size bytes; truth: sessions $s transactions $t" \
	    "messages_accepted $m recipients_accepted $r"
}

# Transcript parser (as in make-captures.sh, plus TLS): a per-tool front
# end turns a transcript into lines of
#   B          a new connection
#   T TEXT     a line the client sent in clear (t: inside TLS)
#   R TEXT     a reply line the client received in clear (r: inside TLS)
# Replies are matched to commands in order (pipelining). A final reply
# with no command pending is the greeting. Lines sent after a 354 reply to
# DATA are message text up to the lone ".", the end-of-data "command".
# Each transaction counts as clear or TLS by how its MAIL was sent; its
# RCPTs and end of data likewise. Prints: sessions greetings
# clear:transactions messages recipients tls:transactions messages
# recipients auth-ok(235) auth-failed(535) unmatched-replies
# shellcheck disable=SC2016
PARSE_AWK='
function verb(s,   v) {
	v = toupper(s)
	sub(/[ :].*/, "", v)
	return v
}
$1 == "B" { qh = qt = 0; indata = 0; sess++; next }
$1 == "T" || $1 == "t" {
	enc = ($1 == "t")
	text = substr($0, 3)
	if (indata) {
		if (text == ".") { indata = 0; q[qt] = "."; e[qt++] = enc }
		next
	}
	v = verb(text)
	if (v == "MAIL") { if (enc) tmail++; else cmail++ }
	q[qt] = v; e[qt++] = enc
	next
}
$1 == "R" || $1 == "r" {
	text = substr($0, 3)
	code = substr(text, 1, 3)
	if (substr(text, 4, 1) == "-") next
	if (qh == qt) {
		if (code == "220") greet++; else unmatched++
		next
	}
	c = q[qh]; enc = e[qh++]
	if (c == "RCPT" && code ~ /^2/) { if (enc) trok++; else crok++ }
	if (c == "." && code ~ /^2/) { if (enc) tmok++; else cmok++ }
	if (c == "DATA" && code == "354") indata = 1
	if (code == "235") aok++
	if (code == "535") abad++
	next
}
END {
	printf "%d %d %d %d %d %d %d %d %d %d %d\n", sess, greet, cmail, cmok, crok,
	    tmail, tmok, trok, aok, abad, unmatched
}
'
# swaks marks: " -> " sent, " ~> " sent in TLS, "<-  " / "<** " received,
# "<~  " / "<~* " received in TLS
parse_swaks() {
	sed -n -e 's/^=== Connected to .*/B/p' \
	    -e 's/^ -> /T /p' -e 's/^ ->$/T /p' \
	    -e 's/^ ~> /t /p' -e 's/^ ~>$/t /p' \
	    -e 's/^<-  /R /p' -e 's/^<\*\* /R /p' \
	    -e 's/^<~  /r /p' -e 's/^<~\* /r /p' "$1" | awk "$PARSE_AWK"
}

# swaks_run TRANSCRIPT NS SWAKS-ARGS...: one swaks run, transcript appended
swaks_run() {
	local t=$1 x=$2 rc=0
	shift 2
	in_ns "$x" timeout 60 swaks "$@" >>"$t" 2>&1 || rc=$?
	echo "   swaks $* -> exit $rc"
}

# ----------------------------------------------------- private Postfix
# pf_new DIR HOSTNAME [POSTCONF-SETTING...]: a private Postfix instance
# (own main.cf/master.cf from /etc/postfix, queue, data directory and log
# file DIR/maillog; no chroot; local mail to the discard transport)
pf_new() {
	local p=$1 h=$2
	shift 2
	pf_base "$p"
	postconf -c "$p/etc" -e \
	    "inet_protocols = ipv4" \
	    "myhostname = $h" \
	    "mynetworks = 127.0.0.0/8" \
	    "alias_maps = inline:{ postmaster=root }" \
	    "alias_database =" \
	    "local_transport = discard:" \
	    "smtpd_banner = \$myhostname ESMTP \$mail_name" \
	    "compatibility_level = 3.6" \
	    "$@" || die "postconf failed"
	postconf -c "$p/etc" -F '*/*/chroot = n' || die "postconf -F failed"
}
pf_start() {
	PF_CONFS="$PF_CONFS $2/etc"
	in_ns "$1" postfix -c "$2/etc" start >"$2/start.log" 2>&1 ||
	    die "postfix start failed: $(cat "$2/start.log" "$2/maillog" 2>/dev/null)"
}
pf_stop() {
	in_ns "$1" postfix -c "$2/etc" stop >/dev/null 2>&1 ||
	    die "postfix stop ($2) failed"
	PF_CONFS=$(echo "$PF_CONFS" | tr ' ' '\n' | grep -vx "$2/etc" | tr '\n' ' ')
}
# pf_logcount LOG: smtpd sessions and totals from a Postfix log, once
# SESSIONS disconnects and QUEUED "queue active" lines are there (waits
# up to 20 s): prints "connects disconnects mail-total rcpt-ok queued
# auth-ok auth-failed"
pf_logcount() {
	local l=$1 want_s=$2 want_q=$3 ends=0 act=0 conn mail rcpt aok abad
	for _ in $(seq 1 100); do
		ends=$(grep -Ec 'postfix[^ ]*/smtpd\[[0-9]+\]: disconnect from ' "$l" || true)
		act=$(grep -Ec 'postfix[^ ]*/qmgr\[[0-9]+\]: [0-9A-F]+: from=.*\(queue active\)' "$l" || true)
		[ "$ends" -ge "$want_s" ] && [ "$act" -ge "$want_q" ] && break
		sleep 0.2
	done
	conn=$(grep -Ec 'postfix[^ ]*/smtpd\[[0-9]+\]: connect from ' "$l" || true)
	# mail=OK or mail=OK/TOTAL, rcpt and auth likewise
	read -r mail rcpt aok abad <<<"$(grep -E 'postfix[^ ]*/smtpd\[[0-9]+\]: disconnect from ' "$l" |
	    awk '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			n = split(kv[2], f, "/")
			if (kv[1] == "mail") mail += (n == 2 ? f[2] : f[1])
			else if (kv[1] == "rcpt") rcpt += f[1]
			else if (kv[1] == "auth") {
				aok += f[1]
				abad += (n == 2 ? f[2] - f[1] : 0)
			}
		}
	    } END { printf "%d %d %d %d\n", mail, rcpt, aok, abad }')"
	echo "$conn $ends $mail $rcpt $act $aok $abad"
}

# ------------------------------------------ packages: switching the MTA
PKG_BEFORE=$WORK/packages.before
dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 2>/dev/null |
    awk '$2 ~ /^[ihr]/ {print $1}' | sort >"$PKG_BEFORE"
MAILER_TYPE=$(echo get postfix/main_mailer_type |
    debconf-communicate postfix 2>/dev/null | sed -n 's/^0 //p')
[ -n "$MAILER_TYPE" ] || MAILER_TYPE="Local only"

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o Dpkg::Options::=--force-confold "$@" >>"$WORK/apt.log" 2>&1 ||
	    die "apt-get install $* failed: $(tail -n 20 "$WORK/apt.log")"
}

# switch_mta PACKAGE...: install another MTA (removes postfix). Services
# must not start: a refusing policy-rc.d is put in place if there is none.
switch_mta() {
	if [ -z "$SWITCHED" ]; then
		tar -C /etc -cf "$WORK/etc-postfix.tar" postfix ||
		    die "cannot save /etc/postfix"
		for f in aliases mailname; do
			if [ -e "/etc/$f" ]; then
				cp -p "/etc/$f" "$WORK/etc-$f"
			fi
		done
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			POLICY_MADE=1
		fi
	fi
	SWITCHED=1
	say "installing $* (this removes postfix for a while)"
	apt_install "$@"
}

# restore_packages: postfix again, the packages brought in purged,
# /etc/postfix, /etc/aliases, /etc/mailname as they were
restore_packages() {
	local new
	say "installing postfix again, purging what was installed for the captures"
	echo "postfix postfix/main_mailer_type select $MAILER_TYPE" |
	    debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    -o Dpkg::Options::=--force-confold postfix >>"$WORK/apt.log" 2>&1 ||
	    echo "$PROG: warning: apt-get install postfix failed (see apt.log)" >&2
	new=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' 2>/dev/null |
	    awk '$2 ~ /^[ihr]/ {print $1}' | sort | comm -13 "$PKG_BEFORE" -)
	if [ -n "$new" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $new \
		    >>"$WORK/apt.log" 2>&1 ||
		    echo "$PROG: warning: apt-get purge $new failed" >&2
	fi
	if [ -s "$WORK/etc-postfix.tar" ]; then
		rm -rf /etc/postfix
		tar -C /etc -xpf "$WORK/etc-postfix.tar"
	fi
	for f in aliases mailname; do
		if [ -e "$WORK/etc-$f" ]; then
			cp -p "$WORK/etc-$f" "/etc/$f"
		else
			rm -f "/etc/$f"
		fi
	done
	command -v newaliases >/dev/null 2>&1 && newaliases 2>/dev/null
	SWITCHED=""
	dpkg-query -W -f='${db:Status-Abbrev}' postfix 2>/dev/null | grep -q '^ii' ||
	    echo "$PROG: warning: postfix is not installed again" >&2
}

# restore_trusted: /etc/exim4/trusted_configs as it was (or gone)
restore_trusted() {
	if [ -e "$WORK/trusted_configs.orig" ]; then
		cp -p "$WORK/trusted_configs.orig" /etc/exim4/trusted_configs
	else
		rm -f /etc/exim4/trusted_configs
	fi
	EXIM_TRUST_MADE=""
}

need_postfix() {
	dpkg-query -W -f='${db:Status-Abbrev}' postfix 2>/dev/null | grep -q '^ii' ||
	    die "postfix is not installed (apt-get install postfix)"
	for tool in postfix postconf swaks; do
		command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
	done
}

# ====================================================== postfix-tls-auth
# A private Postfix 3.7 on 127.0.0.1 in a namespace, with STARTTLS
# (self-signed certificate made here, smtpd_tls_security_level = may),
# SMTP AUTH through Cyrus SASL with a sasldb file (no daemon: mechanisms
# PLAIN and LOGIN, smtpd_tls_auth_only = no, so AUTH works in clear), and
# port 465 (implicit TLS: an smtpd with smtpd_tls_wrappermode = yes in
# master.cf). swaks runs:
#   1  --tls --tls-sni mail.example.test      STARTTLS (TLS 1.3), then a
#                                             message: all encrypted
#   2  --auth PLAIN alice/S3cret-pw           AUTH in clear (235), message
#   3  --auth LOGIN alice/S3cret-pw           AUTH LOGIN in clear, message
#   4  --auth PLAIN alice/Wr0ng-pw            535 5.7.8, swaks quits
#   5  465 --tlsc --auth PLAIN alice/S3cret-pw  implicit TLS, AUTH and a
#                                             message inside it
#   6  --tls --auth LOGIN, 2 recipients       STARTTLS then AUTH and a
#                                             message inside TLS
# Truth: from the swaks transcripts (lines swaks sent in clear, " -> ",
# and inside TLS, " ~> "; replies "<- ", "<** ", "<~ ", "<~* "). A
# passive analyzer sees only what went in clear, so transactions,
# messages_accepted and recipients_accepted count the transactions whose
# MAIL was sent in clear; those inside TLS are printed (and listed in the
# README) but not in the truth file. sessions = every TCP session (TLS
# or not). Cross-checked with Postfix's own log: connect/disconnect lines
# = sessions, the disconnect lines' mail= totals = clear + TLS
# transactions, rcpt= successes = clear + TLS accepted recipients, queued
# messages = clear + TLS accepted messages, sasl_username= lines = 235
# replies (the disconnect lines' auth= counts), failed ones = 535
# replies, and 3 "TLS connection established" lines (runs 1, 5, 6).
if wants postfix-tls-auth; then
	need_postfix
	command -v saslpasswd2 >/dev/null 2>&1 ||
	    die "missing saslpasswd2 (apt-get install sasl2-bin)"
	say "postfix-tls-auth: swaks -> Postfix with STARTTLS, AUTH, port 465"
	ns_new tls
	P=$WORK/pf-tls
	mkdir -p "$P/etc/sasl"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
	    -subj /CN=mail.example.test \
	    -addext subjectAltName=DNS:mail.example.test \
	    -keyout "$P/key.pem" -out "$P/cert.pem" >/dev/null 2>&1 ||
	    die "openssl req failed"
	chmod 600 "$P/key.pem"
	printf '%s' "$AUTH_PASS" |
	    saslpasswd2 -p -c -f "$P/sasldb2" -u example.test "$AUTH_USER" ||
	    die "saslpasswd2 failed"
	chown postfix:postfix "$P/sasldb2"
	chmod 600 "$P/sasldb2"
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf (whatever
	# cyrus_sasl_config_path says)
	cat >"$P/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $P/sasldb2
mech_list: PLAIN LOGIN
EOF
	pf_new "$P" mail.example.test \
	    "inet_interfaces = 127.0.0.1" \
	    "mydestination = localhost, example.test" \
	    "smtpd_tls_cert_file = $P/cert.pem" \
	    "smtpd_tls_key_file = $P/key.pem" \
	    "smtpd_tls_security_level = may" \
	    "smtpd_tls_loglevel = 1" \
	    "smtpd_sasl_auth_enable = yes" \
	    "smtpd_sasl_type = cyrus" \
	    "smtpd_sasl_path = smtpd" \
	    "cyrus_sasl_config_path = $P/etc/sasl" \
	    "smtpd_sasl_local_domain = example.test" \
	    "smtpd_tls_auth_only = no"
	printf '465 inet n - n - - smtpd\n  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n' \
	    >>"$P/etc/master.cf"
	pf_start "$NS" "$P"
	wait_listen "$NS" 127.0.0.1:25
	wait_listen "$NS" 127.0.0.1:465
	td_start "$NS" lo "$WORK/postfix-tls-auth.pcap" 'tcp port 25 or tcp port 465'
	T=$WORK/tls.transcript
	: >"$T"
	SW=(--server 127.0.0.1 --helo client.example.test --from alice@example.test)
	swaks_run "$T" "$NS" "${SW[@]}" --tls --tls-sni mail.example.test \
	    --to root@example.test --header "Subject: over STARTTLS"
	swaks_run "$T" "$NS" "${SW[@]}" --auth PLAIN --auth-user "$AUTH_USER" \
	    --auth-password "$AUTH_PASS" --to root@example.test \
	    --header "Subject: AUTH PLAIN in clear"
	swaks_run "$T" "$NS" "${SW[@]}" --auth LOGIN --auth-user "$AUTH_USER" \
	    --auth-password "$AUTH_PASS" --to postmaster@localhost \
	    --header "Subject: AUTH LOGIN in clear"
	swaks_run "$T" "$NS" "${SW[@]}" --auth PLAIN --auth-user "$AUTH_USER" \
	    --auth-password "$AUTH_BAD_PASS" --to root@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --port 465 --tlsc \
	    --tls-sni mail.example.test --auth PLAIN --auth-user "$AUTH_USER" \
	    --auth-password "$AUTH_PASS" --to root@example.test \
	    --header "Subject: port 465"
	swaks_run "$T" "$NS" "${SW[@]}" --tls --auth LOGIN \
	    --auth-user "$AUTH_USER" --auth-password "$AUTH_PASS" \
	    --to root@example.test,postmaster@localhost \
	    --header "Subject: AUTH inside STARTTLS"
	td_stop "$WORK/postfix-tls-auth.pcap"
	read -r s g cm cmok crok tm tmok trok aok abad u <<<"$(parse_swaks "$T")"
	echo "   swaks transcripts: sessions $s (greetings $g); in clear:" \
	    "transactions $cm messages $cmok recipients $crok; inside TLS:" \
	    "transactions $tm messages $tmok recipients $trok;" \
	    "AUTH 235 x$aok, 535 x$abad"
	[ "$u" = 0 ] || die "postfix-tls-auth: $u unmatched replies"
	[ "$g" = "$s" ] || die "postfix-tls-auth: $g greetings, $s connections"
	read -r lc le lm lr lq la lb <<<"$(pf_logcount "$P/maillog" "$s" $((cmok + tmok)))"
	echo "   Postfix log: $lc connects, $le disconnects, mail= total $lm," \
	    "rcpt= accepted $lr, $lq queued, $la AUTH ok, $lb AUTH failed"
	[ "$lc" = "$s" ] && [ "$le" = "$s" ] ||
	    die "postfix-tls-auth: Postfix logged $lc/$le sessions, swaks $s"
	[ "$lm" = $((cm + tm)) ] || die "postfix-tls-auth: log mail=$lm"
	[ "$lr" = $((crok + trok)) ] || die "postfix-tls-auth: log rcpt=$lr"
	[ "$lq" = $((cmok + tmok)) ] || die "postfix-tls-auth: log queued $lq"
	[ "$la" = "$aok" ] && [ "$lb" = "$abad" ] ||
	    die "postfix-tls-auth: log AUTH $la/$lb, swaks $aok/$abad"
	n=$(grep -c 'TLS connection established' "$P/maillog" || true)
	[ "$n" = 3 ] || die "postfix-tls-auth: $n TLS sessions in the log, want 3"
	n=$(wire_count "$WORK/postfix-tls-auth.pcap" 'STARTTLS')
	echo "   wire: $n packet lines with STARTTLS in clear (EHLO replies, commands);" \
	    "$(grep -c 'TLS connection established' "$P/maillog") TLS sessions logged"
	pf_stop "$NS" "$P"
	ns_del "$NS"
	finish postfix-tls-auth "$WORK/postfix-tls-auth.pcap" "$s" "$cm" \
	    "$cmok" "$crok"
	echo "   (inside TLS, not in the truth file: transactions $tm," \
	    "messages_accepted $tmok, recipients_accepted $trok)"
fi

# ============================================================ bounce-dsn
# Two private Postfix instances in one namespace: A (mail.example.test on
# 127.0.0.1, nothing local, relayhost [127.0.0.2]:25) and B
# (mx.remote.test on 127.0.0.2: mydestination remote.test, origin.test;
# local recipients root and alice only). swaks gives A one message from
# alice@origin.test to root@remote.test and nosuch@remote.test. A relays
# it to B, which refuses nosuch@ with 550 5.1.1 (user unknown) and takes
# root@; A then makes a non-delivery report (MAIL FROM:<>, Content-Type
# multipart/report; report-type=delivery-status, with a
# message/delivery-status part) and relays it to B for alice@origin.test.
# Connection caching is off in A, so each delivery has its own session.
# Recorded: every session on port 25 (swaks -> A, A -> B twice).
# Truth: session 1 from the swaks transcript (as for postfix-tls-auth);
# the A -> B sessions from B's own log (connects, the disconnect lines'
# mail= totals and rcpt= successes, messages queued). Cross-checked with
# A's log (1 "status=bounced" with B's 550 5.1.1, 1 "sender
# non-delivery notification", 2 "status=sent" relayed to B) and with the
# wire (one MAIL FROM:<>, the report-type=delivery-status text).
if wants bounce-dsn; then
	need_postfix
	say "bounce-dsn: Postfix A bounces, relays the DSN to Postfix B"
	ns_new dsn
	# Postfix binds only to addresses that an interface has
	in_ns "$NS" ip addr add 127.0.0.2/8 dev lo
	A=$WORK/pf-a
	B=$WORK/pf-b
	pf_new "$A" mail.example.test \
	    "inet_interfaces = 127.0.0.1" \
	    "mydestination =" \
	    "relayhost = [127.0.0.2]:25" \
	    "smtp_bind_address = 127.0.0.1" \
	    "smtp_connection_cache_on_demand = no"
	pf_new "$B" mx.remote.test \
	    "inet_interfaces = 127.0.0.2" \
	    "mydestination = remote.test, origin.test" \
	    "local_recipient_maps = inline:{ root=x, alice=x }"
	pf_start "$NS" "$B"
	pf_start "$NS" "$A"
	wait_listen "$NS" 127.0.0.1:25
	wait_listen "$NS" 127.0.0.2:25
	td_start "$NS" lo "$WORK/bounce-dsn.pcap" 'tcp port 25'
	T=$WORK/dsn.transcript
	: >"$T"
	swaks_run "$T" "$NS" --server 127.0.0.1 --helo client.origin.test \
	    --from alice@origin.test --to root@remote.test,nosuch@remote.test \
	    --header "Subject: to a known and an unknown user"
	# B's log: 2 sessions from A ended, 2 messages queued (the original
	# for root@ and the DSN for alice@)
	read -r bc be bm br bq _ _ <<<"$(pf_logcount "$B/maillog" 2 2)"
	td_stop "$WORK/bounce-dsn.pcap"
	read -r s g cm cmok crok tm tmok trok aok abad u <<<"$(parse_swaks "$T")"
	echo "   swaks transcript: sessions $s transactions $cm messages $cmok" \
	    "recipients $crok"
	[ "$u" = 0 ] && [ "$g" = "$s" ] && [ "$tm" = 0 ] ||
	    die "bounce-dsn: bad swaks transcript"
	echo "   Postfix B log: $bc connects, $be disconnects, mail= total $bm," \
	    "rcpt= accepted $br, $bq queued"
	[ "$bc" = 2 ] && [ "$be" = 2 ] || die "bounce-dsn: B logged $bc/$be sessions"
	read -r ac _ am ar _ _ _ <<<"$(pf_logcount "$A/maillog" "$s" "$cmok")"
	n_bounced=$(grep -c 'status=bounced (host 127.0.0.2\[127.0.0.2\] said: 550 5.1.1' "$A/maillog" || true)
	n_ndr=$(grep -c 'sender non-delivery notification' "$A/maillog" || true)
	n_sent=$(grep -c 'relay=127.0.0.2\[127.0.0.2\]:25, .*status=sent' "$A/maillog" || true)
	echo "   Postfix A log: $ac connects (swaks), mail= $am, rcpt= $ar," \
	    "$n_bounced bounced by B's 550 5.1.1, $n_ndr non-delivery" \
	    "notification, $n_sent relayed to B"
	[ "$ac" = "$s" ] && [ "$am" = "$cm" ] && [ "$ar" = "$crok" ] ||
	    die "bounce-dsn: A's log disagrees with swaks"
	[ "$n_bounced" = 1 ] && [ "$n_ndr" = 1 ] && [ "$n_sent" = 2 ] ||
	    die "bounce-dsn: A did not bounce and relay as planned"
	[ "$bq" = 2 ] || die "bounce-dsn: B queued $bq messages, want 2"
	n=$(wire_count "$WORK/bounce-dsn.pcap" 'MAIL FROM:<>')
	d=$(wire_count "$WORK/bounce-dsn.pcap" 'report-type=delivery-status')
	echo "   wire: $n packets with MAIL FROM:<>, $d with report-type=delivery-status"
	[ "$n" = 1 ] && [ "$d" -ge 1 ] || die "bounce-dsn: no DSN on the wire"
	pf_stop "$NS" "$A"
	pf_stop "$NS" "$B"
	ns_del "$NS"
	finish bounce-dsn "$WORK/bounce-dsn.pcap" $((s + bc)) $((cm + bm)) \
	    $((cmok + bq)) $((crok + br))
fi

# ================================================================= drops
# A private Postfix on 127.0.0.1 (mydestination example.test) that
# greylists grey@example.test (check_recipient_access: "450 4.7.1
# Greylisted") and hangs up after 2 errors in a session
# (smtpd_hard_error_limit = 2: "421 4.7.0 ... Error: too many errors",
# then it closes). swaks runs:
#   1  grey@ + root@                 RCPT 450 then 250, message accepted
#   2  grey@                         RCPT 450, swaks quits (no DATA)
#   3  nosuch1@, nosuch2@, root@     550, 550 and at once 421 (unasked:
#                                    the error limit), the server closes;
#                                    the third RCPT meets an RST
#   4  root@, a 1.7 MB body          swaks talks through a pipe to
#                                    "pv -L 50k | socat" (rate-limited to
#                                    50 KB/s); 1.5 s after the 354 the
#                                    whole client is killed with SIGKILL:
#                                    the connection ends mid-DATA
# Truth: from the swaks transcripts (the last session's end of data never
# reached the server and had no reply). Cross-checked with Postfix's log:
# sessions, mail= totals, rcpt= successes, 1 message queued, 2 greylist
# rejections, 1 "too many errors", 1 "lost connection after DATA".
DROP_BODY=$WORK/body-1.7m.txt
if wants drops; then
	need_postfix
	for tool in pv socat setsid; do
		command -v "$tool" >/dev/null 2>&1 ||
		    die "missing tool: $tool (apt-get install pv socat)"
	done
	say "drops: Postfix greylisting, 421 after too many errors, mid-DATA kill"
	ns_new drops
	P=$WORK/pf-drops
	pf_new "$P" mail.example.test \
	    "inet_interfaces = 127.0.0.1" \
	    "mydestination = localhost, example.test" \
	    "smtpd_hard_error_limit = 2" \
	    "smtpd_recipient_restrictions = check_recipient_access inline:{ {grey@example.test = 450 4.7.1 Greylisted, please try again later} }"
	pf_start "$NS" "$P"
	wait_listen "$NS" 127.0.0.1:25
	awk 'BEGIN { for (i = 0; i < 28000; i++)
	    printf "Body line %05d: the quick brown fox jumps over the lazy dog.\n", i }' \
	    >"$DROP_BODY"
	td_start "$NS" lo "$WORK/drops.pcap" 'tcp port 25'
	T=$WORK/drops.transcript
	: >"$T"
	SW=(--helo client.example.test --from alice@example.test)
	swaks_run "$T" "$NS" --server 127.0.0.1 "${SW[@]}" \
	    --to grey@example.test,root@example.test
	swaks_run "$T" "$NS" --server 127.0.0.1 "${SW[@]}" --to grey@example.test
	swaks_run "$T" "$NS" --server 127.0.0.1 "${SW[@]}" \
	    --to nosuch1@example.test,nosuch2@example.test,root@example.test
	# 4: killed mid-DATA. setsid makes swaks, pv and socat one process
	# group (killed together, as a crashing client host would).
	T4=$WORK/drops-kill.transcript
	setsid ip netns exec "$NS" swaks "${SW[@]}" --to root@example.test \
	    --pipe "sh -c 'exec pv -q -L 50k | socat - TCP:127.0.0.1:25'" \
	    --header "Subject: killed mid-DATA" --body "@$DROP_BODY" \
	    >"$T4" 2>&1 &
	KPID=$!
	PIDS="$PIDS $KPID"
	for _ in $(seq 1 100); do
		grep -q '^<-  354' "$T4" && break
		sleep 0.1
	done
	grep -q '^<-  354' "$T4" || die "drops: no 354 for the killed client"
	sleep 1.5
	kill -KILL -- -"$KPID" 2>/dev/null || die "drops: cannot kill the client"
	wait "$KPID" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$KPID" | tr '\n' ' ')
	echo "   swaks | pv -L 50k | socat, killed 1.5 s after the 354"
	cat "$T4" >>"$T"
	read -r lc le lm lr lq la lb <<<"$(pf_logcount "$P/maillog" 4 1)"
	td_stop "$WORK/drops.pcap"
	read -r s g cm cmok crok tm tmok trok aok abad u <<<"$(parse_swaks "$T")"
	echo "   swaks transcripts: sessions $s transactions $cm messages $cmok" \
	    "recipients $crok"
	[ "$u" = 0 ] && [ "$g" = "$s" ] && [ "$tm" = 0 ] ||
	    die "drops: bad swaks transcripts ($u unmatched, $g greetings)"
	grey=$(grep -c 'NOQUEUE: reject: RCPT .*450 4.7.1 <grey@example.test>' "$P/maillog" || true)
	many=$(grep -c 'too many errors after RCPT' "$P/maillog" || true)
	lost=$(grep -c 'lost connection after DATA' "$P/maillog" || true)
	echo "   Postfix log: $lc connects, $le disconnects, mail= total $lm," \
	    "rcpt= accepted $lr, $lq queued; $grey greylisted, $many too many" \
	    "errors, $lost lost connection after DATA"
	[ "$lc" = "$s" ] && [ "$le" = "$s" ] || die "drops: log sessions $lc/$le"
	[ "$lm" = "$cm" ] && [ "$lr" = "$crok" ] && [ "$lq" = "$cmok" ] ||
	    die "drops: Postfix's log disagrees with swaks"
	[ "$grey" = 2 ] && [ "$many" = 1 ] && [ "$lost" = 1 ] ||
	    die "drops: not the planned greylisting, 421 and drop"
	pf_stop "$NS" "$P"
	ns_del "$NS"
	finish drops "$WORK/drops.pcap" "$s" "$cm" "$cmok" "$crok"
fi

# ============================================================ exim, bdat
# Exim 4.96 (Debian's exim4-daemon-light, installed here: this removes
# postfix until the end of the script) with a private configuration
# (its own spool and log under the temporary directory; run as
# "exim4 -C FILE", which keeps root only for files listed in
# /etc/exim4/trusted_configs, so the file is listed there while it runs),
# as a daemon on 127.0.0.1:25 and 127.0.0.2:25 in a namespace. Local
# domain example.test: root, alice and postmaster exist; grey@ is
# deferred by the RCPT ACL ("450 4.7.1 Greylisted"), other local parts
# are refused ("550 5.1.1 Unknown user"), other domains too ("550 5.7.1
# Relay not permitted"); accepted mail goes to :blackhole:. Its greeting
# is two lines long (220-... / 220 ...); it offers PIPELINING, CHUNKING
# and PIPECONNECT, no STARTTLS.
#
# exim: swaks runs against 127.0.0.1:
#   1  root@                         accepted
#   2  --pipeline root@, alice@      pipelined, accepted
#   3  nosuch@                       550 5.1.1, swaks quits
#   4  --pipeline nosuch@, root@     pipelined, 550 then 250, accepted
#   5  grey@                         450 4.7.1 (greylisting), swaks quits
#   6  grey@, alice@                 450 then 250, accepted
#   7  bob@elsewhere.test            550 5.7.1 relay refused
# Truth: from the swaks transcripts. Cross-checked with Exim's own log:
# "SMTP connection from" lines = sessions, "<=" (message received) lines
# = accepted messages, the recipients listed on them = accepted RCPTs
# (every accepted RCPT here is in an accepted message), 3 "rejected RCPT"
# and 2 "temporarily rejected RCPT" lines.
#
# bdat: Exim as the client: a second private configuration whose only
# router sends everything to 127.0.0.2 with the smtp transport
# (hosts_try_chunking = *, the default; Exim pipelines MAIL, RCPT and the
# first BDAT), run as "exim4 -C FILE -odf" (deliver in the foreground)
# for 2 messages: 24 KB to root@ and alice@, and a short one to root@.
# Exim sends each message as two chunks, "BDAT n" (the headers) and
# "BDAT n LAST" (the body). Truth: from the two Exim logs: sessions = the
# server's "SMTP connection from" lines; transactions = the client's
# "=>" lines (one per message delivered); recipients_accepted = the
# client's "=>" and "->" lines (each recipient delivered to the server);
# messages_accepted = the server's "<=" lines marked K (received with
# CHUNKING), which must equal the client's deliveries, all marked K too.
# Cross-checked with the wire: 2 "BDAT n LAST" commands and no DATA.
if wants exim || wants bdat; then
	switch_mta exim4-daemon-light
	command -v exim4 >/dev/null 2>&1 || die "exim4 not installed"
	say "exim: Exim 4.96 daemon (private configuration) in a namespace"
	ns_new exim
	in_ns "$NS" ip addr add 127.0.0.2/8 dev lo
	E=$WORK/exim
	mkdir -p "$E/spool" "$E/log" "$E/cspool" "$E/clog"
	chown Debian-exim:Debian-exim "$E/spool" "$E/log" "$E/cspool" "$E/clog"
	cat >"$E/server.conf" <<EOF_SERVER
primary_hostname = mx.example.test
qualify_domain = example.test
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
keep_environment =
daemon_smtp_ports = 25
local_interfaces = 127.0.0.1 : 127.0.0.2
domainlist local_domains = example.test
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
smtp_banner = mx.example.test ESMTP Exim \$version_number \$tod_full\\nTest server of the smtpscope captures: no UCE
log_selector = +smtp_connection +received_recipients +smtp_protocol_error +smtp_syntax_error +pipelining
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  defer   domains = +local_domains
          local_parts = grey
          message = 450 4.7.1 Greylisted, please try again later
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
EOF_SERVER
	cat >"$E/client.conf" <<EOF_CLIENT
primary_hostname = client.example.org
qualify_domain = example.org
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = $E/cspool
log_file_path = $E/clog/%slog
keep_environment =
host_lookup =
log_selector = +smtp_connection +received_recipients +smtp_confirmation

begin routers
smarthost:
  driver = manualroute
  route_list = * 127.0.0.2
  transport = remote_smtp
  self = send

begin transports
remote_smtp:
  driver = smtp
  allow_localhost
  hosts_try_chunking = *

begin retry
*   *   F,1m,1m
EOF_CLIENT
	chmod 644 "$E/server.conf" "$E/client.conf"
	TRUSTED=/etc/exim4/trusted_configs
	[ -d /etc/exim4 ] || die "no /etc/exim4"
	[ -e "$TRUSTED" ] && cp -p "$TRUSTED" "$WORK/trusted_configs.orig"
	EXIM_TRUST_MADE=1
	printf '%s\n%s\n' "$E/server.conf" "$E/client.conf" >"$TRUSTED"
	chmod 644 "$TRUSTED"
	start_bg "$NS" exim4 -C "$E/server.conf" -bdf </dev/null \
	    >"$E/daemon.out" 2>&1
	EXIM_PID=$BG_PID
	wait_listen "$NS" 127.0.0.1:25
	wait_listen "$NS" 127.0.0.2:25
	ML=$E/log/mainlog
	# exim_log_new FROM-LINE: the server log lines after line FROM-LINE
	exim_log_new() { tail -n +"$(($1 + 1))" "$ML"; }
	exim_wait() {	# wait until N sessions of the new log part ended
		local from=$1 n=$2 got=0
		for _ in $(seq 1 100); do
			got=$(exim_log_new "$from" |
			    grep -Ec 'SMTP connection from .*(closed by QUIT|lost)' || true)
			[ "$got" -ge "$n" ] && return 0
			sleep 0.2
		done
		die "Exim logged $got ended sessions, want $n"
	}
fi

if wants exim; then
	say "exim: swaks -> Exim"
	from=$(wc -l <"$ML")
	td_start "$NS" lo "$WORK/exim.pcap" 'tcp port 25'
	T=$WORK/exim.transcript
	: >"$T"
	SW=(--server 127.0.0.1 --helo client.example.test --from alice@example.test)
	swaks_run "$T" "$NS" "${SW[@]}" --to root@example.test \
	    --header "Subject: to Exim"
	swaks_run "$T" "$NS" "${SW[@]}" --pipeline \
	    --to root@example.test,alice@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to nosuch@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --pipeline \
	    --to nosuch@example.test,root@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to grey@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to grey@example.test,alice@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to bob@elsewhere.test
	exim_wait "$from" 7
	td_stop "$WORK/exim.pcap"
	read -r s g cm cmok crok tm tmok trok aok abad u <<<"$(parse_swaks "$T")"
	echo "   swaks transcripts: sessions $s transactions $cm messages $cmok" \
	    "recipients $crok"
	[ "$u" = 0 ] && [ "$g" = "$s" ] && [ "$tm" = 0 ] ||
	    die "exim: bad swaks transcripts ($u unmatched, $g greetings)"
	exim_log_new "$from" >"$WORK/exim.log"
	lc=$(grep -Ec 'SMTP connection from .*TCP/IP connection count' "$WORK/exim.log" || true)
	lm=$(grep -Ec ' <= .* P=esmtp ' "$WORK/exim.log" || true)
	lr=$(grep -E ' <= .* P=esmtp ' "$WORK/exim.log" |
	    awk '{ for (i = 1; i <= NF; i++) if ($i == "for") { n += NF - i; break } }
		END { print n + 0 }')
	lrej=$(grep -Ec ' rejected RCPT ' "$WORK/exim.log" || true)
	ltmp=$(grep -Ec ' temporarily rejected RCPT ' "$WORK/exim.log" || true)
	echo "   Exim log: $lc connections, $lm messages received for $lr" \
	    "recipients, $((lrej - ltmp)) RCPT rejected, $ltmp deferred"
	[ "$lc" = "$s" ] || die "exim: Exim logged $lc connections, swaks $s"
	[ "$lm" = "$cmok" ] && [ "$lr" = "$crok" ] ||
	    die "exim: Exim's log disagrees with swaks"
	[ "$((lrej - ltmp))" = 3 ] && [ "$ltmp" = 2 ] ||
	    die "exim: not the planned rejections"
	[ "$(grep -c '^<-  220-' "$T")" = "$s" ] ||
	    die "exim: the greeting is not multi-line"
	finish exim "$WORK/exim.pcap" "$s" "$cm" "$cmok" "$crok"
fi

if wants bdat; then
	say "bdat: Exim's smtp client -> Exim, CHUNKING (BDAT)"
	from=$(wc -l <"$ML")
	cfrom=0
	[ -f "$E/clog/mainlog" ] && cfrom=$(wc -l <"$E/clog/mainlog")
	{
		printf 'From: Alice <alice@example.org>\nTo: root@example.test, alice@example.test\n'
		printf 'Subject: relayed by Exim with CHUNKING\n\n'
		for n in $(seq 1 300); do
			printf 'Line %03d of a longer body, relayed in chunks by the smtp transport of Exim.\n' "$n"
		done
	} >"$E/msg1.txt"
	printf 'From: alice@example.org\nTo: root@example.test\nSubject: short\n\nA short message.\n' \
	    >"$E/msg2.txt"
	td_start "$NS" lo "$WORK/bdat.pcap" 'tcp port 25'
	in_ns "$NS" timeout 60 exim4 -C "$E/client.conf" -odf -oi \
	    -f alice@example.org root@example.test alice@example.test \
	    <"$E/msg1.txt" || die "bdat: exim (client) failed for message 1"
	in_ns "$NS" timeout 60 exim4 -C "$E/client.conf" -odf -oi \
	    -f alice@example.org root@example.test \
	    <"$E/msg2.txt" || die "bdat: exim (client) failed for message 2"
	exim_wait "$from" 2
	td_stop "$WORK/bdat.pcap"
	exim_log_new "$from" >"$WORK/bdat-server.log"
	tail -n +"$((cfrom + 1))" "$E/clog/mainlog" >"$WORK/bdat-client.log"
	s=$(grep -Ec 'SMTP connection from .*TCP/IP connection count' "$WORK/bdat-server.log" || true)
	sm=$(grep -Ec ' <= .* P=esmtp .* K ' "$WORK/bdat-server.log" || true)
	sr=$(grep -E ' <= .* P=esmtp ' "$WORK/bdat-server.log" |
	    awk '{ for (i = 1; i <= NF; i++) if ($i == "for") { n += NF - i; break } }
		END { print n + 0 }')
	ct=$(grep -Ec ' => .* H=127\.0\.0\.2 \[127\.0\.0\.2\] K ' "$WORK/bdat-client.log" || true)
	cr=$(grep -Ec ' [=-]> .* H=127\.0\.0\.2 \[127\.0\.0\.2\] K ' "$WORK/bdat-client.log" || true)
	nlast=$(wire_count "$WORK/bdat.pcap" 'BDAT [0-9][0-9]* LAST')
	nbdat=$(wire_count "$WORK/bdat.pcap" 'BDAT [0-9][0-9]*')
	ndata=$(wire_count "$WORK/bdat.pcap" '354 ')
	echo "   Exim client log: $ct messages delivered with CHUNKING (K)," \
	    "$cr recipients; server log: $s connections, $sm messages" \
	    "received with CHUNKING for $sr recipients; wire: $nbdat BDAT" \
	    "($nlast LAST), $ndata 354 replies (DATA)"
	[ "$ct" = 2 ] && [ "$sm" = "$ct" ] && [ "$sr" = "$cr" ] && [ "$s" = 2 ] ||
	    die "bdat: the Exim logs disagree"
	[ "$nlast" = 2 ] && [ "$ndata" = 0 ] || die "bdat: not BDAT on the wire"
	finish bdat "$WORK/bdat.pcap" "$s" "$ct" "$sm" "$cr"
fi

if wants exim || wants bdat; then
	bg_stop "$EXIM_PID" TERM
	ns_del "$NS"
	restore_trusted
fi

# ============================================================= opensmtpd
# OpenSMTPD 6.8 (Debian's opensmtpd, installed here: this removes the
# other MTA) in the foreground (smtpd -d -f FILE, its log on stderr) with
# its own configuration, on 127.0.0.1:25 in a namespace: virtual users
# root@ and alice@example.test (delivered as nobody to an mda that
# discards), any other address of example.test fails the virtual lookup
# ("524 5.2.4 Mailing list expansion problem"), any other domain is
# refused ("550 Invalid recipient"). OpenSMTPD does not offer
# PIPELINING. swaks runs:
#   1  root@                         accepted
#   2  root@, alice@, nosuch@        2 accepted, 524 for nosuch@, accepted
#   3  nosuch@                       524, swaks quits
#   4  bob@elsewhere.test            550, swaks quits
#   5  alice@, 10 KB body            accepted
# Truth: from the swaks transcripts. Cross-checked with OpenSMTPD's log:
# "smtp connected" and "smtp disconnected" lines = sessions, "smtp
# message" lines = accepted messages, "smtp envelope" lines (one per
# recipient of an accepted message) = accepted RCPTs, "failed-command
# command="RCPT" lines = the 3 refused RCPTs.
if wants opensmtpd; then
	switch_mta opensmtpd
	command -v smtpd >/dev/null 2>&1 || die "smtpd (OpenSMTPD) not installed"
	say "opensmtpd: swaks -> OpenSMTPD"
	ns_new osmtpd
	O=$WORK/opensmtpd
	mkdir -p "$O"
	cat >"$O/smtpd.conf" <<'EOF_OSMTPD'
table vusers { "root@example.test" = "nobody", "alice@example.test" = "nobody" }
listen on 127.0.0.1 port 25 hostname mx.example.test
action "devnull" mda "/bin/sh -c 'cat >/dev/null'" virtual <vusers>
match from local for domain "example.test" action "devnull"
EOF_OSMTPD
	chmod 644 "$O/smtpd.conf"
	smtpd -n -f "$O/smtpd.conf" >/dev/null 2>&1 || die "bad smtpd.conf"
	start_bg "$NS" smtpd -d -f "$O/smtpd.conf" </dev/null >"$O/log" 2>&1
	OS_PID=$BG_PID
	wait_listen "$NS" 127.0.0.1:25
	for n in $(seq 1 160); do
		printf 'Line %03d of a 12 KB body for OpenSMTPD: the quick brown fox.\n' "$n"
	done >"$O/body12k.txt"
	td_start "$NS" lo "$WORK/opensmtpd.pcap" 'tcp port 25'
	T=$WORK/opensmtpd.transcript
	: >"$T"
	SW=(--server 127.0.0.1 --helo client.example.test --from alice@example.test)
	swaks_run "$T" "$NS" "${SW[@]}" --to root@example.test \
	    --header "Subject: to OpenSMTPD"
	swaks_run "$T" "$NS" "${SW[@]}" \
	    --to root@example.test,alice@example.test,nosuch@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to nosuch@example.test
	swaks_run "$T" "$NS" "${SW[@]}" --to bob@elsewhere.test
	swaks_run "$T" "$NS" "${SW[@]}" --to alice@example.test \
	    --body "@$O/body12k.txt"
	for _ in $(seq 1 100); do
		n=$(grep -c ' smtp disconnected ' "$O/log" || true)
		[ "$n" -ge 5 ] && break
		sleep 0.2
	done
	td_stop "$WORK/opensmtpd.pcap"
	read -r s g cm cmok crok tm tmok trok aok abad u <<<"$(parse_swaks "$T")"
	echo "   swaks transcripts: sessions $s transactions $cm messages $cmok" \
	    "recipients $crok"
	[ "$u" = 0 ] && [ "$g" = "$s" ] && [ "$tm" = 0 ] ||
	    die "opensmtpd: bad swaks transcripts ($u unmatched, $g greetings)"
	lc=$(grep -c ' smtp connected address=127.0.0.1 ' "$O/log" || true)
	ld=$(grep -c ' smtp disconnected ' "$O/log" || true)
	lm=$(grep -c ' smtp message msgid=' "$O/log" || true)
	lr=$(grep -c ' smtp envelope evpid=' "$O/log" || true)
	lf=$(grep -c ' smtp failed-command command="RCPT TO:' "$O/log" || true)
	echo "   OpenSMTPD log: $lc connected, $ld disconnected, $lm messages," \
	    "$lr envelopes (recipients), $lf RCPT refused"
	[ "$lc" = "$s" ] && [ "$ld" = "$s" ] || die "opensmtpd: log sessions $lc/$ld"
	[ "$lm" = "$cmok" ] && [ "$lr" = "$crok" ] && [ "$lf" = 3 ] ||
	    die "opensmtpd: OpenSMTPD's log disagrees with swaks"
	bg_stop "$OS_PID" TERM
	ns_del "$NS"
	finish opensmtpd "$WORK/opensmtpd.pcap" "$s" "$cm" "$cmok" "$crok"
fi

if [ -n "$SWITCHED" ]; then
	restore_packages
	[ -n "$POLICY_MADE" ] && rm -f /usr/sbin/policy-rc.d
	POLICY_MADE=""
	cmp -s <(tar -C /etc -cf - postfix | tar -tvf - | sort) \
	    <(tar -tvf "$WORK/etc-postfix.tar" | sort) ||
	    die "/etc/postfix is not as it was"
	echo "   postfix installed again; /etc/postfix as it was"
fi

say "done:$WANT"
