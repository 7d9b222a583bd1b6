# Shared by the test scripts: sourced, not run.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A test script gets the binary under test in $SMTPSCOPE (a normal or a
# sanitizer build) and reports each check on stdout as one line:
#   ok NAME | FAIL NAME: why | skip NAME: why
# tests/run.sh counts them.

TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SMTPSCOPE_SHARED:-$TOP/../shared}
: "${SMTPSCOPE:=$TOP/smtpscope}"
case $SMTPSCOPE in /*) ;; *) SMTPSCOPE=$TOP/$SMTPSCOPE ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "skip $1: $2"; }

# run_scope NAME ARGS...: runs smtpscope, stdout to $TMP/out, stderr to
# $TMP/err, exit status in $rc. A sanitizer report is always a failure.
run_scope() {
	_name=$1
	shift
	"$SMTPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/err"; then
		fail "$_name" "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

# json_get KEY FILE: the value of a numeric key in the summary record.
summary_get() {
	grep '"type":"summary"' "$2" | tail -n 1 |
		sed -n "s/.*\"$1\":\\([0-9][0-9]*\\|null\\).*/\\1/p"
}
