#!/usr/bin/env python3
"""clickhouse-load.py PORT [DB [SQL]]: docs/clickhouse.sql (or SQL) into
the ClickHouse server whose HTTP port on 127.0.0.1 is PORT, a statement a
request (each ends with ";" at the end of a line that is no comment), its
database's name changed to DB (default smtpscope). Exit status 1 with
ClickHouse's words when it refuses a statement. The tests and
bench/run.sh load the schema with it."""
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import sys
import urllib.error
import urllib.request


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    port = sys.argv[1]
    db = sys.argv[2] if len(sys.argv) > 2 else "smtpscope"
    sql = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "clickhouse.sql")
    text = open(sql, encoding="utf-8").read()
    if db != "smtpscope":
        text = text.replace("smtpscope.", db + ".").replace(
            "DATABASE IF NOT EXISTS smtpscope;", "DATABASE IF NOT EXISTS %s;" % db)
    stmt = []
    for line in text.split("\n"):
        stmt.append(line)
        if line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            s = "\n".join(stmt).strip().rstrip(";")
            stmt = []
            try:
                urllib.request.urlopen("http://127.0.0.1:%s/" % port,
                                       data=s.encode(), timeout=60).read()
            except (urllib.error.URLError, OSError) as e:
                body = e.read()[:300].decode(errors="replace") if hasattr(e, "read") else str(e)
                sys.exit("clickhouse-load.py: %s ...: %s" % (s.split("\n")[-1][:60], body))


main()
