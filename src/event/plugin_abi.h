/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plugin ABI's side of the host: the structures of
 * include/smtpscope/plugin.h filled from the internal model (model.h)
 * for each event, and the host services that name the ABI's values.
 * The program's model may change freely; only this file follows it, so
 * that a plugin built against an older revision of ABI 3 keeps working.
 *
 * No dlopen here (plugins.c loads): the fuzz targets of the plugins use
 * it as it is.
 */
#ifndef SMTPSCOPE_PLUGIN_ABI_H
#define SMTPSCOPE_PLUGIN_ABI_H

#include <smtpscope/plugin.h>

#include "event/event.h"
#include "event/health.h"

/* Where an event's ABI structures are built: blocks reused from one
 * event to the next (everything is valid for the call only). */
struct abi_block;
struct abi {
	struct abi_block *blocks; /* the first is kept across events */
	struct abi_block *cur;
	struct smtpscope_event ev;
	struct smtpscope_session session;
	struct smtpscope_tls tls;
	struct smtpscope_alert alert;
	struct smtpscope_attempt attempt;
};

void abi_init(struct abi *a);
void abi_free(struct abi *a);

/* The ABI's view of ev, valid until the next call. */
const struct smtpscope_event *abi_event(
    struct abi *a, const struct smtp_event *ev);

/* The capture's health as tick() gets it. */
void abi_health(const struct health *in, struct smtpscope_health *out);
/* A record of the JSON log as the plugins see it (SMTPSCOPE_EV_RECORD,
 * revision 7): *ev filled, its type copied into tname (cut to fit). */
#define ABI_RECORD_TYPE_MAX 32
void abi_record_event(struct smtpscope_event *ev,
    char tname[ABI_RECORD_TYPE_MAX], double ts, const char *type,
    size_t type_len, const char *json, size_t len);

/* The internal values as the ABI numbers them. */
enum smtpscope_verb abi_verb(enum smtp_verb v);
enum smtpscope_outcome abi_outcome(enum smtp_outcome o);
enum smtpscope_fate abi_fate(enum smtp_fate f);
enum smtpscope_anomaly abi_anomaly(enum smtp_anomaly k);
enum smtpscope_session_end abi_session_end(enum smtp_session_end e);
enum smtpscope_auth_result abi_auth_result(enum smtp_auth_result r);
enum smtpscope_event_type abi_event_type(enum smtp_event_type t);
enum smtpscope_alert_kind abi_alert_kind(enum smtp_alert_kind k);
unsigned abi_caps(unsigned internal_bits);
unsigned abi_loss(unsigned internal_bits);

/* Fills host's abi, struct_size and naming services (the loader adds
 * ctx, log, counter, want_body and live). */
void abi_host_services(struct smtpscope_host *host);

/* The services themselves: names as the JSON log writes them, "unknown"
 * for a value this host does not know (abi_cap_name: NULL for a bit no
 * capability has, so that the bits can be walked until NULL). */
const char *abi_outcome_name(enum smtpscope_outcome o);
const char *abi_fate_name(enum smtpscope_fate f);
const char *abi_verb_name(enum smtpscope_verb v);
const char *abi_anomaly_name(enum smtpscope_anomaly a);
const char *abi_session_end_name(enum smtpscope_session_end e);
const char *abi_cap_name(unsigned bit_index);
void abi_addr_str(const struct smtpscope_endpoint *ep, char *buf, size_t size);

#endif
