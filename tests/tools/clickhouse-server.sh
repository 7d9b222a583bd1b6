#!/bin/sh
# A private ClickHouse server for the tests: its own directory, its own
# ports on 127.0.0.1, no service, no system file touched.
#
#   tests/tools/clickhouse-server.sh start DIR    write DIR/config.xml and
#       DIR/users.xml (free ports chosen now), start the server in the
#       background, wait until it answers SELECT 1 over HTTP (30 s at
#       most), print its HTTP port; DIR/pid, DIR/http_port and
#       DIR/tcp_port say what runs. XML files in DIR/config.d (a cluster
#       for distributed tests, say) are merged into the configuration.
#   tests/tools/clickhouse-server.sh stop DIR     SIGTERM, waited for
#       (SIGKILL after 20 s)
#   tests/tools/clickhouse-server.sh kill DIR     SIGKILL, waited for (the
#       fault tests)
#   tests/tools/clickhouse-server.sh restart DIR  stop, then start again on
#       the same ports with the same data; prints the HTTP port
#
# Each DIR is a server of its own: two DIRs, two servers. The program is
# $CLICKHOUSE_SERVER, else clickhouse-server on PATH or in /usr/sbin,
# else the copy tests/deps.sh tools unpacked (build/tools/bin); Debian's
# clickhouse-server package is unpacked, not installed (its maintainer
# scripts set up a system service), and needs clickhouse-common
# (libclickhouse.so) installed. Exit status 0, else 1 with one line on
# stderr saying why (the server's own error log's last lines follow when
# it would not start). The caller stops what it started (a test traps
# EXIT).
# SPDX-License-Identifier: GPL-2.0-or-later
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 2

die() {
	echo "clickhouse-server.sh: $*" >&2
	exit 1
}

[ $# = 2 ] || {
	echo "usage: $0 start|stop|kill|restart DIR" >&2
	exit 2
}
cmd=$1
mkdir -p "$2" || exit 1
dir=$(cd "$2" && pwd) || exit 1

server() {
	if [ -n "${CLICKHOUSE_SERVER:-}" ]; then
		echo "$CLICKHOUSE_SERVER"
	elif command -v clickhouse-server 2>/dev/null; then
		:
	elif [ -x /usr/sbin/clickhouse-server ]; then
		echo /usr/sbin/clickhouse-server
	elif [ -x "$top/build/tools/bin/clickhouse-server" ]; then
		echo "$top/build/tools/bin/clickhouse-server"
	fi
}

# alive: the server of DIR/pid runs.
alive() {
	[ -s "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null
}

# free_ports: two TCP ports nothing listens on now, on one line.
free_ports() {
	python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])'
}

# answers PORT: SELECT 1 over HTTP gives 1.
answers() {
	[ "$(curl -s -m 2 "http://127.0.0.1:$1/?query=SELECT%201" 2>/dev/null)" = 1 ]
}

write_config() {
	mkdir -p "$dir/data" "$dir/tmp" "$dir/uf" "$dir/config.d" || exit 1
	cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Written by tests/tools/clickhouse-server.sh: a private test server. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/server.log</log>
        <errorlog>$dir/err.log</errorlog>
        <console>0</console>
    </logger>
    <http_port>$1</http_port>
    <tcp_port>$2</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/uf/</user_files_path>
    <format_schema_path>$dir/uf/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>5368709</mark_cache_size>
    <uncompressed_cache_size>8388608</uncompressed_cache_size>
    <max_concurrent_queries>20</max_concurrent_queries>
    <timezone>UTC</timezone>
</yandex>
EOF
	cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>1000000000</max_memory_usage>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
EOF
	echo "$1" >"$dir/http_port"
	echo "$2" >"$dir/tcp_port"
}

# launch: starts the server of DIR/config.xml, waits until it answers;
# false (and nothing left running) if it does not within 30 s, with
# what happened in $failed.
launch() {
	port=$(cat "$dir/http_port")
	: >"$dir/err.log"
	# The server outlives this script (the caller stops it); being
	# asynchronous in a shell without job control, it ignores a ^C.
	"$bin" --config-file="$dir/config.xml" \
		</dev/null >"$dir/stdout" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/pid"
	i=0
	while [ "$i" -lt 300 ]; do
		answers "$port" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		failed="did not answer on 127.0.0.1:$port within 30 s"
	else
		wait "$pid"
		failed="exited with status $? before it answered"
	fi
	rm -f "$dir/pid"
	return 1
}

# halt SIGNAL: the server gets SIGNAL, then is waited for (at most 20 s,
# then SIGKILL); DIR/pid removed.
halt() {
	alive || {
		rm -f "$dir/pid"
		return 0
	}
	pid=$(cat "$dir/pid")
	kill "-$1" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	rm -f "$dir/pid"
}

start() {
	bin=$(server)
	[ -n "$bin" ] || die "no clickhouse-server on PATH nor unpacked in build/tools (make test-tools)"
	command -v curl >/dev/null 2>&1 || die "no curl"
	alive && die "$dir already has a running server (pid $(cat "$dir/pid"))"
	# A port taken between the choice and the bind: new ports, 3 tries.
	for _ in 1 2 3; do
		if [ "${1:-}" = same ] && [ -s "$dir/http_port" ]; then
			write_config "$(cat "$dir/http_port")" "$(cat "$dir/tcp_port")"
		else
			ports=$(free_ports) || die "cannot find free ports (python3)"
			# shellcheck disable=SC2086
			write_config $ports
		fi
		if launch; then
			cat "$dir/http_port"
			return 0
		fi
		grep -q -i 'address already in use' "$dir/err.log" "$dir/stdout" \
			2>/dev/null || break
		[ "${1:-}" = same ] && break
	done
	die "$bin $failed: $(cat "$dir/err.log" "$dir/stdout" 2>/dev/null |
		tail -n 3 | tr '\n' ' ' | cut -c 1-400)"
}

case $cmd in
start) start ;;
stop) halt TERM ;;
kill) halt KILL ;;
restart)
	halt TERM
	start same
	;;
*)
	echo "usage: $0 start|stop|kill|restart DIR" >&2
	exit 2
	;;
esac
