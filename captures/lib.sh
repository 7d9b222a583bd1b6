# captures/lib.sh - the helpers the make-captures*.sh scripts share:
# network namespaces, background processes, and tcpdump started until it
# listens and stopped only once it has flushed (see CAPTURING.md in the
# shared notes: tcpdump writes late).
#
# Sourced by bash scripts (set -eu) that define die MESSAGE and keep two
# lists their cleanup empties: PIDS (background processes) and NSES
# (network namespaces). TD_SEEN is how many times the filter sees each
# packet: 2 on loopback (once outgoing, once incoming; libpcap keeps only
# the incoming copy), 1 on a veth.
#
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash

TD_SEEN=${TD_SEEN:-2}

# in_ns NS CMD...: run CMD in namespace NS (or on the host when NS is "")
in_ns() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# start_bg NS CMD...: start CMD in the background in namespace NS (or on
# the host); sets BG_PID. The "&" is on the simple command itself, so
# BG_PID is the command's own pid (bash execs it in the child, and so
# does "ip netns exec"), not that of a subshell.
start_bg() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" &
	else
		"$@" &
	fi
	BG_PID=$!
	PIDS="$PIDS $BG_PID"
}

# bg_stop PID [SIGNAL]: stop one process started with start_bg, reap it
bg_stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# ns_new TAG: a fresh namespace whose lo has wire-sized segments; sets NS
ns_new() {
	NS=smtpscope-$$-$1
	ip netns add "$NS" || die "ip netns add $NS failed"
	NSES="$NSES $NS"
	in_ns "$NS" ip link set lo mtu 1500 || die "$NS: cannot set lo mtu"
	in_ns "$NS" ip link set lo gso_max_size 1500 ||
	    die "$NS: cannot set lo gso_max_size"
	in_ns "$NS" ip link set lo up
	in_ns "$NS" sysctl -qw net.ipv4.tcp_min_tso_segs=1 ||
	    die "$NS: cannot set tcp_min_tso_segs"
	echo "   namespace $NS: lo mtu 1500, gso_max_size 1500"
}

# ns_del NS: stop what is left in it and remove it
ns_del() {
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null || true
	done
	sleep 0.3
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$1" 2>/dev/null || true
	NSES=$(echo "$NSES" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# stop_all [PAUSE]: what a script's cleanup does for every script: stop
# the background processes it started (PIDS), then whatever still runs in
# the namespaces it made (NSES: only we started anything there), TERM,
# PAUSE seconds (default 0.5), KILL, and remove the namespaces. Runs
# under "set +e".
stop_all() {
	local pid ns
	for pid in $PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	PIDS=""
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	sleep "${1:-0.5}"
	for ns in $NSES; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	NSES=""
}

# wait_listen NS ADDR:PORT: wait until something listens there (15 s).
# ADDR for IPv6 is written [::1].
wait_listen() {
	local x=$1 want=$2
	for _ in $(seq 1 150); do
		if in_ns "$x" ss -Hltn 2>/dev/null | awk '{print $4}' |
		    grep -qxF "$want"; then
			return 0
		fi
		sleep 0.1
	done
	die "nothing listens on $want"
}

# td_start NS IFACE FILE FILTER [TCPDUMP-OPTIONS...]: start tcpdump and
# wait until it listens; its messages go to FILE.tcpdump-err
td_start() {
	local x=$1 ifc=$2 file=$3 filter=$4
	shift 4
	TD_ERR=$file.tcpdump-err
	: >"$TD_ERR"
	start_bg "$x" tcpdump -i "$ifc" -s 0 -B 65536 -U -Z root -w "$file" "$@" \
	    "$filter" </dev/null >/dev/null 2>"$TD_ERR"
	TD_PID=$BG_PID
	for _ in $(seq 1 100); do
		grep -q '^tcpdump: listening on' "$TD_ERR" && break
		kill -0 "$TD_PID" 2>/dev/null ||
		    die "tcpdump failed: $(cat "$TD_ERR")"
		sleep 0.1
	done
	grep -q '^tcpdump: listening on' "$TD_ERR" ||
	    die "tcpdump did not start: $(cat "$TD_ERR")"
	sleep 0.3
}

# td_stop FILE: let tcpdump flush (it writes late), stop it, check its
# statistics: nothing dropped, every packet that passed the filter written
# (TD_SEEN times each), and the file holds exactly that many packets.
td_stop() {
	local file=$1 cap recv drop nread
	sleep 2.5
	bg_stop "$TD_PID" TERM
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$TD_ERR")
	recv=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' \
	    "$TD_ERR")
	drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' \
	    "$TD_ERR")
	if [ -z "$cap" ] || [ -z "$recv" ] || [ -z "$drop" ]; then
		die "$file: no tcpdump statistics: $(cat "$TD_ERR")"
	fi
	[ "$drop" = 0 ] || die "$file: tcpdump dropped $drop packets"
	[ "$cap" -gt 0 ] || die "$file: no packets captured"
	if [ "$TD_SEEN" = 2 ]; then
		[ "$recv" = $((cap * 2)) ] ||
		    die "$file: $cap captured but $recv received by filter (want 2x)"
	else
		[ "$recv" = $((cap * TD_SEEN)) ] ||
		    die "$file: $cap captured but $recv received by filter"
	fi
	nread=$(tcpdump -nn -r "$file" 2>/dev/null | wc -l)
	[ "$nread" = "$cap" ] ||
	    die "$file: tcpdump captured $cap packets, file holds $nread"
	if [ "$TD_SEEN" = 2 ]; then
		echo "   tcpdump: $cap packets captured, $recv received by filter" \
		    "(each twice on loopback), $drop dropped by kernel"
	else
		echo "   tcpdump: $cap packets captured, $recv received by filter," \
		    "$drop dropped by kernel"
	fi
}

# linktype FILE: the pcap link type name as tcpdump reports it
linktype() {
	tcpdump -r "$1" -c 1 2>&1 >/dev/null |
	    sed -n 's/.*link-type \([A-Z0-9_]*\) .*/\1/p'
}

# pf_base DIR: the private parts of a Postfix instance in DIR: its own
# main.cf and master.cf (copies of /etc/postfix's), queue, data directory
# and log file DIR/maillog. The caller adds its own settings with
# postconf -c DIR/etc -e.
pf_base() {
	local p=$1
	mkdir -p "$p/etc" "$p/spool" "$p/data"
	chown postfix:postfix "$p/data"
	chmod 700 "$p/data"
	cp /etc/postfix/main.cf /etc/postfix/master.cf "$p/etc/"
	cp -r /etc/postfix/dynamicmaps.cf /etc/postfix/dynamicmaps.cf.d \
	    "$p/etc/" 2>/dev/null || true
	postconf -c "$p/etc" -e \
	    "queue_directory = $p/spool" \
	    "data_directory = $p/data" \
	    "maillog_file_prefixes = $p" \
	    "maillog_file = $p/maillog"
}

# start_unpacked NS CMD...: CMD in the background in namespace NS, in
# the mount namespace "ip netns exec" makes for it (mounts there do not
# propagate out), with $ROOT/usr (an unpacked package) laid over /usr and
# the caller's passwd and group copies ($ROOT/etc-passwd, etc-group, made
# by its users_file) bind-mounted; sets BG_PID. run_unpacked NS CMD...:
# the same in the foreground.
# shellcheck disable=SC2016
OVERLAY='mount -t overlay overlay -o "lowerdir=$R/usr:/usr" /usr &&
mount --bind "$R/etc-passwd" /etc/passwd &&
mount --bind "$R/etc-group" /etc/group && exec "$@"'
start_unpacked() {
	local ns=$1
	shift
	users_file
	R=$ROOT start_bg "$ns" sh -c "$OVERLAY" sh "$@"
}
run_unpacked() {
	local ns=$1
	shift
	users_file
	R=$ROOT ip netns exec "$ns" sh -c "$OVERLAY" sh "$@"
}
