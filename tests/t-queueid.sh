#!/bin/sh
# Queue ids (issue 13): in the real captures each MTA made, every
# transaction the server accepted names its queue id in the form that MTA
# writes (Postfix's "queued as", Exim's "OK id=", OpenSMTPD's "... Message
# accepted for delivery", Dovecot LMTP's "... Saved"), each id once; the
# replies of Postfix's smtp-sink ("2.0.0 Ok") name none, and no refused or
# lost transaction has one.
# SPDX-License-Identifier: GPL-2.0-or-later
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 2
if ! command -v python3 >/dev/null 2>&1; then
	skip queueid "python3 not installed"
	exit 0
fi
for pair in postfix-swaks:postfix postfix-tls-auth:postfix \
    postfix-refused:postfix exim:exim exim-refused:exim \
    opensmtpd:opensmtpd lmtp:dovecot sink-v4:none sink-reject:none; do
	name=${pair%%:*}
	form=${pair#*:}
	cap=captures/$name.pcap
	if [ ! -f "$cap" ]; then
		fail "queueid-$name" "no $cap"
		continue
	fi
	run_scope "queueid-$name" -q -r "$cap" -w "$TMP/$name.jsonl" || continue
	if why=$(python3 - "$TMP/$name.jsonl" "$form" <<'PY'
import json, sys
form = sys.argv[2]
ids, accepted, bad = [], 0, []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r.get("type") != "transaction":
        continue
    qid, qform = r.get("queue_id"), r.get("queue_id_form")
    if r["outcome"] != "accepted":
        if qid is not None:
            bad.append("%s transaction has queue id %s" % (r["outcome"], qid))
        continue
    accepted += 1
    if form == "none":
        if qid is not None:
            bad.append("id %s in %r" % (qid, r["final_text"]))
        continue
    if qid is None or qform != form:
        bad.append("accepted with %r: id %s form %s" % (r["final_text"], qid, qform))
    elif qid not in (r["final_text"] or "") and r.get("lmtp") is not True:
        bad.append("id %s not in %r" % (qid, r["final_text"]))
    else:
        ids.append(qid)
if accepted == 0:
    bad.append("no accepted transaction")
if len(set(ids)) != len(ids):
    bad.append("an id twice: %s" % ids)
print("; ".join(bad) if bad else "%d accepted, %d ids" % (accepted, len(ids)))
sys.exit(1 if bad else 0)
PY
	); then
		ok "queueid-$name ($why)"
	else
		fail "queueid-$name" "$why"
	fi
done
