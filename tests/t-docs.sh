#!/bin/sh
# The man page and --help cannot drift (issue 15): every option that
# `smtpscope --help`, `smtpscope trace --help` and `smtpscope report
# --help` name is documented in
# docs/smtpscope.1, and every option the man page documents is in one of
# them; the man page's version is the program's.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip docs-options "python3 not installed"
	exit 0
fi
"$SMTPSCOPE" --help >"$TMP/help" 2>&1
"$SMTPSCOPE" trace --help >>"$TMP/help" 2>&1
"$SMTPSCOPE" report --help >>"$TMP/help" 2>&1
if why=$(python3 - "$TMP/help" docs/smtpscope.1 <<'PY'
import re, sys
help_text = open(sys.argv[1], encoding="utf-8").read()
man = open(sys.argv[2], encoding="utf-8").read()
opt = re.compile(r"(?<![\w-])(--?[A-Za-z][-A-Za-z0-9]*)")
# --help: the options at the start of its option lines
in_help = set()
for ln in help_text.splitlines():
    # the option column: up to the first gap of two spaces
    col = re.split(r"\s{2,}", ln.strip(), maxsplit=1)[0]
    if re.match(r"^--?[A-Za-z]", col) and ln.startswith(" "):
        in_help.update(opt.findall(col))
# the man page: options in its macro lines (.B, .BI, .BR...), the
# escapes removed; tcpdump's own options (after "tcpdump") left out
in_man = set()
for ln in man.splitlines():
    if not re.match(r"^\.(B|BI|BR|RB|IR)\b", ln) or "tcpdump" in ln:
        continue
    ln = ln.replace("\\-", "-").replace('"', " ")
    in_man.update(opt.findall(ln))
# what the man page writes as values, not options
in_man -= {"-"}
missing = sorted(in_help - in_man)
extra = sorted(in_man - in_help)
if missing or extra:
    print("in --help, not in the man page: %s; in the man page, not in --help: %s"
          % (" ".join(missing) or "-", " ".join(extra) or "-"))
    sys.exit(1)
PY
); then
	ok docs-options
else
	fail docs-options "$why"
fi
v=$("$SMTPSCOPE" -V | sed -n 's/^smtpscope //p')
if grep -q "^\.TH SMTPSCOPE 1 .*\"smtpscope $v\"" docs/smtpscope.1; then
	ok docs-version
else
	fail docs-version "the man page's .TH does not say smtpscope $v"
fi
