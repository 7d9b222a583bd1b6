-- Queries for a dashboard of a fleet of smtpscope sensors, over the
-- tables of docs/clickhouse.sql (what the clickhouse plugin fills).
-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- Each statement ends with ";" at the end of a line and runs as it is
-- (clickhouse-client --multiquery, or one per HTTP request; ClickHouse
-- 18.16 and later); tests/t-clickhouse-fleet.sh runs every one of them
-- against a store two sensors filled and checks the figures of the
-- first against the sensors' logs.
--
-- FINAL merges the copies of a record that a retried batch may have
-- left (docs/clickhouse.sql, DUPLICATES): a count without it can be
-- too high until ClickHouse merges them in the background.
--
-- Times are seconds since the epoch (Float64). In a Grafana panel (the
-- ClickHouse data source) add the panel's span to the WHERE:
--     AND ts >= toFloat64($__fromTime) AND ts < toFloat64($__toTime)
-- (a transaction by ts_end: when it ended, as the reports count it), and
-- group by time with toStartOfMinute(toDateTime(toUInt32(ts_end))).
-- A sensor variable: AND sensor IN ($sensor).
--
-- The words are those of the log (docs/log-schema.md): a transaction's
-- outcome is accepted, rejected (5xx: the sender owes a bounce),
-- tempfail (4xx, 421 included: it will be retried), lost (cut off
-- before its final reply), aborted, unknown (the server's word not
-- captured); a recipient's fate (messages) is delivered, rejected,
-- deferred, dropped (a 250 and then nothing: seen only across hops),
-- queued, bounced or unknown.

-- 1. Transactions by sensor and outcome.
SELECT sensor, outcome, count() AS transactions
FROM smtpscope.transactions FINAL
GROUP BY sensor, outcome
ORDER BY sensor, outcome;

-- 2. Transactions per minute by outcome (a time series).
SELECT toStartOfMinute(toDateTime(toUInt32(ts_end), 'UTC')) AS minute,
       countIf(outcome = 'accepted') AS accepted,
       countIf(outcome = 'rejected') AS rejected,
       countIf(outcome = 'tempfail') AS tempfail,
       countIf(outcome = 'lost') AS lost
FROM smtpscope.transactions FINAL
GROUP BY minute
ORDER BY minute;

-- 3. Each server: transactions, the accept / reject / tempfail split,
--    and how late its final replies came.
SELECT server_ip,
       count() AS transactions,
       countIf(outcome = 'accepted') AS accepted,
       countIf(outcome = 'rejected') AS rejected,
       countIf(outcome = 'tempfail') AS tempfail,
       round(quantile(0.9)(final_latency), 3) AS final_latency_p90
FROM smtpscope.transactions FINAL
GROUP BY server_ip
ORDER BY transactions DESC
LIMIT 50;

-- 4. Refusals of a recipient at RCPT: the reply, and who got it.
SELECT rcpt.code AS code, rcpt.text AS text, count() AS recipients,
       uniqExact(client_ip) AS clients, any(mail_from) AS a_sender
FROM smtpscope.transactions FINAL
ARRAY JOIN rcpt_to AS rcpt
WHERE rcpt.code >= 400
GROUP BY code, text
ORDER BY recipients DESC
LIMIT 50;

-- 5. Recipients by fate, as each sensor followed its messages (smtpscope
--    trace and report --clickhouse follow them across the sensors).
SELECT `recipients.fate` AS fate, count() AS n
FROM smtpscope.messages FINAL
ARRAY JOIN recipients
GROUP BY fate
ORDER BY n DESC;

-- 6. The bounces: which recipient, the DSN's status and diagnostic.
SELECT toDateTime(toUInt32(ts), 'UTC') AS sent, mail_from,
       `recipients.addr` AS recipient, `recipients.bounce.status` AS status,
       `recipients.bounce.diagnostic` AS diagnostic
FROM smtpscope.messages FINAL
ARRAY JOIN recipients
WHERE `recipients.fate` = 'bounced'
ORDER BY sent DESC
LIMIT 100;

-- 7. Messages a relay said 250 to and never passed on (silent drops).
SELECT toDateTime(toUInt32(ts), 'UTC') AS accepted_at, sensor, mail_from,
       message_id, `recipients.addr` AS recipient
FROM smtpscope.messages FINAL
ARRAY JOIN recipients
WHERE `recipients.fate` = 'dropped'
ORDER BY accepted_at DESC
LIMIT 100;

-- 8. AUTH failures by client (password guessing on 587).
SELECT client_ip, sum(`auth.failures`) AS failures,
       uniqExact(`auth.user`) AS users, count() AS sessions
FROM smtpscope.sessions FINAL
WHERE `auth.failures` > 0
GROUP BY client_ip
ORDER BY failures DESC
LIMIT 50;

-- 9. Servers that greet late.
SELECT server_ip, count() AS sessions,
       round(quantile(0.5)(greeting_latency), 3) AS greeting_p50,
       round(quantile(0.99)(greeting_latency), 3) AS greeting_p99
FROM smtpscope.sessions FINAL
GROUP BY server_ip
ORDER BY greeting_p99 DESC
LIMIT 50;

-- 10. Alerts raised, by sensor and kind.
SELECT sensor, alert, count() AS raised
FROM smtpscope.events FINAL
WHERE type = 'alert' AND state = 'raised'
GROUP BY sensor, alert
ORDER BY raised DESC;

-- 11. Each sensor's capture: what its runs read and what they lost
--     (kernel drops live, gaps in streams), from the runs' summaries.
SELECT sensor, count() AS runs, sum(packets) AS packets,
       sum(ifNull(pcap_drops, 0)) AS kernel_drops, sum(gaps) AS gaps,
       sum(gap_bytes) AS gap_bytes, sum(no_handshake) AS no_handshake
FROM smtpscope.summaries FINAL
GROUP BY sensor
ORDER BY sensor;
