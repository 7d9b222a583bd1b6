#!/bin/bash
# make-captures-track.sh - record captures/track.pcap: real mail crossing
# several real MTAs (a Postfix relay, Exim as the destination, a second
# Postfix as the senders' domain receiving the bounces), for message
# tracking across hops (issue 13), and derive captures/track.fates, the
# fate of every message and recipient, from the MTAs' own logs (never
# from a dissector). See captures/README.md, section "track".
#
# usage: sudo captures/make-captures-track.sh
#
# Topology, all on the loopback of one network namespace made here (lo
# with mtu 1500 and gso_max_size 1500, wire-sized segments):
#   127.0.0.1  the clients (swaks), inside mynetworks of R
#   127.0.0.5  a client outside mynetworks of R (AUTH, relay denied)
#   127.0.0.2  R  relay.example.test: a private Postfix 3.7 instance, port
#                 25 and 587 (submission: SASL AUTH PLAIN/LOGIN through
#                 Cyrus sasldb, or mynetworks without AUTH); relay_domains
#                 remote.test; transport_maps remote.test ->
#                 [127.0.0.3]:25, origin.test -> [127.0.0.4]:25;
#                 smtp_bind_address 127.0.0.2; retries every few seconds;
#                 header_checks: Subject "discard-me" DISCARD, "hold-me"
#                 HOLD, any other Subject INFO (so that the log names every
#                 message's tag); its sessions to D are cached
#                 (smtp_connection_cache_destinations, 2 s idle): one
#                 session carries several messages and retries, and
#                 pauses between groups of messages make new ones
#   127.0.0.3  D  mx.remote.test: Exim 4.96 (Debian's exim4-daemon-light,
#                 unpacked, not installed), final destination of
#                 remote.test (bob, carol, dave, grey, busy; delivered to
#                 mbox files): other local parts 550 at RCPT, Subject
#                 "reject-after-data" 550 after the data, grey@ 451 on the
#                 first attempt and accepted on the next (greylisting),
#                 busy@ 450 always; late@ accepted (its ACL verifies no
#                 recipient), then failed by a redirect router (":fail:
#                 mailbox closed"): Exim sends its own DSN to the sender,
#                 to origin.test through S (manualroute, smtp transport
#                 from 127.0.0.3); DSN advertised (dsn_advertise_hosts),
#                 so R passes ENVID, NOTIFY, RET and ORCPT on
#   127.0.0.4  S  mx.origin.test: a second private Postfix, the senders'
#                 domain (virtual maildirs for alice@ and grace@): it
#                 receives the bounces (DSNs) R and D send
# The messages (one tag each, in the Subject) are listed below at "The
# messages"; captures/README.md has the table.
#
# Truth (captures/track.fates, format in captures/README.md): from R's
# log (the INFO/DISCARD/HOLD lines give each queue id its tag; smtpd's
# reject lines, smtp's status=sent/deferred/bounced lines, bounce's
# "sender non-delivery notification" lines, cleanup's message-id; for
# the DISCARDed message, whose Message-ID cleanup never reaches, the one
# in the swaks transcript) and, for what D accepted and then failed,
# Exim's mainlog (the "**" line of the message's id; its bounce's own
# "<= <> R=ID" line and the "=>" line that passed the bounce to S with
# S's queue id),
# cross-checked with Exim's mainlog (<= and => lines with the ids R
# logged, the rejected and temporarily rejected RCPTs, the rejections
# after DATA), S's log (each DSN queued and delivered to the sender's
# maildir, from R or from D), the DSNs in the maildir (the queue id of
# S's Received, Original-Envelope-Id, what they return), the client
# transcripts (the "queued as" ids) and the packets (SYN-ACKs = sessions
# the servers logged, every queue id on the wire).
# It also checks that every planned case happened as planned, and that
# the truth is complete (one message line per tag, one fate per
# recipient); it stops with an error otherwise, leaving captures/ as it
# was.
#
# Needs root, tcpdump, iproute2, python3 (also the client of the
# messages with DSN parameters: this swaks has no ENVID, NOTIFY or RET),
# postfix (postfix, postconf, postqueue), swaks, sasl2-bin (saslpasswd2), apt-get and dpkg-deb
# (network access to Debian's archive for Exim's packages). Nothing is
# installed or removed, /etc and the host's mail system are not touched
# and no service is started: Postfix runs as private instances
# ("postfix -c DIR"), Exim is unpacked into the temporary directory and
# runs in the mount namespace "ip netns exec" makes for it, with the
# unpacked /usr laid over the real one (overlayfs) and a copy of
# /etc/passwd and /etc/group holding its Debian-exim user bind-mounted
# there. Every process it started, the namespace and the temporary
# directory are removed on exit, also on failure or interruption
# (KEEP_WORK=1 keeps the directory: the MTAs' logs, queues and
# mailboxes, the client transcripts). It takes about 30 seconds.
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
NAME=track
MAX_SIZE=300000	# the capture stays under this many bytes
WAIT_MAX=180	# seconds to wait for the retries and the bounces
DEFER_MIN=3	# attempts the always-deferred recipient must have had

# SMTP AUTH on R's port 587 (the same credentials as postfix-tls-auth;
# the tests check that no password appears in smtpscope's output)
AUTH_USER=alice
AUTH_PASS='S3cret-pw'

R_IP=127.0.0.2
D_IP=127.0.0.3
S_IP=127.0.0.4
C_IN=127.0.0.1	# a client in R's mynetworks
C_OUT=127.0.0.5	# a client outside them

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
say() {
	echo "== $*"
}

[ "$(id -u)" = 0 ] || die "must run as root (sudo $0)"
for tool in tcpdump ip ss timeout awk sed python3 apt-get dpkg-deb getent \
    mount postfix postconf postqueue swaks saslpasswd2; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ $# = 0 ] || die "no arguments (usage: sudo $0)"

# ---------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/smtpscope-track.XXXXXX)
chmod 755 "$WORK"	# the postfix, nobody and exim users must reach into it
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
	rm -f "$OUT/$NAME.pcap.tmp" "$OUT/$NAME.fates.tmp"
	[ -n "${KEEP_WORK:-}" ] && echo "$PROG: kept $WORK" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- helpers
# The shared helpers: namespaces, background processes, tcpdump.
# shellcheck source=captures/lib.sh
. "$HERE/lib.sh"

# count FILE REGEX: lines of FILE matching the extended REGEX
count() {
	grep -Ec -- "$2" "$1" 2>/dev/null || true
}

synacks() {
	tcpdump -nn -r "$1" 2>/dev/null | grep -c 'Flags \[S\.\]' || true
}
# wire_count FILE REGEX: packet text lines (tcpdump -A) matching REGEX
wire_count() {
	tcpdump -nn -A -r "$1" 2>/dev/null | grep -v '^[0-9][0-9:.]* IP' |
	    grep -cE -- "$2" || true
}

# ----------------------------------------------------- private Postfix
# pf_new DIR HOSTNAME [POSTCONF-SETTING...]: a private Postfix instance
# (own main.cf/master.cf from /etc/postfix, queue, data directory and log
# file DIR/maillog; no chroot; no DNS, no peer name lookups; mail to
# unknown destinations fails)
pf_new() {
	local p=$1 h=$2
	shift 2
	pf_base "$p"
	postconf -c "$p/etc" -e \
	    "inet_protocols = ipv4" \
	    "myhostname = $h" \
	    "myorigin = $h" \
	    "mydestination =" \
	    "alias_maps =" \
	    "alias_database =" \
	    "local_transport = error:no local mail" \
	    "default_transport = error:no route" \
	    "relay_transport = error:no route" \
	    "relayhost =" \
	    "smtpd_peername_lookup = no" \
	    "smtp_dns_support_level = disabled" \
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

# ------------------------------------------------- unpacked Exim
ROOT=$WORK/root
# unpack PACKAGE...: apt-get download + dpkg-deb -x into $ROOT (nothing
# is installed)
unpack() {
	local p deb
	mkdir -p "$WORK/debs" "$ROOT"
	getent passwd _apt >/dev/null && chown _apt "$WORK/debs"
	if ! (cd "$WORK/debs" && apt-get download -q "$@") >>"$WORK/apt.log" 2>&1; then
		echo "   apt-get download failed; apt-get update, then again"
		apt-get update -q >>"$WORK/apt.log" 2>&1 || true
		(cd "$WORK/debs" && apt-get download -q "$@") >>"$WORK/apt.log" 2>&1 ||
		    die "apt-get download $* failed: $(tail -n 5 "$WORK/apt.log")"
	fi
	for p in "$@"; do
		deb=
		for f in "$WORK/debs/${p}_"*.deb; do
			[ -f "$f" ] && deb=$f
		done
		[ -n "$deb" ] || die "no .deb for $p"
		dpkg-deb -x "$deb" "$ROOT" || die "dpkg-deb -x $deb failed"
		echo "   unpacked $(basename "$deb") (not installed)"
	done
}

# The Debian-exim user the unpacked package expects, in a copy of passwd
# and group that only Exim's mount namespace sees (uid checked to be free
# here; the same uid as make-captures-model.sh)
EXIM_UID=64990
users_file() {
	[ -f "$ROOT/etc-passwd" ] && return 0
	getent passwd "$EXIM_UID" >/dev/null && die "uid $EXIM_UID is in use here"
	getent group "$EXIM_UID" >/dev/null && die "gid $EXIM_UID is in use here"
	{
		cat /etc/passwd
		echo "Debian-exim:x:$EXIM_UID:$EXIM_UID:Exim (captures):/nonexistent:/usr/sbin/nologin"
	} >"$ROOT/etc-passwd"
	{
		cat /etc/group
		echo "Debian-exim:x:$EXIM_UID:"
	} >"$ROOT/etc-group"
	chmod 644 "$ROOT/etc-passwd" "$ROOT/etc-group"
}

# start_unpacked, run_unpacked: captures/lib.sh (with users_file above)

# ============================================================== the MTAs
say "$NAME: Postfix relay -> Exim destination, bounces -> Postfix (senders' domain)"
unpack exim4-daemon-light exim4-base exim4-config libidn12
ns_new "$NAME"
for a in $R_IP $D_IP $S_IP $C_OUT; do
	# Postfix and Exim bind only to addresses an interface has
	in_ns "$NS" ip addr add "$a/8" dev lo
done

# ---- S: mx.origin.test, the senders' domain (receives the DSNs)
S=$WORK/pf-s
pf_new "$S" mx.origin.test \
    "inet_interfaces = $S_IP" \
    "mynetworks = $S_IP/32" \
    "virtual_mailbox_domains = origin.test" \
    "virtual_mailbox_base = $S/mail" \
    "virtual_mailbox_maps = inline:{ alice@origin.test=alice/, grace@origin.test=grace/ }" \
    "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534" \
    "virtual_minimum_uid = 100"
mkdir -p "$S/mail"
chown 65534:65534 "$S/mail"

# ---- R: relay.example.test, the relay (25 and 587)
R=$WORK/pf-r
mkdir -p "$R/etc/sasl"
printf '%s' "$AUTH_PASS" |
    saslpasswd2 -p -c -f "$R/sasldb2" -u relay.example.test "$AUTH_USER" ||
    die "saslpasswd2 failed"
chown postfix:postfix "$R/sasldb2"
chmod 600 "$R/sasldb2"
# Debian's Postfix reads $config_directory/sasl/smtpd.conf
cat >"$R/etc/sasl/smtpd.conf" <<EOF_SASL
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $R/sasldb2
mech_list: PLAIN LOGIN
EOF_SASL
# First match wins per header line: the two drops, then every other
# Subject is logged (cleanup's "info: header Subject: ..." line gives the
# message's queue id its tag). Only the message's own headers: not those
# of an attached message (a DSN's returned headers) or of MIME parts.
cat >"$R/etc/header_checks" <<'EOF_HC'
/^Subject:.*discard-me/ DISCARD tagged discard-me
/^Subject:.*hold-me/ HOLD tagged hold-me
/^Subject:/ INFO
EOF_HC
pf_new "$R" relay.example.test \
    "inet_interfaces = $R_IP" \
    "smtp_bind_address = $R_IP" \
    "mynetworks = $C_IN/32" \
    "relay_domains = remote.test" \
    "transport_maps = inline:{ remote.test=smtp:[$D_IP]:25, origin.test=smtp:[$S_IP]:25 }" \
    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination" \
    "smtpd_recipient_restrictions =" \
    "header_checks = regexp:$R/etc/header_checks" \
    "nested_header_checks =" \
    "mime_header_checks =" \
    "queue_run_delay = 3s" \
    "minimal_backoff_time = 3s" \
    "maximal_backoff_time = 10s" \
    "smtp_connection_cache_destinations = $D_IP" \
    "smtpd_sasl_type = cyrus" \
    "smtpd_sasl_path = smtpd" \
    "cyrus_sasl_config_path = $R/etc/sasl" \
    "smtpd_sasl_local_domain = relay.example.test" \
    "smtpd_tls_auth_only = no"
# submission: AUTH offered; mynetworks or an authenticated client may
# send anywhere, no one else; Message-ID (and Date, From) added when
# missing, as for a local submission
cat >>"$R/etc/master.cf" <<'EOF_MASTER'
587       inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,reject
  -o local_header_rewrite_clients=permit_mynetworks,permit_sasl_authenticated
EOF_MASTER

# ---- D: mx.remote.test, Exim
E=$WORK/exim
mkdir -p "$E/spool" "$E/log" "$E/mail"
chown "$EXIM_UID:$EXIM_UID" "$E/spool" "$E/log" "$E/mail"
cat >"$E/exim.conf" <<EOF_EXIM
primary_hostname = mx.remote.test
qualify_domain = remote.test
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
keep_environment =
daemon_smtp_ports = 25
local_interfaces = $D_IP
domainlist local_domains = remote.test
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
smtp_banner = mx.remote.test ESMTP Exim \$version_number \$tod_full
log_selector = +smtp_connection +received_recipients +smtp_confirmation +subject +pipelining +delivery_size
# DSN (RFC 3461) offered to R: it then passes the client's ENVID, RET,
# NOTIFY and ORCPT on, and Exim's DSNs carry them back
dsn_advertise_hosts = *
# every message delivered at once, however many a session of R carries
smtp_accept_queue_per_connection = 0
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data

begin acl
acl_check_rcpt:
  # greylisting, one-shot: the first attempt for grey@ leaves a mark
  # (a file in the spool) and is deferred; the next one is accepted
  defer   domains = +local_domains
          local_parts = grey
          condition = \${if exists{$E/spool/greylisted-\$local_part}{no}{yes}}
          set acl_m_grey = \${run{/bin/touch $E/spool/greylisted-\$local_part}{yes}{yes}}
          message = 451 4.7.1 Greylisted, please try again later
  defer   domains = +local_domains
          local_parts = busy
          message = 450 4.2.1 Mailbox busy, try again later
  # late@ is accepted here (no recipient verification: the routers
  # are not asked at RCPT) and fails at delivery: Exim's own DSN
  deny    domains = +local_domains
          !local_parts = bob : carol : dave : grey : busy : late
          message = 550 5.1.1 Unknown user
  accept  domains = +local_domains
  deny    message = 550 5.7.1 Relay not permitted

acl_check_data:
  deny    condition = \${if match{\$h_Subject:}{reject-after-data}}
          message = 550 5.7.1 Message content rejected
  # kept in the queue until the script delivers it (exim -M), so that
  # it chooses the order in which the DSNs of such messages go out
  warn    condition = \${if match{\$h_Subject:}{deliver-later}}
          control = queue_only
  accept

begin routers
# the senders' domain (the DSNs Exim sends): to S, from D's address
origin:
  driver = manualroute
  domains = origin.test
  route_list = * $S_IP
  transport = remote_smtp
  self = send
# accepted at RCPT, failed at delivery: a permanent failure after the
# 250, which Exim reports in its own DSN to the sender
late_fail:
  driver = redirect
  domains = +local_domains
  local_parts = late
  allow_fail
  data = :fail: mailbox closed
local_user:
  driver = accept
  domains = +local_domains
  local_parts = bob : carol : dave : grey : busy
  transport = local_file

begin transports
remote_smtp:
  driver = smtp
  interface = $D_IP
  allow_localhost
local_file:
  driver = appendfile
  file = $E/mail/\$local_part_data
  user = Debian-exim
  group = Debian-exim
  mode = 0600
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
*   *   F,1h,1m
EOF_EXIM
chmod 644 "$E/exim.conf"

pf_start "$NS" "$S"
echo "   S: $(postconf -c "$S/etc" -h mail_version | sed 's/^/Postfix /')" \
    "mx.origin.test on $S_IP:25"
EXIM_VERSION=$(run_unpacked "$NS" exim4 -C "$E/exim.conf" -bV 2>/dev/null | head -n 1)
start_unpacked "$NS" exim4 -C "$E/exim.conf" -bdf -oX 25 </dev/null \
    >"$E/daemon.out" 2>&1
EXIM_PID=$BG_PID
echo "   D: $EXIM_VERSION, mx.remote.test on $D_IP:25"
pf_start "$NS" "$R"
echo "   R: Postfix relay.example.test on $R_IP:25 and $R_IP:587"
wait_listen "$NS" "$S_IP:25"
wait_listen "$NS" "$D_IP:25"
wait_listen "$NS" "$R_IP:25"
wait_listen "$NS" "$R_IP:587"

# ========================================================== the messages
# One swaks run per tag; each message's Subject starts with its tag.
#
#   tag  client:port  AUTH  envelope                        what happens
#   T01  .1:25        -     alice -> bob                    relayed, delivered by D
#   T02  .5:587       PLAIN alice -> carol                  submission with AUTH, delivered
#   T03  .1:587       -     alice -> dave                   submission without AUTH (mynetworks), delivered
#   T04  .1:25        -     alice -> bob, "discard-me"      R: 250, then header_checks DISCARD (dropped)
#   T05  .1:25        -     alice -> carol, "hold-me"       R: 250, then header_checks HOLD (dropped: held)
#   T06  .1:25        -     alice -> nosuch                 D: 550 5.1.1 at RCPT; R bounces to S
#   T07  .1:25        -     alice -> bob, "reject-after-data"  D: 550 after the data; R bounces
#   T08  .1:25        -     alice -> grey                   D: 451 (greylisting), delivered on R's retry
#   T09  .1:25        -     alice -> busy                   D: 450 on every attempt, still deferred at the end
#   T10  .1:25 pipel. -     alice -> bob, nobody            bob delivered, nobody 550 at D and bounced
#   T11  .1:25        -     alice -> carol, Message-ID <reused-id@origin.test>   delivered
#   T12  .5:587       PLAIN alice -> dave, the same Message-ID, "reject-after-data"  bounced
#   T13  .1:25        -     alice -> bob, no Message-ID     R adds none (a remote client), delivered without
#   T14  .5:25        -     alice -> bob, eve@elsewhere.test  bob delivered; eve 554 relay access denied by R
#   T15  .5:25        -     grace -> eve@elsewhere.test     554 by R, swaks gives up: no message
#   T16  .5:587       PLAIN alice -> carol, no Message-ID   R adds one (submission), delivered
#   T17  .1:25        -     alice -> late                   D: 250, then fails it: D's DSN to S
#   T18  .1:25 (py)   -     alice -> late, ENVID=T18-envid NOTIFY=FAILURE RET=HDRS, "deliver-later"
#                                                           D: 250, queued; D's DSN returns the headers
#   T19  .1:25 (py)   -     alice -> late, ENVID=T19-envid NOTIFY=FAILURE, "deliver-later"
#                                                           the same; D's DSN returns the message
# D keeps T18 and T19 queued until both are in, then delivers them in
# that order (exim -M, one DSN at S before the next delivery): when the
# DSNs come back both messages wait for one, and only D's ids, the
# ENVIDs and the returned headers tell which reports which (a linker
# that takes the newest candidate links them crosswise).
#
# (addresses: alice@ and grace@origin.test; bob, carol, dave, grey,
# busy, nosuch, nobody, late @remote.test; "py": python3's smtplib, for
# the DSN parameters)
PLAN=$WORK/plan
: >"$PLAN"
mkdir -p "$WORK/swaks"
REUSED_ID='<reused-id@origin.test>'

# submit TAG CLIENT PORT AUTH FROM RCPT=FATE[,...] SUBJECT|- [SWAKS-ARGS...]
# FATE is what should happen (checked against the truth): delivered,
# delivered-retried, rejected, bounced (refused by D, R's DSN),
# bounced-dest (accepted by D, then D's DSN), deferred, dropped-discard,
# dropped-hold. SUBJECT - : the message comes with --data.
submit() {
	local tag=$1 cl=$2 port=$3 auth=$4 from=$5 rcpts=$6 subj=$7 rc=0 to='' r
	local -a rr
	shift 7
	echo "$tag $cl $port $auth $from $rcpts" >>"$PLAN"
	IFS=, read -ra rr <<<"$rcpts"
	for r in "${rr[@]}"; do
		to=$to${to:+,}${r%%=*}
	done
	set -- --server "$R_IP" --port "$port" --local-interface "$cl" \
	    --helo client.origin.test --from "$from" --to "$to" "$@"
	if [ "$subj" != - ]; then
		set -- "$@" --header "Subject: $subj"
	fi
	if [ "$auth" = PLAIN ]; then
		set -- "$@" --auth PLAIN --auth-user "$AUTH_USER" \
		    --auth-password "$AUTH_PASS"
	fi
	in_ns "$NS" timeout 60 swaks "$@" >"$WORK/swaks/$tag" 2>&1 || rc=$?
	[ "$auth" = - ] && auth= || auth=" AUTH $auth"
	echo "   $tag: swaks from $cl to $R_IP:$port$auth, $from -> $to: exit $rc"
	sleep 0.3
}
# submit_dsn TAG CLIENT PORT FROM RCPT=FATE SUBJECT ENVID NOTIFY RET|-:
# one message with the DSN parameters of RFC 3461 (MAIL ... RET= ENVID=,
# RCPT ... NOTIFY=), sent with python3's smtplib (this swaks has no
# option for them); its transcript has the lines of swaks's that the
# truth reads (the final reply, the Message-Id sent)
submit_dsn() {
	local tag=$1 cl=$2 port=$3 from=$4 rcpt=$5 rc=0
	echo "$tag $cl $port - $from $rcpt $7 $9" >>"$PLAN"
	in_ns "$NS" timeout 60 python3 - "$R_IP" "$port" "$cl" "$from" \
	    "${rcpt%%=*}" "$6" "$7" "$8" "$9" >"$WORK/swaks/$tag" 2>&1 <<'EOF_SMTP' || rc=$?
import email.utils, smtplib, sys
server, port, client, frm, to, subj, envid, notify, ret = sys.argv[1:]
mid = email.utils.make_msgid(domain="origin.test")
msg = (f"Date: {email.utils.formatdate(localtime=True)}\r\nFrom: <{frm}>\r\n"
       f"To: <{to}>\r\nSubject: {subj}\r\nMessage-Id: {mid}\r\n\r\n"
       f"This message asks for DSNs: ENVID={envid} NOTIFY={notify} RET={ret}.\r\n")
print(f" -> Message-Id: {mid}")
s = smtplib.SMTP(server, int(port), local_hostname="client.origin.test",
                 source_address=(client, 0))
s.ehlo()
if not s.has_extn("dsn"):
    sys.exit("the server offers no DSN")
mopt = [f"ENVID={envid}"] + ([f"RET={ret}"] if ret != "-" else [])
for cmd, (code, text) in ((f"MAIL FROM:<{frm}> {' '.join(mopt)}",
                           s.mail(frm, mopt)),
                          (f"RCPT TO:<{to}> NOTIFY={notify}",
                           s.rcpt(to, [f"NOTIFY={notify}"])),
                          ("DATA + message", s.data(msg.encode()))):
    print(f" -> {cmd}")
    print(f"<-  {code} {text.decode(errors='replace')}")
    if code >= 400:
        sys.exit(1)
s.quit()
EOF_SMTP
	echo "   $tag: python3 smtplib from $cl to $R_IP:$port, $from -> ${rcpt%%=*}" \
	    "ENVID=$7 NOTIFY=$8 RET=$9: exit $rc"
	sleep 0.3
}
# pause: longer than R's connection cache time limit (2 s), so that the
# next message opens a new session to D
pause() {
	sleep 2.5
}
# nomsgid_data FILE TAG SUBJECT: a message with no Message-ID header
nomsgid_data() {
	printf 'Date: %s\r\nFrom: Alice <alice@origin.test>\r\nTo: %s\r\nSubject: %s\r\n\r\nThis message has no Message-ID header (%s).\r\n' \
	    "$(date -R)" "$3" "$4" "$2" >"$1"
}

RL=$R/maillog
ML=$E/log/mainlog
SL=$S/maillog
td_start "$NS" lo "$WORK/$NAME.pcap" 'tcp port 25 or tcp port 587'
submit T01 $C_IN 25 - alice@origin.test bob@remote.test=delivered \
    "T01 plain relay"
submit T02 $C_OUT 587 PLAIN alice@origin.test carol@remote.test=delivered \
    "T02 submission with AUTH"
submit T03 $C_IN 587 - alice@origin.test dave@remote.test=delivered \
    "T03 submission without AUTH"
pause
submit T04 $C_IN 25 - alice@origin.test bob@remote.test=dropped-discard \
    "T04 discard-me"
submit T05 $C_IN 25 - alice@origin.test carol@remote.test=dropped-hold \
    "T05 hold-me"
pause
submit T06 $C_IN 25 - alice@origin.test nosuch@remote.test=bounced \
    "T06 unknown user at the destination"
submit T07 $C_IN 25 - alice@origin.test bob@remote.test=bounced \
    "T07 reject-after-data"
submit T08 $C_IN 25 - alice@origin.test grey@remote.test=delivered-retried \
    "T08 greylisted once"
submit T09 $C_IN 25 - alice@origin.test busy@remote.test=deferred \
    "T09 always deferred"
pause
submit T10 $C_IN 25 - alice@origin.test \
    bob@remote.test=delivered,nobody@remote.test=bounced \
    "T10 two recipients, two fates" --pipeline
submit T11 $C_IN 25 - alice@origin.test carol@remote.test=delivered \
    "T11 reused Message-ID" --header "Message-Id: $REUSED_ID"
submit T12 $C_OUT 587 PLAIN alice@origin.test dave@remote.test=bounced \
    "T12 reused Message-ID, reject-after-data" --header "Message-Id: $REUSED_ID"
pause
nomsgid_data "$WORK/T13.eml" T13 bob@remote.test "T13 no Message-ID, port 25"
submit T13 $C_IN 25 - alice@origin.test bob@remote.test=delivered - \
    --data "@$WORK/T13.eml"
submit T14 $C_OUT 25 - alice@origin.test \
    bob@remote.test=delivered,eve@elsewhere.test=rejected \
    "T14 one recipient refused by the relay"
submit T15 $C_OUT 25 - grace@origin.test eve@elsewhere.test=rejected \
    "T15 relay access denied"
nomsgid_data "$WORK/T16.eml" T16 carol@remote.test "T16 no Message-ID, submission"
submit T16 $C_OUT 587 PLAIN alice@origin.test carol@remote.test=delivered - \
    --data "@$WORK/T16.eml"
pause
submit T17 $C_IN 25 - alice@origin.test late@remote.test=bounced-dest \
    "T17 accepted, then bounced by the destination"
submit_dsn T18 $C_IN 25 alice@origin.test late@remote.test=bounced-dest \
    "T18 DSN parameters, headers returned, deliver-later" T18-envid FAILURE HDRS
submit_dsn T19 $C_IN 25 alice@origin.test late@remote.test=bounced-dest \
    "T19 DSN parameters, message returned, deliver-later" T19-envid FAILURE -
# D holds T18 and T19 (their Subject): once both are in, deliver T18,
# wait until its DSN is at S, then T19
exim_id() {	# exim_id TAG: D's id of the message with that tag
	sed -n "s/.* \([^ ]*-[^ ]*-[^ ]*\) <= [^ ]* .* T=\"$1 .*/\1/p" "$ML"
}
for _ in $(seq 1 100); do
	[ -n "$(exim_id T18)" ] && [ -n "$(exim_id T19)" ] && break
	sleep 0.2
done
for t in T18 T19; do
	id=$(exim_id "$t")
	[ -n "$id" ] || die "$t never reached D"
	run_unpacked "$NS" exim4 -C "$E/exim.conf" -M "$id" >"$E/deliver-$t.out" 2>&1 ||
	    die "exim -M $id ($t) failed: $(cat "$E/deliver-$t.out")"
	ok=
	for _ in $(seq 1 100); do
		b=$(sed -n "s/.* \([^ ]*\) <= <> R=$id .*/\1/p" "$ML")
		if [ -n "$b" ] && grep -q " $b => .* C=\"250 " "$ML"; then
			ok=1
			break
		fi
		sleep 0.2
	done
	[ -n "$ok" ] || die "D's DSN of $t ($id) never reached S"
	echo "   $t: delivered by D (exim -M $id): failed, its DSN $b to S"
done

# ------------------------------------------- waiting for retries, DSNs
# Done when: grey@ delivered (after its deferral), every bounce R made
# delivered to S (4: T06, T07, T10, T12), every bounce D made delivered
# to S (one per message planned bounced-dest: T17, T18, T19), busy@
# deferred DEFER_MIN times; then R's log must be quiet and every session
# at D and S closed.
D_NDR=$(grep -c '=bounced-dest' "$PLAN" || true)
say "$NAME: waiting for R's retries and bounces, D's bounces (up to $WAIT_MAX s)"
t0=$(date +%s)
while :; do
	grey=$(count "$RL" 'to=<grey@remote.test>,.* status=sent ')
	busy=$(count "$RL" 'to=<busy@remote.test>,.* status=deferred ')
	ndr=$(count "$RL" 'sender non-delivery notification: ')
	dsn_sent=$(count "$RL" "to=<[a-z]+@origin.test>, relay=$S_IP\\[$S_IP\\]:25,.* status=sent ")
	dndr=$(count "$ML" ' <= <> R=')
	ddsn_sent=$(count "$ML" " => [a-z]+@origin.test .*H=$S_IP \\[$S_IP\\].* C=\"250 ")
	if [ "$grey" -ge 1 ] && [ "$busy" -ge "$DEFER_MIN" ] &&
	    [ "$ndr" -ge 4 ] && [ "$dsn_sent" -ge "$ndr" ] &&
	    [ "$dndr" -ge "$D_NDR" ] && [ "$ddsn_sent" -ge "$dndr" ]; then
		break
	fi
	[ $(($(date +%s) - t0)) -lt "$WAIT_MAX" ] ||
	    die "after $WAIT_MAX s: grey@ delivered $grey, busy@ deferred $busy," \
	    "$ndr bounces made by R, $dsn_sent delivered to S;" \
	    "$dndr bounces made by D, $ddsn_sent delivered to S"
	sleep 0.5
done
echo "   after $(($(date +%s) - t0)) s: grey@ delivered, busy@ deferred $busy times," \
    "$ndr bounces of R and $dndr of D delivered to S"
# quiet: R's log unchanged for 1.5 s, every session at D and S ended
quiet=0
for _ in $(seq 1 100); do
	n1=$(wc -l <"$RL")
	sleep 1.5
	n2=$(wc -l <"$RL")
	dc=$(count "$ML" 'SMTP connection from .*TCP/IP connection count')
	de=$(count "$ML" 'SMTP connection from .*(closed by QUIT|lost|closed|timed out)')
	sc=$(count "$SL" 'smtpd\[[0-9]+\]: connect from ')
	se=$(count "$SL" 'smtpd\[[0-9]+\]: disconnect from ')
	if [ "$n1" = "$n2" ] && [ "$dc" = "$de" ] && [ "$sc" = "$se" ]; then
		quiet=1
		break
	fi
done
[ $quiet = 1 ] || die "the MTAs never went quiet"
# R stops first (no retry may start while the capture ends), then the
# capture, then D and S
pf_stop "$NS" "$R"
td_stop "$WORK/$NAME.pcap"
in_ns "$NS" postqueue -c "$R/etc" -j >"$WORK/r-queue.json" 2>/dev/null || true
bg_stop "$EXIM_PID" TERM
pf_stop "$NS" "$S"
ns_del "$NS"

# ================================================================ truth
say "$NAME: the truth from the MTAs' logs"
if ! python3 - "$PLAN" "$RL" "$ML" "$SL" "$WORK/swaks" "$WORK/r-queue.json" \
    "$WORK/$NAME.truth" "$R_IP" "$D_IP" "$S_IP" "$S/mail" <<'EOF_PY'
import email, glob, json, os, re, sys

(plan_f, rlog, mlog, slog, swaks_dir, rqueue, out, R_IP, D_IP, S_IP,
 s_mail) = sys.argv[1:]
errors = []


def err(msg):
    errors.append(msg)


def pf_lines(path):
    """(program, text) of each Postfix log line"""
    for line in open(path, errors="replace"):
        m = re.search(r" postfix(?:/[^\s\[]+)*/([a-z0-9]+)\[\d+\]: (.*)$", line)
        if m:
            yield m.group(1), m.group(2)


plan = []
for line in open(plan_f):
    # ENVID and RET (or -) of the messages sent with DSN parameters
    tag, client, port, auth, sender, rcpts, *dsnp = line.split()
    want = [tuple(r.split("=", 1)) for r in rcpts.split(",")]
    plan.append(dict(tag=tag, client=client, port=port, auth=auth, sender=sender,
                     want=want, envid=dsnp[0] if dsnp else None,
                     ret=dsnp[1] if dsnp else None))

# ------------------------------------------------------------ R's log
tag_of = {}          # queue id -> tag
from_of = {}         # queue id -> envelope sender
msgid_of = {}        # queue id -> Message-ID cleanup logged
drop_of = {}         # queue id -> (via, first recipient)
client_of = {}       # queue id -> client address
rejects = []         # (qid or None, client, from, to, code)
status = {}          # (qid, rcpt) -> [(status, relay ip, code, text)]
ndr_of = {}          # original qid -> DSN qid
nrcpt_of = {}
hc = re.compile(r"^([0-9A-F]+): (info|discard|hold): header Subject: (.*?) from "
                r"\S+\[([0-9.]+)\]; from=<([^>]*)> to=<([^>]*)>")
for prog, text in pf_lines(rlog):
    m = hc.match(text)
    if m and prog == "cleanup":
        qid, act, subj, client, sender, rcpt = m.groups()
        t = subj.split()[0] if subj.split() else ""
        if re.fullmatch(r"T\d\d", t):
            if qid in tag_of:
                err(f"R: {qid} has two tags")
            tag_of[qid] = t
        from_of[qid] = sender
        client_of[qid] = client
        if act in ("discard", "hold"):
            drop_of[qid] = (act, rcpt)
        continue
    m = re.match(r"^([0-9A-F]+): message-id=(.*)$", text)
    if m and prog == "cleanup":
        msgid_of[m.group(1)] = "" if m.group(2).strip() == "<>" else m.group(2).strip()
        continue
    m = re.match(r"^([0-9A-F]+|NOQUEUE): reject: RCPT from \S+\[([0-9.]+)\]: "
                 r"(\d{3}) .*?; from=<([^>]*)> to=<([^>]*)>", text)
    if m and prog == "smtpd":
        qid, client, code, sender, rcpt = m.groups()
        rejects.append((None if qid == "NOQUEUE" else qid, client, sender, rcpt, code))
        continue
    m = re.match(r"^([0-9A-F]+): from=<([^>]*)>, size=\d+, nrcpt=(\d+)", text)
    if m and prog == "qmgr":
        from_of.setdefault(m.group(1), m.group(2))
        nrcpt_of[m.group(1)] = int(m.group(3))
        continue
    m = re.match(r"^([0-9A-F]+): to=<([^>]*)>, relay=([^,]*), .*status=(sent|deferred|bounced) \((.*)\)$",
                 text)
    if m and prog in ("smtp", "error"):
        qid, rcpt, relay, st, why = m.groups()
        ip = re.match(r"[^\[]*\[([0-9.]+)\]", relay)
        ip = ip.group(1) if ip else "-"
        c = re.match(r"(?:host \S+ said: )?(\d{3})[ -]", why)
        code = c.group(1) if c else "-"
        status.setdefault((qid, rcpt), []).append((st, ip, code, why))
        continue
    m = re.match(r"^([0-9A-F]+): sender non-delivery notification: ([0-9A-F]+)$", text)
    if m and prog == "bounce":
        if m.group(1) in ndr_of:
            err(f"R: two bounces for {m.group(1)}")
        ndr_of[m.group(1)] = m.group(2)
        continue

# The queue id of each tag (the NOQUEUE-only tag, T15, by its sender)
qid_of = {}
for q, t in tag_of.items():
    if t in qid_of:
        err(f"R: tag {t} has two queue ids ({qid_of[t]}, {q})")
    qid_of[t] = q

# ---------------------------------------------------- swaks: queued as
swaks_qid = {}
for p in plan:
    txt = open(os.path.join(swaks_dir, p["tag"]), errors="replace").read()
    m = re.findall(r"^<-  250 .*queued as ([0-9A-F]+)\s*$", txt, re.M)
    swaks_qid[p["tag"]] = m[-1] if m else None

# ---------------------------------------------------------- Exim (D)
exim_in = {}         # exim id -> dict(sender, host, subject, msgid, rcpts)
exim_del = {}        # exim id -> [rcpt]
exim_fail = {}       # exim id -> [rcpt] failed at delivery ("**")
exim_ndr = {}        # exim id of a bounce -> dict(of, rcpts, out)
exim_out = {}        # exim id -> [(rcpt, host ip, reply)]
exim_rej = []        # (rcpt, code) at RCPT
exim_tmp = []        # (rcpt, code) temporarily rejected at RCPT
exim_data = 0        # rejections after DATA
exim_conn = 0
for line in open(mlog, errors="replace"):
    # a bounce Exim made: "ID <= <> R=ID-OF-THE-MESSAGE U=... for RCPT"
    m = re.search(r" (\S+-\S+-\S+) <= <> R=(\S+) .* for (.*)$", line)
    if m:
        if m.group(1) in exim_ndr or m.group(2) in {
                d["of"] for d in exim_ndr.values()}:
            err(f"D: a second bounce {m.group(1)} or a second one of {m.group(2)}")
        exim_ndr[m.group(1)] = dict(of=m.group(2), rcpts=m.group(3).split())
        continue
    m = re.search(r" (\S+-\S+-\S+) <= (\S+) .*?\[([0-9.]+)\]:?\d* .*", line)
    if m:
        d = dict(sender=m.group(2), host=m.group(3))
        mi = re.search(r' id=(<[^>]*>|\S+)', line)
        d["msgid"] = mi.group(1) if mi else "-"
        ms = re.search(r' T="((?:[^"\\]|\\.)*)"', line)
        d["subject"] = ms.group(1) if ms else ""
        mf = re.search(r" for (.*)$", line)
        d["rcpts"] = mf.group(1).split() if mf else []
        exim_in[m.group(1)] = d
        continue
    # "=> bob <bob@remote.test> R=..." (local part, then the address)
    m = re.search(r" (\S+-\S+-\S+) [=-]> (\S+)(?: <([^>]*)>)? ", line)
    if m:
        exim_del.setdefault(m.group(1), []).append(m.group(3) or m.group(2))
        # to another host (the bounces to S): whom, its reply (from
        # which address: S's log says)
        h = re.search(r" H=\S+ \[([0-9.]+)\]", line)
        c = re.search(r' C="((?:[^"\\]|\\.)*)"', line)
        if h:
            exim_out.setdefault(m.group(1), []).append(
                (m.group(3) or m.group(2), h.group(1), c and c.group(1)))
        continue
    # "** late@remote.test R=late_fail: mailbox closed"
    m = re.search(r" (\S+-\S+-\S+) \*\* (\S+)(?: <([^>]*)>)? ", line)
    if m:
        exim_fail.setdefault(m.group(1), []).append(m.group(3) or m.group(2))
        continue
    m = re.search(r"temporarily rejected RCPT <([^>]*)>: (\d{3})?", line)
    if m:
        exim_tmp.append((m.group(1), m.group(2)))
        continue
    m = re.search(r"rejected RCPT <([^>]*)>: (\d{3})?", line)
    if m:
        exim_rej.append((m.group(1), m.group(2)))
        continue
    if "rejected after DATA" in line:
        exim_data += 1
        continue
    if "TCP/IP connection count" in line:
        exim_conn += 1

# ------------------------------------------------------------ S's log
s_in = {}            # S queue id -> (sender, client ip)
s_del = {}           # S queue id -> [(rcpt, status)]
for prog, text in pf_lines(slog):
    m = re.match(r"^([0-9A-F]+): client=\S+\[([0-9.]+)\]", text)
    if m and prog == "smtpd":
        s_in[m.group(1)] = [None, m.group(2)]
        continue
    m = re.match(r"^([0-9A-F]+): from=<([^>]*)>, size", text)
    if m and prog == "qmgr" and m.group(1) in s_in:
        s_in[m.group(1)][0] = m.group(2)
        continue
    m = re.match(r"^([0-9A-F]+): to=<([^>]*)>, relay=virtual, .*status=(\w+)", text)
    if m:
        s_del.setdefault(m.group(1), []).append((m.group(2), m.group(3)))

# --------------------------------------------- the DSNs in S's maildirs
# S's queue id (the id of the Received field S put on top) -> what the
# DSN says: Original-Envelope-Id, Final-Recipients, what it returns
s_dsn = {}
for f in sorted(glob.glob(os.path.join(s_mail, "*", "new", "*")) +
                glob.glob(os.path.join(s_mail, "*", "cur", "*"))):
    with open(f, "rb") as fh:
        msg = email.message_from_binary_file(fh)
    rcv = (msg.get_all("Received") or [""])[0]
    m = re.search(r"\bby mx\.origin\.test \(Postfix\) with \S+ id ([0-9A-F]+)\b",
                  " ".join(str(rcv).split()))
    if not m:
        err(f"S's maildir: {f} has no Received of S on top")
        continue
    d = dict(envid=None, final=[], returned=None)
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "message/delivery-status":
            blocks = part.get_payload()
            d["envid"] = blocks[0].get("Original-Envelope-Id")
            d["final"] = [b.get("Final-Recipient", "").split(";", 1)[-1].strip()
                          for b in blocks[1:]]
        elif ct in ("message/rfc822", "text/rfc822-headers"):
            if d["returned"]:
                err(f"S's maildir: {f} returns two parts")
            d["returned"] = "message" if ct == "message/rfc822" else "headers"
    if m.group(1) in s_dsn:
        err(f"S's maildir: two files for {m.group(1)}")
    s_dsn[m.group(1)] = d


def dsn_line(tag, p, dq, to, ip, sq, by, rcpts):
    """the dsn line of the DSN made by `by` with its queue id dq there,
    delivered to S (ip) as sq; checked with S's log and maildir"""
    global dsn_count
    if not sq or sq not in s_in or s_in[sq][0] != "" or s_in[sq][1] != by:
        err(f"{tag}: DSN {dq}: S has no null-sender message {sq} from {by}")
    elif s_del.get(sq) != [(to, "sent")]:
        err(f"{tag}: DSN {dq}: S delivered {sq} as {s_del.get(sq)}")
    d = s_dsn.get(sq)
    if d is None:
        err(f"{tag}: DSN {dq}: not in S's maildir as {sq}")
        d = dict(envid=None, final=[], returned=None)
    if d["envid"] != p["envid"]:
        err(f"{tag}: DSN {dq}: Original-Envelope-Id {d['envid']}, "
            f"the client's ENVID {p['envid']}")
    if sorted(d["final"]) != sorted(rcpts):
        err(f"{tag}: DSN {dq}: Final-Recipient {d['final']}, want {rcpts}")
    if d["returned"] != ("headers" if p["ret"] == "HDRS" else "message"):
        err(f"{tag}: DSN {dq}: returns {d['returned']}, RET={p['ret']}")
    lines.append(f"dsn {tag} relay_dsn_qid={dq} to={to} delivered_by={ip} "
                 f"dest_qid={sq or '-'} sent_by={by} envid={d['envid'] or '-'} "
                 f"returned={d['returned'] or '-'}")
    dsn_count += 1

# ------------------------------------------------------------- truth
lines = []
summary = []
dsn_count = 0
for p in plan:
    tag = p["tag"]
    q = qid_of.get(tag)
    if q is None:
        # no queue id: every recipient refused by R at RCPT (NOQUEUE)
        rj = [r for r in rejects if r[0] is None and r[2] == p["sender"]
              and r[1] == p["client"]]
        if not rj:
            err(f"{tag}: no queue id and no NOQUEUE reject in R's log")
            continue
        sender = rj[0][2]
    else:
        sender = from_of.get(q, "?")
        if client_of.get(q) != p["client"]:
            err(f"{tag}: R logged client {client_of.get(q)}, planned {p['client']}")
        if swaks_qid[tag] != q:
            err(f"{tag}: swaks was told 'queued as {swaks_qid[tag]}', R's log says {q}")
    dest = []
    if q:
        for (qq, rc), sts in status.items():
            if qq != q:
                continue
            for st, ip, code, why in sts:
                mm = re.search(r"250 OK id=(\S+)\)?$", why)
                if st == "sent" and ip == D_IP and mm and mm.group(1) not in dest:
                    dest.append(mm.group(1))
    msgid = msgid_of.get(q, "") if q else ""
    if q in drop_of and drop_of[q][0] == "discard" and q not in msgid_of:
        # DISCARD stops cleanup before it logs the Message-ID: the one
        # the client sent (swaks's transcript, " -> Message-Id: <...>")
        txt = open(os.path.join(swaks_dir, tag), errors="replace").read()
        mm = re.findall(r"^ -> Message-Id: (<[^>]*>)\s*$", txt, re.M | re.I)
        msgid = mm[0] if len(mm) == 1 else ""
        if not msgid:
            err(f"{tag}: discarded, and no Message-ID in the swaks transcript")
    lines.append(f"message {tag} from={sender or '<>'} relay_qid={q or '-'} "
                 f"dest_qid={','.join(dest) or '-'} msgid={msgid or '-'}")
    for rcpt, want in p["want"]:
        fate = None
        rj = [r for r in rejects if r[3] == rcpt and
              ((q and r[0] == q) or (not q and r[0] is None and r[2] == sender))]
        sts = status.get((q, rcpt), []) if q else []
        if rj:
            fate = f"rejected hop={R_IP} code={rj[0][4]} dsn_qid=-"
            got = "rejected"
        elif q in drop_of:
            via, first = drop_of[q]
            if nrcpt_of.get(q) or sts:
                err(f"{tag}: {via} yet R queued or delivered it")
            fate = f"dropped hop={R_IP} code=250 dsn_qid=- via={via}"
            got = "dropped-" + via
        elif sts:
            st, ip, code, why = sts[-1]
            ndef = sum(1 for s in sts if s[0] == "deferred")
            mm = re.search(r"250 OK id=(\S+)\)?$", why)
            xid = mm.group(1) if mm and ip == D_IP else None
            if st == "sent" and xid and rcpt in exim_fail.get(xid, []):
                # D accepted it, then failed it: D's own DSN
                dq = [b for b, d in exim_ndr.items() if d["of"] == xid]
                if len(dq) != 1:
                    err(f"{tag}: {rcpt} failed at D ({xid}), bounces {dq}")
                fate = (f"bounced hop={ip} code={code} "
                        f"dsn_qid={dq[0] if len(dq) == 1 else '-'}")
                got = "bounced-dest"
                if ndef:
                    err(f"{tag}: {rcpt} deferred before D failed it")
            elif st == "sent":
                fate = f"delivered hop={ip} code={code} dsn_qid=-"
                got = "delivered"
                if xid and rcpt not in exim_del.get(xid, []):
                    err(f"{tag}: {rcpt} sent to D as {xid}, D delivered it not")
                if ndef:
                    fate += f" retries={ndef}"
                    got = "delivered-retried"
            elif st == "bounced":
                dq = ndr_of.get(q)
                if not dq:
                    err(f"{tag}: {rcpt} bounced but R logged no non-delivery notification")
                fate = f"bounced hop={ip} code={code} dsn_qid={dq or '-'}"
                got = "bounced"
            else:
                fate = f"deferred hop={ip} code={code} dsn_qid=- attempts={len(sts)}"
                got = "deferred"
        if fate is None:
            err(f"{tag}: no fate for {rcpt} in R's log")
            continue
        if got != want:
            err(f"{tag}: {rcpt} {got}, planned {want}")
        lines.append(f"fate {tag} {rcpt} {fate}")
        summary.append(f"{tag} {rcpt} {got}")
    if q and q in ndr_of:
        dq = ndr_of[q]
        dsts = [(rc, s) for (qq, rc), ss in status.items() if qq == dq for s in ss]
        if len(dsts) != 1 or dsts[0][1][0] != "sent":
            err(f"{tag}: DSN {dq}: not one delivery that succeeded: {dsts}")
            continue
        to, (st, ip, code, why) = dsts[0]
        if to != sender:
            err(f"{tag}: DSN {dq} went to {to}, not to the sender {sender}")
        mq = re.search(r"queued as ([0-9A-F]+)\)?$", why)
        sq = mq.group(1) if mq else None
        dsn_line(tag, p, dq, to, ip, sq, R_IP,
                 [r for (qq, r), ss in status.items() if qq == q and
                  ss[-1][0] == "bounced"])
    # the DSNs D made, of the messages it accepted from R
    for x in dest:
        for dq in [b for b, d in exim_ndr.items() if d["of"] == x]:
            out_ = exim_out.get(dq, [])
            if len(out_) != 1 or len(exim_ndr[dq]["rcpts"]) != 1:
                err(f"{tag}: D's DSN {dq}: for {exim_ndr[dq]['rcpts']}, "
                    f"delivered {out_}")
                continue
            to, ip, reply = out_[0]
            if to != sender or exim_ndr[dq]["rcpts"] != [to]:
                err(f"{tag}: D's DSN {dq} went to {to}, not to the sender {sender}")
            if ip != S_IP:
                err(f"{tag}: D's DSN {dq} went to {ip}")
            mq = re.search(r"^250 .*queued as ([0-9A-F]+)$", reply or "")
            dsn_line(tag, p, dq, to, ip, mq.group(1) if mq else None, D_IP,
                     exim_fail.get(x, []))

# -------------------------------------------------- completeness
tags = [p["tag"] for p in plan]
for p in plan:
    t = p["tag"]
    n = sum(1 for l in lines if l.split()[:2] == ["message", t])
    if n != 1:
        err(f"{t}: {n} message lines, want 1")
    for rcpt, _ in p["want"]:
        n = sum(1 for l in lines if l.split()[:3] == ["fate", t, rcpt])
        if n != 1:
            err(f"{t}: {n} fate lines for {rcpt}, want 1")
for p in plan:
    q = qid_of.get(p["tag"])
    logged = {r for (qq, r) in status if qq == q} | \
        {r[3] for r in rejects if q and r[0] == q} | \
        {d[1] for qq, d in drop_of.items() if qq == q}
    extra = logged - {r for r, _ in p["want"]}
    if q and extra:
        err(f"{p['tag']}: R logged recipients with no fate line: {sorted(extra)}")
extra = set(tag_of.values()) - set(tags)
if extra:
    err(f"R's log has tags nobody sent: {sorted(extra)}")
if set(ndr_of) - set(qid_of.values()):
    err(f"R bounced messages of no tag: {sorted(set(ndr_of) - set(qid_of.values()))}")
named = {l.split()[2].split("=", 1)[1] for l in lines
         if l.startswith("dsn ") and f" sent_by={D_IP} " in l}
if set(exim_ndr) != named:
    err(f"D made bounces {sorted(exim_ndr)}, the truth names {sorted(named)}")
if set(exim_fail) - {d["of"] for d in exim_ndr.values()}:
    err(f"D failed recipients and bounced nothing: {exim_fail}")

# ------------------------------------------ cross-checks with Exim
for t in tags:
    q = qid_of.get(t)
    for l in lines:
        f = l.split()
        if f[0] != "message" or f[1] != t:
            continue
        dq = f[4].split("=", 1)[1]
        if dq == "-":
            continue
        for x in dq.split(","):
            d = exim_in.get(x)
            if not d:
                err(f"{t}: Exim has no <= line for {x}")
                continue
            if d["host"] != R_IP or not d["subject"].startswith(t + " "):
                err(f"{t}: Exim's {x} came from {d['host']} with Subject {d['subject']!r}")
            want = sorted(r for (qq, r), ss in status.items()
                          if qq == q and any(s[0] == "sent" and x in s[3] for s in ss))
            done = exim_del.get(x, []) + exim_fail.get(x, [])
            if sorted(d["rcpts"]) != want or sorted(done) != want:
                err(f"{t}: Exim's {x}: received for {d['rcpts']}, delivered to "
                    f"{exim_del.get(x)}, failed {exim_fail.get(x)}; R says {want}")
            mid = f[5].split("=", 1)[1]
            if (d["msgid"] if d["msgid"] == "-" else "<" + d["msgid"] + ">") != mid:
                err(f"{t}: Exim logged Message-ID {d['msgid']}, R {mid}")
if sorted(exim_in) != sorted({x for l in lines if l.startswith("message ")
                              for x in l.split()[4][9:].split(",") if x != "-"}):
    err(f"Exim received messages no truth line names: {sorted(exim_in)}")
# every RCPT D refused (5xx) is a bounce at R, every deferral a deferred
# attempt at R
n_bounced_rcpt = sum(1 for ss in status.values() for s in ss
                     if s[0] == "bounced" and "RCPT TO" in s[3])
n_bounced_data = len({qq for (qq, r), ss in status.items() for s in ss
                      if s[0] == "bounced" and "end of DATA" in s[3]})
n_deferred = sum(1 for ss in status.values() for s in ss if s[0] == "deferred")
if len(exim_rej) != n_bounced_rcpt:
    err(f"Exim rejected {len(exim_rej)} RCPTs, R bounced {n_bounced_rcpt} at RCPT")
if exim_data != n_bounced_data:
    err(f"Exim rejected {exim_data} messages after DATA, R bounced {n_bounced_data}")
if len(exim_tmp) != n_deferred:
    err(f"Exim deferred {len(exim_tmp)} RCPTs, R logged {n_deferred} deferrals")
if len(s_in) != dsn_count:
    err(f"S received {len(s_in)} messages, {dsn_count} DSNs in the truth")
# what is still in R's queue at the end: the deferred message (active or
# deferred queue) and the held one
try:
    queue = [json.loads(l) for l in open(rqueue) if l.strip()]
except (OSError, ValueError):
    queue = []
held = sorted(e["queue_id"] for e in queue if e.get("queue_name") == "hold")
waiting = sorted(e["queue_id"] for e in queue if e.get("queue_name") in ("deferred", "active", "incoming"))
want_held = sorted(q for q, (v, _) in drop_of.items() if v == "hold")
want_wait = sorted({qq for (qq, r), ss in status.items() if ss[-1][0] == "deferred"})
if held != want_held or waiting != want_wait:
    err(f"R's queue at the end: held {held} (want {want_held}), waiting {waiting} (want {want_wait})")

if errors:
    for e in errors:
        print("truth error: " + e, file=sys.stderr)
    sys.exit(1)
open(out, "w").write("\n".join(lines) + "\n")
print(f"   R's log: {len(tag_of)} messages tagged, {len(rejects)} RCPTs refused, "
      f"{sum(len(s) for s in status.values())} delivery attempts, {len(ndr_of)} bounces; "
      f"Exim: {exim_conn} connections, {len(exim_in)} messages received, "
      f"{len(exim_rej)} RCPTs refused, {len(exim_tmp)} deferred, {exim_data} after DATA; "
      f"S: {len(s_in)} DSNs received and delivered; R's queue at the end: "
      f"held {held}, waiting {waiting}")
EOF_PY
then
	die "no truth written: incomplete, or the logs disagree (truth errors above)"
fi
[ -s "$WORK/$NAME.truth" ] || die "no truth written"

# ------------------------------------------------------ the packets
F=$WORK/$NAME.pcap
got=$(linktype "$F")
[ "$got" = EN10MB ] || die "link type $got, want EN10MB"
size=$(stat -c %s "$F")
[ "$size" -lt "$MAX_SIZE" ] || die "$size bytes, too big"
rs=$(count "$RL" 'smtpd\[[0-9]+\]: connect from ')
dc=$(count "$ML" 'SMTP connection from .*TCP/IP connection count')
sc=$(count "$SL" 'smtpd\[[0-9]+\]: connect from ')
got=$(synacks "$F")
[ "$got" = $((rs + dc + sc)) ] ||
    die "$got SYN-ACKs in the capture; the servers logged $rs + $dc + $sc sessions"
echo "   packets: $got SYN-ACKs = sessions logged by R ($rs), D ($dc), S ($sc)"
echo "   R -> D: $dc sessions; $(count "$RL" "relay=$D_IP\\[.*conn_use=") of R's" \
    "delivery lines to D say conn_use= (a session already used)"
# every queue id of the truth is on the wire: R's in its "queued as"
# replies and in the Received header it adds (with ESMTP id / with
# ESMTPA id / for its DSNs "(Postfix) id"); D's and S's in their replies
for q in $(grep -oE '(relay_qid|dest_qid|relay_dsn_qid)=[^ ]+' "$WORK/$NAME.truth" |
    sed 's/.*=//' | tr ',' '\n' | grep -v '^-$' | sort -u); do
	[ "$(wire_count "$F" "$q")" -ge 1 ] || die "queue id $q is not on the wire"
done
n=$(wire_count "$F" 'with ESMTPA? id [0-9A-F]+')
echo "   every queue id of the truth is on the wire; $n Received lines" \
    "written by R (with ESMTP(A) id QID)"
[ "$(wire_count "$F" 'MAIL FROM:<>')" = "$(grep -c '^dsn ' "$WORK/$NAME.truth")" ] ||
    die "the null-sender MAILs on the wire are not the DSNs of the truth"

cp "$F" "$OUT/$NAME.pcap.tmp"
cp "$WORK/$NAME.truth" "$OUT/$NAME.fates.tmp"
mv -f "$OUT/$NAME.pcap.tmp" "$OUT/$NAME.pcap"
mv -f "$OUT/$NAME.fates.tmp" "$OUT/$NAME.fates"
chmod 644 "$OUT/$NAME.pcap" "$OUT/$NAME.fates"
echo "   $NAME.pcap: $(tcpdump -nn -r "$OUT/$NAME.pcap" 2>/dev/null | wc -l)" \
    "packets, $size bytes; $NAME.truth: $(grep -c '^message ' "$OUT/$NAME.fates")" \
    "messages, $(grep -c '^fate ' "$OUT/$NAME.fates") fates," \
    "$(grep -c '^dsn ' "$OUT/$NAME.fates") DSNs"
sed 's/^/   /' "$OUT/$NAME.fates"
say "done: $NAME"
