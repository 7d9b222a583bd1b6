-- smtpscope's JSON log in ClickHouse: the tables the clickhouse plugin
-- (plugins/clickhouse, --plugin clickhouse:url=...,database=smtpscope,
-- sensor=NAME) inserts into. Schema version 2.
-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- Load it with
--     clickhouse-client --multiquery < docs/clickhouse.sql
-- or, where smtpscope is installed (it holds this file, byte for byte),
--     smtpscope --clickhouse-schema | clickhouse-client --multiquery
-- or one statement per HTTP request (each statement ends with ";" at
-- the end of a line; tests/t-plugin-clickhouse.sh loads it that way).
-- It only creates what does not exist: loading it again changes nothing.
-- It works with ClickHouse 18.16 (Debian 12) and later.
--
-- ROWS. Each record of the log (docs/log-schema.md) is one row of the
-- table for its "type":
--     session -> sessions          transaction -> transactions
--     message -> messages          command -> commands
--     anomaly, alert, attempt, error -> events (the "type" column says which)
--     summary -> summaries
-- The columns are the record's keys, flattened:
--  - the members of an object are columns of their own, named with the
--    path of keys joined by dots: {"mail_params":{"size":0}} is the column
--    `mail_params.size`,
--  - an array of scalars is an Array column (`capabilities`),
--  - an array of objects is a ClickHouse Nested structure: one Array
--    column per key found in its elements (`rcpt_to.addr`,
--    `rcpt_to.code`, ...), of equal lengths, one element per object, NULL
--    where an object lacks the key; an array inside such an object is
--    its JSON text,
--  - an array of scalars inside an object (`headers.received`,
--    `headers.path`) is its JSON text in a String column: ClickHouse takes
--    the Array columns `headers.x` and `headers.y` for one Nested
--    structure and refuses a row whose arrays differ in length,
--  - a null, and an empty array, are left out: the column's default
--    stands for them (NULL in a Nullable column, [] in an Array column),
--  - true and false are 1 and 0 (UInt8).
-- Every row has besides `sensor` (the plugin's sensor=), `run` (one run
-- of smtpscope) and `seq` (the record's number in that run): (sensor,
-- run, seq) names one record; and `record`, the record's line of the
-- JSON log, whole (smtpscope trace --clickhouse reads it back). Times
-- (`ts`, `ts_end`) are seconds since the epoch (Float64, microseconds),
-- latencies and durations seconds.
--
-- INSERTING by hand (the plugin does the same): send the rows that have
-- the same Nested columns together, naming their columns:
--     INSERT INTO smtpscope.transactions (`sensor`, `run`, ...)
--         FORMAT JSONEachRow
-- ClickHouse then gives a Nested column left out (`rcpt_to.delivery_code`
-- outside LMTP) one NULL per element of its structure. Without the list,
-- ClickHouse 18.16 gives it [] and refuses the row (the arrays of one
-- Nested structure differ in length). Any other column a row lacks
-- takes its default.
--
-- DUPLICATES. The plugin retries a batch the server may or may not have
-- taken (a timeout, a server restarted, a spool sent again), so a row
-- can arrive twice. The tables are ReplacingMergeTree ordered by
-- (sensor, run, seq): the copies of a record are merged into one in the
-- background, at a time of ClickHouse's choosing. Until then count with
-- FINAL (SELECT count() FROM smtpscope.transactions FINAL WHERE ...), or
-- OPTIMIZE TABLE ... FINAL. A record's copies are identical, so which
-- one stays does not matter. The tables with a `ts` are partitioned by
-- its month (UTC); a record keeps its `ts`, so its copies share a
-- partition, where the merge finds them.
--
-- A CLUSTER. Run each statement with ON CLUSTER (the cluster of
-- <remote_servers> in the servers' configuration) to create the tables
-- on every server:
--     CREATE DATABASE IF NOT EXISTS smtpscope ON CLUSTER mail
--     CREATE TABLE IF NOT EXISTS smtpscope.sessions ON CLUSTER mail (...)
--         ENGINE = ReplacingMergeTree ...
-- (with replicas, ReplicatedReplacingMergeTree(
-- '/clickhouse/tables/{shard}/smtpscope/sessions', '{replica}') instead),
-- then a Distributed table over each local one, to read the whole
-- cluster:
--     CREATE TABLE IF NOT EXISTS smtpscope.sessions_all ON CLUSTER mail
--         AS smtpscope.sessions
--         ENGINE = Distributed(mail, smtpscope, sessions, cityHash64(sensor))
--     CREATE TABLE IF NOT EXISTS smtpscope.transactions_all ON CLUSTER mail
--         AS smtpscope.transactions
--         ENGINE = Distributed(mail, smtpscope, transactions,
--             cityHash64(sensor))
--     (the same for messages, commands, events and summaries)
-- ReplacingMergeTree merges the copies of a record only within one
-- server (one shard): every row of a sensor must go to the same shard.
-- Shard by the sensor, cityHash64(sensor) as above, never rand() (the
-- usual example in ClickHouse's documentation), which would send the
-- two copies of a retried row to two shards, where they stay two rows
-- for ever. Point each sensor's plugin at one server's local tables, or
-- at a database of Distributed tables with the local tables' names
-- (CREATE DATABASE smtpscope_cluster, then CREATE TABLE
-- smtpscope_cluster.sessions AS smtpscope.sessions ENGINE =
-- Distributed(mail, smtpscope, sessions, cityHash64(sensor)) for each
-- table, and database=smtpscope_cluster); SELECT ... FINAL from the
-- Distributed tables is then exact, as each shard merges its own.
--
-- A NEW VERSION of smtpscope that adds a key to the log adds its column
-- here, with the ALTER TABLE ... ADD COLUMN that brings tables of this
-- version up to it. A table without the column refuses an INSERT that
-- names it; the plugin leaves keys that are not columns out.
--
-- Version 2 added to summaries the checksum counters (bad_checksums,
-- ip_header_sums_mended); tables of version 1 take them with
--     ALTER TABLE smtpscope.summaries
--         ADD COLUMN bad_checksums UInt64 AFTER snaplen_cut_bytes,
--         ADD COLUMN ip_header_sums_mended UInt64 AFTER bad_checksums

CREATE DATABASE IF NOT EXISTS smtpscope;

-- One TCP connection ("type":"session").
CREATE TABLE IF NOT EXISTS smtpscope.sessions
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `session_id` UInt64,
    `uid` String,
    `community_id` Nullable(String),
    `ts` Float64,
    `client_ip` String,
    `client_port` UInt16,
    `server_ip` String,
    `server_port` UInt16,
    `duration` Float64,
    `bytes_client` UInt64,
    `bytes_server` UInt64,
    `transactions` UInt64,
    `end` String,
    `helo` String,
    `ehlo` UInt8,
    `greeting_code` Nullable(UInt16),
    `greeting_host` Nullable(String),
    `greeting_text` Nullable(String),
    `greeting_latency` Nullable(Float64),
    `capabilities` Array(String),
    `size_limit` Nullable(UInt64),
    `auth_mechanisms` Nullable(String),
    `starttls` UInt8,
    `tls` UInt8,
    `implicit_tls` UInt8,
    `tls_version` Nullable(String),
    `tls_client_version` Nullable(String),
    `tls_cipher` Nullable(String),
    `sni` Nullable(String),
    -- NULL when AUTH was not tried ("auth": null).
    `auth.mechanism` Nullable(String),
    `auth.user` Nullable(String),
    `auth.result` Nullable(String),
    `auth.code` Nullable(UInt16),
    `auth.attempts` Nullable(UInt64),
    `auth.failures` Nullable(UInt64),
    `auth.cleartext` Nullable(UInt8),
    `commands` UInt64,
    `replies` UInt64,
    `anomalies` UInt64,
    `lmtp` UInt8,
    `reversed` UInt8,
    `turn` Nullable(String),
    `submission` UInt8,
    -- Only for a session found inside a tunnel (--ports any).
    `tunnel.type` Nullable(String),
    `tunnel.target` Nullable(String),
    -- In the log only when true; 0 here otherwise.
    `midstream` UInt8,
    -- Only on a one-sided session: "server" or "client".
    `missing` Nullable(String),
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(
    toUInt32(least(greatest(ts, 0), 4102444799)), 'UTC'))
ORDER BY (sensor, run, seq);

-- One mail transaction ("type":"transaction").
CREATE TABLE IF NOT EXISTS smtpscope.transactions
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `session_id` UInt64,
    `uid` String,
    `community_id` Nullable(String),
    `ts` Float64,
    `client_ip` String,
    `client_port` UInt16,
    `server_ip` String,
    `server_port` UInt16,
    `trans_depth` UInt32,
    `helo` String,
    `verb` String,
    `mail_from` Nullable(String),
    `mail_code` Nullable(UInt16),
    `mail_enh` Nullable(String),
    `mail_text` Nullable(String),
    `mail_latency` Nullable(Float64),
    `mail_params.size` UInt64,
    `mail_params.body` Nullable(String),
    `mail_params.ret` Nullable(String),
    `mail_params.envid` Nullable(String),
    `mail_params.auth` Nullable(String),
    `mail_params.smtputf8` UInt8,
    `mail_params.requiretls` UInt8,
    -- Nested: one element per RCPT; delivery_* in LMTP only.
    `rcpt_to.addr` Array(Nullable(String)),
    `rcpt_to.code` Array(Nullable(UInt16)),
    `rcpt_to.enh` Array(Nullable(String)),
    `rcpt_to.text` Array(Nullable(String)),
    `rcpt_to.latency` Array(Nullable(Float64)),
    `rcpt_to.notify` Array(Nullable(String)),
    `rcpt_to.orcpt` Array(Nullable(String)),
    `rcpt_to.delivery_code` Array(Nullable(UInt16)),
    `rcpt_to.delivery_enh` Array(Nullable(String)),
    `rcpt_to.delivery_text` Array(Nullable(String)),
    `rcpt_to.delivery_latency` Array(Nullable(Float64)),
    `rcpt_count` UInt64,
    `rcpt_accepted` UInt64,
    `data_code` Nullable(UInt16),
    `data_enh` Nullable(String),
    `data_text` Nullable(String),
    `final_code` Nullable(UInt16),
    `final_enh` Nullable(String),
    `final_text` Nullable(String),
    `final_latency` Nullable(Float64),
    `queue_id` Nullable(String),
    `queue_id_form` Nullable(String),
    `outcome` String,
    `size` Nullable(UInt64),
    `last_reply` Nullable(String),
    `bounce` UInt8,
    `bdat` UInt8,
    `bdat_chunks` UInt64,
    `tls` UInt8,
    `ended_by` String,
    `ts_end` Float64,
    -- Nested: the commands refused while the transaction was open.
    `refused.command` Array(Nullable(String)),
    `refused.argument` Array(Nullable(String)),
    `refused.code` Array(Nullable(UInt16)),
    `refused.enh` Array(Nullable(String)),
    `refused.text` Array(Nullable(String)),
    `reversed` UInt8,
    `lmtp` UInt8,
    `assumed` UInt8,
    -- [] where the log has null.
    `capture_loss` Array(String),
    `submission_without_auth` UInt8,
    -- In the log only when true; 0 here otherwise.
    `partial` UInt8,
    -- The message's headers; NULL when no message data was seen
    -- ("headers": null).
    `headers.date` Nullable(String),
    `headers.from` Nullable(String),
    `headers.to` Nullable(String),
    `headers.cc` Nullable(String),
    `headers.reply_to` Nullable(String),
    `headers.msg_id` Nullable(String),
    `headers.in_reply_to` Nullable(String),
    `headers.subject` Nullable(String),
    `headers.x_originating_ip` Nullable(String),
    `headers.user_agent` Nullable(String),
    `headers.subject_words_undecoded` Nullable(UInt64),
    `headers.return_path` Nullable(String),
    -- JSON text of the array of Received values (NULL: none).
    `headers.received` Nullable(String),
    -- Nested: one element per Received field, taken apart.
    `headers.received_parts.from` Array(Nullable(String)),
    `headers.received_parts.by` Array(Nullable(String)),
    `headers.received_parts.via` Array(Nullable(String)),
    `headers.received_parts.with` Array(Nullable(String)),
    `headers.received_parts.id` Array(Nullable(String)),
    `headers.received_parts.for` Array(Nullable(String)),
    `headers.received_parts.date` Array(Nullable(String)),
    -- JSON text of the array of relay addresses (NULL: none).
    `headers.path` Nullable(String),
    `headers.truncated` Nullable(UInt8),
    -- A delivery status notification; NULL otherwise ("dsn": null).
    `dsn.reporting_mta` Nullable(String),
    `dsn.original_envelope_id` Nullable(String),
    `dsn.queue_id` Nullable(String),
    `dsn.returned_message_id` Nullable(String),
    `dsn.returned_queue_id` Nullable(String),
    `dsn.returned_by` Nullable(String),
    -- Nested: one element per recipient the DSN reports on.
    `dsn.recipients.final_recipient` Array(Nullable(String)),
    `dsn.recipients.original_recipient` Array(Nullable(String)),
    `dsn.recipients.action` Array(Nullable(String)),
    `dsn.recipients.status` Array(Nullable(String)),
    `dsn.recipients.diagnostic_code` Array(Nullable(String)),
    `dsn.recipients.remote_mta` Array(Nullable(String)),
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(
    toUInt32(least(greatest(ts, 0), 4102444799)), 'UTC'))
ORDER BY (sensor, run, seq);

-- A message followed across hops ("type":"message", message tracking).
CREATE TABLE IF NOT EXISTS smtpscope.messages
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `id` UInt64,
    `ts` Float64,
    `ts_end` Float64,
    `message_id` Nullable(String),
    `mail_from` Nullable(String),
    `envid` Nullable(String),
    `size` UInt64,
    `dsn` UInt8,
    `bounce_of` Nullable(UInt64),
    -- Nested: one element per recipient. `recipients.bounce` is NULL for
    -- every element (the log's "bounce": null); the DSN that reported on
    -- a recipient is in `recipients.bounce.*`.
    `recipients.addr` Array(Nullable(String)),
    `recipients.fate` Array(Nullable(String)),
    `recipients.hop` Array(Nullable(UInt32)),
    `recipients.code` Array(Nullable(UInt16)),
    `recipients.enh` Array(Nullable(String)),
    `recipients.text` Array(Nullable(String)),
    `recipients.attempts` Array(Nullable(UInt64)),
    `recipients.deferrals` Array(Nullable(UInt64)),
    `recipients.bounce` Array(Nullable(UInt8)),
    `recipients.bounce.message` Array(Nullable(UInt64)),
    `recipients.bounce.link` Array(Nullable(String)),
    `recipients.bounce.action` Array(Nullable(String)),
    `recipients.bounce.status` Array(Nullable(String)),
    `recipients.bounce.diagnostic` Array(Nullable(String)),
    `recipients.bounce_missing` Array(Nullable(UInt8)),
    `recipients_dropped` UInt64,
    -- Nested: one element per hop (transaction) that carried it.
    `hops.session_id` Array(Nullable(UInt64)),
    `hops.trans_depth` Array(Nullable(UInt32)),
    `hops.ts` Array(Nullable(Float64)),
    `hops.client_ip` Array(Nullable(String)),
    `hops.server_ip` Array(Nullable(String)),
    `hops.server_port` Array(Nullable(UInt16)),
    `hops.server_name` Array(Nullable(String)),
    `hops.queue_id` Array(Nullable(String)),
    `hops.from_hop` Array(Nullable(UInt32)),
    `hops.link` Array(Nullable(String)),
    `hops.queue_time` Array(Nullable(Float64)),
    `hops_dropped` UInt64,
    `settled` Nullable(String),
    `partial` UInt8,
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(
    toUInt32(least(greatest(ts, 0), 4102444799)), 'UTC'))
ORDER BY (sensor, run, seq);

-- A command outside any transaction, with its reply ("type":"command").
CREATE TABLE IF NOT EXISTS smtpscope.commands
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `session_id` UInt64,
    `uid` String,
    `community_id` Nullable(String),
    `ts` Float64,
    `client_ip` String,
    `client_port` UInt16,
    `server_ip` String,
    `server_port` UInt16,
    `command` String,
    `argument` String,
    `code` Nullable(UInt16),
    `enh` Nullable(String),
    `text` Nullable(String),
    `lines` Array(String),
    `lines_dropped` UInt64,
    `latency` Nullable(Float64),
    `reversed` UInt8,
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(
    toUInt32(least(greatest(ts, 0), 4102444799)), 'UTC'))
ORDER BY (sensor, run, seq);

-- The records of four types, apart from the others' columns: "anomaly"
-- (session_id ... name), "alert" (id ... window), "attempt" (ts_end ...
-- at_end) and "error" (error: a record too large to write, which has
-- no ts: 0 here). A column a type does not have is NULL.
CREATE TABLE IF NOT EXISTS smtpscope.events
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `ts` Float64 DEFAULT 0,
    `session_id` Nullable(UInt64),
    `uid` Nullable(String),
    `community_id` Nullable(String),
    `client_ip` Nullable(String),
    `client_port` Nullable(UInt16),
    `server_ip` Nullable(String),
    `server_port` Nullable(UInt16),
    `name` Nullable(String),
    `id` Nullable(UInt64),
    `alert` Nullable(String),
    `state` Nullable(String),
    `subject` Nullable(String),
    `value` Nullable(Float64),
    `threshold` Nullable(Float64),
    `latency_limit` Nullable(Float64),
    `samples` Nullable(UInt64),
    `window` Nullable(Float64),
    `ts_end` Nullable(Float64),
    `result` Nullable(String),
    `syns` Nullable(UInt64),
    `waited` Nullable(Float64),
    `at_end` Nullable(UInt8),
    `error` Nullable(String),
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(
    toUInt32(least(greatest(ts, 0), 4102444799)), 'UTC'))
ORDER BY (sensor, run, seq);

-- The last record of a run, or of each file of a rotated log
-- ("type":"summary"). It has no ts: not partitioned.
CREATE TABLE IF NOT EXISTS smtpscope.summaries
(
    `sensor` String,
    `run` UInt64,
    `seq` UInt64,
    `type` String,
    `sessions` UInt64,
    `transactions` UInt64,
    `messages_accepted` UInt64,
    `recipients_accepted` UInt64,
    `recipients` UInt64,
    `rejected` UInt64,
    `tempfail` UInt64,
    `lost` UInt64,
    `aborted` UInt64,
    `unknown` UInt64,
    `dropped` UInt64,
    `unknown_capture_loss` UInt64,
    `assumed` UInt64,
    `refused_in_transactions` UInt64,
    `submission_without_auth` UInt64,
    `cleartext_auth_sessions` UInt64,
    `lmtp_sessions` UInt64,
    `reversed_sessions` UInt64,
    `pcap_drops` Nullable(UInt64),
    `pcap_ifdrops` Nullable(UInt64),
    `no_handshake` UInt64,
    `attempts_refused` UInt64,
    `attempts_unanswered` UInt64,
    `attempts_untracked` UInt64,
    `midstream` UInt64,
    `one_sided_client` UInt64,
    `one_sided_server` UInt64,
    `packets` UInt64,
    `bytes` UInt64,
    `tcp_packets` UInt64,
    `ipv6_packets` UInt64,
    `not_ip` UInt64,
    `truncated_headers` UInt64,
    `bad_headers` UInt64,
    `reused_tuples` UInt64,
    `idle_expired` UInt64,
    `clock_jumps` UInt64,
    `clock_jump_max` Float64,
    `timestamps_replaced` UInt64,
    `max_active_sessions` UInt64,
    `sessions_evicted` UInt64,
    `sessions_evicted_memory` UInt64,
    `gaps` UInt64,
    `gap_bytes` UInt64,
    `snaplen_cut` UInt64,
    `snaplen_cut_bytes` UInt64,
    -- In the log only when not 0 (0 here then); version 2.
    `bad_checksums` UInt64,
    `ip_header_sums_mended` UInt64,
    -- Only with --ports any, once a connection was judged by content.
    `by_content.judged` Nullable(UInt64),
    `by_content.smtp` Nullable(UInt64),
    `by_content.tunnels` Nullable(UInt64),
    `by_content.released` Nullable(UInt64),
    `by_content.released_packets` Nullable(UInt64),
    `receiver.fragments` UInt64,
    `receiver.reassembled` UInt64,
    `receiver.fragment_overlaps` UInt64,
    `receiver.fragment_timeouts` UInt64,
    `receiver.fragment_evicted` UInt64,
    `receiver.segments_held` UInt64,
    `receiver.segment_conflicts` UInt64,
    `receiver.segments_dropped` UInt64,
    `receiver.queues_evicted` UInt64,
    `receiver.rst_ignored` UInt64,
    `receiver.syn_ignored` UInt64,
    `receiver.ipv6_standins_recycled` UInt64,
    `receiver.ipv6_standins_full` UInt64,
    `libnids_warnings.ip_oversized` UInt64,
    `libnids_warnings.ip_invalid_fragment_list` UInt64,
    `libnids_warnings.ip_overlapping_fragments` UInt64,
    `libnids_warnings.ip_bad_header` UInt64,
    `libnids_warnings.ip_source_routed` UInt64,
    `libnids_warnings.tcp_too_many_streams` UInt64,
    `libnids_warnings.tcp_bad_header` UInt64,
    `libnids_warnings.tcp_queue_too_big` UInt64,
    `libnids_warnings.tcp_bad_flags` UInt64,
    `libnids_warnings.total` UInt64,
    -- Sessions with each anomaly kind.
    `anomalies.line_too_long` UInt64,
    `anomalies.unsolicited_reply` UInt64,
    `anomalies.bad_reply` UInt64,
    `anomalies.command_before_greeting` UInt64,
    `anomalies.data_after_quit` UInt64,
    `anomalies.pipeline_overflow` UInt64,
    `anomalies.too_many_recipients` UInt64,
    `anomalies.body_before_354` UInt64,
    `anomalies.bad_bdat` UInt64,
    `anomalies.non_smtp` UInt64,
    `anomalies.no_reply` UInt64,
    `anomalies.gap` UInt64,
    `anomalies.not_tls` UInt64,
    `anomalies.unknown_command` UInt64,
    `anomalies.headers_truncated` UInt64,
    `anomalies.reply_code_mismatch` UInt64,
    `anomalies.lmtp_on_port_25` UInt64,
    `anomalies.submission_without_auth` UInt64,
    `anomalies.cleartext_auth` UInt64,
    `anomalies.reply_lost` UInt64,
    `anomalies.overlap_conflict` UInt64,
    `anomalies.rst_in_window` UInt64,
    `anomalies.syn_on_established` UInt64,
    `anomalies.clock_jump` UInt64,
    `anomalies.timestamp_replaced` UInt64,
    -- Alerts by kind: raised and cleared in the span, active at its end.
    `alerts.reject_rate.raised` UInt64,
    `alerts.reject_rate.cleared` UInt64,
    `alerts.reject_rate.active` UInt64,
    `alerts.tempfail_rate.raised` UInt64,
    `alerts.tempfail_rate.cleared` UInt64,
    `alerts.tempfail_rate.active` UInt64,
    `alerts.lost_rate.raised` UInt64,
    `alerts.lost_rate.cleared` UInt64,
    `alerts.lost_rate.active` UInt64,
    `alerts.auth_failures.raised` UInt64,
    `alerts.auth_failures.cleared` UInt64,
    `alerts.auth_failures.active` UInt64,
    `alerts.greeting_latency.raised` UInt64,
    `alerts.greeting_latency.cleared` UInt64,
    `alerts.greeting_latency.active` UInt64,
    `alerts.final_latency.raised` UInt64,
    `alerts.final_latency.cleared` UInt64,
    `alerts.final_latency.active` UInt64,
    `alerts.kernel_drops.raised` UInt64,
    `alerts.kernel_drops.cleared` UInt64,
    `alerts.kernel_drops.active` UInt64,
    `alerts.connect_failures.raised` UInt64,
    `alerts.connect_failures.cleared` UInt64,
    `alerts.connect_failures.active` UInt64,
    `input_damaged` UInt8,
    -- Message tracking; NULL with --no-track ("tracking": null).
    `tracking.messages` Nullable(UInt64),
    `tracking.message_records` Nullable(UInt64),
    `tracking.multi_hop` Nullable(UInt64),
    `tracking.dsn` Nullable(UInt64),
    `tracking.dsn_unlinked` Nullable(UInt64),
    `tracking.evicted` Nullable(UInt64),
    `tracking.linked_queue_id` Nullable(UInt64),
    `tracking.linked_envelope` Nullable(UInt64),
    `tracking.linked_message_id` Nullable(UInt64),
    `tracking.bounces_linked` Nullable(UInt64),
    `tracking.bounce_missing` Nullable(UInt64),
    `tracking.recipients.unknown` Nullable(UInt64),
    `tracking.recipients.delivered` Nullable(UInt64),
    `tracking.recipients.rejected` Nullable(UInt64),
    `tracking.recipients.deferred` Nullable(UInt64),
    `tracking.recipients.dropped` Nullable(UInt64),
    `tracking.recipients.queued` Nullable(UInt64),
    `tracking.recipients.bounced` Nullable(UInt64),
    -- Records each output could not write; NULL for an output not in use.
    `not_written.log` Nullable(UInt64),
    `not_written.zeek_log` Nullable(UInt64),
    `not_written.transcript` Nullable(UInt64),
    -- Only in a log rotated by --rotate or --rotate-size.
    `interval.seq` Nullable(UInt64),
    `interval.start` Nullable(Float64),
    `interval.end` Nullable(Float64),
    `interval.sessions_closed` Nullable(UInt64),
    -- The record's line of the JSON log, whole.
    `record` String
)
ENGINE = ReplacingMergeTree
ORDER BY (sensor, run, seq);
