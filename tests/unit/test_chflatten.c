/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the clickhouse plugin's flattener
 * (plugins/clickhouse/flatten.c): each rule of flatten.h (objects to
 * dotted keys, scalars, arrays of scalars, arrays of objects as Nested
 * columns, other arrays as JSON texts, nulls and empty arrays left out,
 * arrays inside objects as JSON texts), the row's keys sensor, run and
 * seq first and winning, a key met twice, the escapes written again,
 * numbers kept as written, blanks between tokens; what is refused
 * (malformed JSON, a record cut at every byte, each copy in a buffer of
 * its exact size so that ASan sees a read past it; nesting past 32; a
 * record over 1 MiB; a row that would grow past 4 MiB, or keys too long
 * to hash over and over), a workspace used again after a refusal; the
 * exact row of a real transaction record; and the INSERT statements
 * made of a batch of rows (insert.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../plugins/clickhouse/clickhouse.h"
#include "../../plugins/clickhouse/flatten.h"

#include "check.h"

static struct chf *w, *reader;

/* The members chf_row_keys() finds in a row, compared in turn with
 * those chf_flatten() noted. */
struct key_walk {
	const char *row;
	const struct chf_key *noted;
	size_t n, i;
	bool same;
};

static void
on_row_key(void *arg, const char *key, size_t len, bool array)
{
	struct key_walk *k = arg;

	if (k->i >= k->n || key != k->row + k->noted[k->i].off ||
	    len != k->noted[k->i].len || array != k->noted[k->i].array)
		k->same = false;
	k->i++;
}

static const struct chf_keys keys = {
	.sensor = "s1", .sensor_len = 2, .run = 42, .seq = 7
};

#define HEAD "{\"sensor\":\"s1\",\"run\":\"42\",\"seq\":7"

/* The row of in[0..n) (malloc'd, NUL-terminated), or NULL with *st
 * set. The text is copied into a buffer of its exact size first. */
static char *
flat_n(const char *in, size_t n, const struct chf_keys *k, enum chf_status *st)
{
	const char *out;
	size_t outlen;
	char *copy = malloc(n > 0 ? n : 1), *row = NULL;

	memcpy(copy, in, n);
	*st = chf_flatten(w, copy, n, k, &out, &outlen);
	if (*st == CHF_OK) {
		struct key_walk kw = { .row = out, .same = true };

		kw.noted = chf_flat_keys(w, &kw.n);
		CHECK_INT(
		    chf_row_keys(reader, out, outlen, on_row_key, &kw), CHF_OK);
		CHECK(kw.same && kw.i == kw.n);
		row = malloc(outlen + 1);
		memcpy(row, out, outlen);
		row[outlen] = '\0';
	}
	free(copy);
	return row;
}

/* in flattens to HEAD followed by want (",..." and the closing brace). */
static bool
row_is_at(const char *file, int line, const char *in, const char *want)
{
	enum chf_status st;
	char *row = flat_n(in, strlen(in), &keys, &st);
	char full[4096];
	bool ok;

	snprintf(full, sizeof(full), "%s%s", HEAD, want);
	if (!check_at(
		file, line, st == CHF_OK, "%s: %s", in, chf_status_text(st)))
		return false;
	ok = check_str_at(file, line, in, row, full);
	free(row);
	return ok;
}

#define ROW_IS(in, want) row_is_at(__FILE__, __LINE__, (in), (want))

static bool
refused_at(
    const char *file, int line, const char *in, size_t n, enum chf_status want)
{
	enum chf_status st;
	char *row = flat_n(in, n, &keys, &st);
	bool ok = check_at(file, line, st == want && row == NULL,
	    "%.*s: got \"%s\", want \"%s\"", (int)(n < 80 ? n : 80), in,
	    chf_status_text(st), chf_status_text(want));

	free(row);
	return ok;
}

#define REFUSED(in, want) \
	refused_at(__FILE__, __LINE__, (in), strlen(in), (want))

/* Rule 1: an object's members at P.K; rule 2: scalars as they are. */
static void
test_objects_and_scalars(void)
{
	ROW_IS("{\"mail_params\":{\"size\":0}}", ",\"mail_params.size\":0}");
	ROW_IS("{\"a\":{\"b\":{\"c\":\"x\"},\"d\":true},\"e\":false}",
	    ",\"a.b.c\":\"x\",\"a.d\":true,\"e\":false}");
	ROW_IS("{\"t\":true,\"f\":false,\"s\":\"\"}",
	    ",\"t\":true,\"f\":false,\"s\":\"\"}");
	/* Numbers exactly as written. */
	ROW_IS("{\"a\":1.50,\"b\":-0,\"c\":1E+5,\"d\":2.5e-3,"
	       "\"e\":123456789012345678901234567890,\"f\":0.000001}",
	    ",\"a\":1.50,\"b\":-0,\"c\":1E+5,\"d\":2.5e-3,"
	    "\"e\":123456789012345678901234567890,\"f\":0.000001}");
	/* An empty object gives no key; the record's own {} just the
	 * row's. */
	ROW_IS("{\"a\":{},\"b\":1}", ",\"b\":1}");
	ROW_IS("{}", "}");
	/* Keys in the order first seen. */
	ROW_IS("{\"z\":1,\"a\":{\"z\":2,\"a\":3},\"m\":4}",
	    ",\"z\":1,\"a.z\":2,\"a.a\":3,\"m\":4}");
}

/* Rule 3: arrays of scalars, and empty arrays, as they are. */
static void
test_scalar_arrays(void)
{
	ROW_IS("{\"caps\":[\"PIPELINING\",\"SIZE\"]}",
	    ",\"caps\":[\"PIPELINING\",\"SIZE\"]}");
	ROW_IS("{\"m\":[1,\"a\",null,true,false,2.50]}",
	    ",\"m\":[1,\"a\",null,true,false,2.50]}");
	ROW_IS(
	    "{\"s\":[\"t\\tab\",\"q\\\"\"]}", ",\"s\":[\"t\\tab\",\"q\\\"\"]}");
}

/* Rule 4: arrays of objects as Nested columns. */
static void
test_nested(void)
{
	ROW_IS("{\"rcpt\":[{\"addr\":\"a@x\",\"code\":250},"
	       "{\"addr\":\"b@x\",\"code\":550}]}",
	    ",\"rcpt.addr\":[\"a@x\",\"b@x\"],\"rcpt.code\":[250,550]}");
	/* A leaf missing from an element: null there; leaves in the order
	 * first seen over all the elements. */
	ROW_IS("{\"p\":[{\"a\":1},{\"b\":2,\"a\":3},{}]}",
	    ",\"p.a\":[1,3,null],\"p.b\":[null,2,null]}");
	/* Objects inside an element: dotted leaves. */
	ROW_IS(
	    "{\"p\":[{\"a\":{\"b\":1,\"c\":{\"d\":\"x\"}}},{\"a\":{\"b\":2}}]}",
	    ",\"p.a.b\":[1,2],\"p.a.c.d\":[\"x\",null]}");
	/* Arrays inside an element (of scalars, of objects, empty): their
	 * JSON text, a string. */
	ROW_IS("{\"p\":[{\"l\":[\"a\",\"b\"]},{\"l\":[{\"x\":1}]},{\"l\":[]}]}",
	    ",\"p.l\":[\"[\\\"a\\\",\\\"b\\\"]\",\"[{\\\"x\\\":1}]\",\"[]\"]}");
	/* Inside an object, and beside other keys. */
	ROW_IS("{\"h\":{\"received_parts\":[{\"from\":\"a\",\"by\":null}],"
	       "\"id\":1},\"z\":0}",
	    ",\"h.received_parts.from\":[\"a\"],\"h.received_parts.by\":[null]"
	    ",\"h.id\":1,\"z\":0}");
	/* Elements without members: no key at all. */
	ROW_IS("{\"p\":[{},{}],\"q\":1}", ",\"q\":1}");
	/* The same key twice in an element: its first value. */
	ROW_IS("{\"p\":[{\"a\":1,\"a\":2},{\"a\":3}]}", ",\"p.a\":[1,3]}");
}

/* Rule 5: other arrays as arrays of JSON texts. */
static void
test_mixed_arrays(void)
{
	ROW_IS("{\"m\":[{\"a\":1},2]}", ",\"m\":[\"{\\\"a\\\":1}\",\"2\"]}");
	ROW_IS("{\"m\":[[1,2],[3]]}", ",\"m\":[\"[1,2]\",\"[3]\"]}");
	ROW_IS("{\"m\":[\"s\",[1],null]}",
	    ",\"m\":[\"\\\"s\\\"\",\"[1]\",\"null\"]}");
	ROW_IS("{\"m\":[[]]}", ",\"m\":[\"[]\"]}");
	/* Text inside is canonical: no blanks, escapes written again. */
	ROW_IS("{\"m\":[ { \"a\" : [ 1 , \"\\u0041\" ] } , 1 ]}",
	    ",\"m\":[\"{\\\"a\\\":[1,\\\"A\\\"]}\",\"1\"]}");
}

/* Rule 6: nulls and empty arrays give no key (outside the elements of
 * rule 4, where a null is a value). */
static void
test_left_out(void)
{
	ROW_IS("{\"n\":null,\"t\":true,\"o\":{\"n\":null,\"e\":[]},"
	       "\"e\":[],\"f\":0}",
	    ",\"t\":true,\"f\":0}");
	ROW_IS("{\"p\":[{\"a\":null,\"e\":[]},{\"a\":1}]}",
	    ",\"p.a\":[null,1],\"p.e\":[\"[]\",null]}");
	/* A key left out is not taken: a later one of the same name is. */
	ROW_IS("{\"a\":null,\"a\":2}", ",\"a\":2}");
	ROW_IS("{\"n\":null}", "}");
}

/* Rule 7: an array other than of objects at a path with a dot (inside
 * an object) is its JSON text. */
static void
test_dotted_arrays(void)
{
	ROW_IS("{\"headers\":{\"received\":[\"from a\\tby b\"],"
	       "\"path\":[\"1.2.3.4\",\"5.6.7.8\"],\"n\":[1,null]}}",
	    ",\"headers.received\":\"[\\\"from a\\\\tby b\\\"]\","
	    "\"headers.path\":\"[\\\"1.2.3.4\\\",\\\"5.6.7.8\\\"]\","
	    "\"headers.n\":\"[1,null]\"}");
	/* Mixed, or arrays in it: the whole array's text too. */
	ROW_IS("{\"o\":{\"m\":[{\"a\":1},2],\"l\":[[1],[]]}}",
	    ",\"o.m\":\"[{\\\"a\\\":1},2]\",\"o.l\":\"[[1],[]]\"}");
	/* A dot in a key of the record itself counts. */
	ROW_IS(
	    "{\"a.b\":[1,2],\"c\":[1,2]}", ",\"a.b\":\"[1,2]\",\"c\":[1,2]}");
	/* Arrays of objects stay Nested at any depth; empty, no key. */
	ROW_IS("{\"o\":{\"p\":[{\"x\":1}],\"q\":[]}}", ",\"o.p.x\":[1]}");
}

/* The row's keys come first and win; a key met twice keeps its first
 * value. */
static void
test_keys(void)
{
	struct chf_keys k = { .sensor = "mx \"1\"\x01",
		.sensor_len = 7,
		.run = 18446744073709551615ull,
		.seq = 1 };
	enum chf_status st;
	char *row;

	ROW_IS("{\"sensor\":\"x\",\"a\":1,\"run\":5,\"seq\":{\"n\":1},"
	       "\"seq\":9}",
	    ",\"a\":1,\"seq.n\":1}");
	ROW_IS("{\"a\":1,\"a\":2}", ",\"a\":1}");
	/* with_record: the record whole, as a string, after seq; the
	 * record's own "record" gives way. */
	{
		struct chf_keys kr = keys;
		const char *in = "{\"a\":\"x\\\"y\",\"record\":1}";

		kr.with_record = true;
		row = flat_n(in, strlen(in), &kr, &st);
		CHECK(row != NULL &&
		    strcmp(row,
			HEAD ",\"record\":\"{\\\"a\\\":\\\"x\\\\\\\"y\\\","
			     "\\\"record\\\":1}\",\"a\":\"x\\\"y\"}") == 0);
		free(row);
	}
	ROW_IS("{\"a.b\":1,\"a\":{\"b\":2,\"c\":3}}", ",\"a.b\":1,\"a.c\":3}");
	ROW_IS("{\"p\":[{\"q\":1}],\"p.q\":2}", ",\"p.q\":[1]}");
	/* An empty key, at the top and inside an object. */
	ROW_IS("{\"\":1,\"a\":{\"\":2},\"b\":[{\"\":3}]}",
	    ",\"\":1,\"a.\":2,\"b.\":[3]}");
	/* "sen\u0073or" is "sensor". */
	ROW_IS("{\"sen\\u0073or\":1,\"b\":2}", ",\"b\":2}");
	row = flat_n("{\"a\":1}", 7, &k, &st);
	CHECK_STR(row,
	    "{\"sensor\":\"mx \\\"1\\\"\\u0001\",\"run\":"
	    "\"18446744073709551615\",\"seq\":1,\"a\":1}");
	free(row);
}

/* Strings and keys written again with JSON's escapes. */
static void
test_escapes(void)
{
	/* \u escapes decoded (UTF-8), control characters as escapes. */
	ROW_IS("{\"s\":\"\\u00e9\\u4e2d\\/\\b\\f\\n\\r\\t\\u0001\\u001f\"}",
	    ",\"s\":\"\xc3\xa9\xe4\xb8\xad/\\b\\f\\n\\r\\t\\u0001\\u001f\"}");
	/* A surrogate pair: one character; a lone surrogate: U+FFFD. */
	ROW_IS("{\"s\":\"\\ud83d\\ude00|\\ud800|\\udc00x|\\ud800\\u0041\"}",
	    ",\"s\":\"\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbdx|"
	    "\xef\xbf\xbd"
	    "A\"}");
	/* NUL stays an escape; the quote and the backslash too; DEL and
	 * UTF-8 as they are. */
	ROW_IS("{\"s\":\"a\\u0000b\\\"\\\\\x7f\xc3\xa9\"}",
	    ",\"s\":\"a\\u0000b\\\"\\\\\x7f\xc3\xa9\"}");
	/* Keys: decoded, escaped again. */
	ROW_IS("{\"k\\u00e9\\n\":{\"q\\\"\":1}}", ",\"k\xc3\xa9\\n.q\\\"\":1}");
	/* Blanks between tokens. */
	ROW_IS(" \r\n\t{ \"a\" : [ 1 , 2 ] ,\n\"b\" :{ \"c\" : -1.5 } } \n",
	    ",\"a\":[1,2],\"b.c\":-1.5}");
}

/* Bytes as the inside of a JSON string, one at a time: what the row's
 * escapes must be. */
static size_t
escape_ref(char *o, const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if (c == '\n') {
			k += (size_t)sprintf(o + k, "\\n");
		} else if (c == '\t') {
			k += (size_t)sprintf(o + k, "\\t");
		} else if (c < 0x20) {
			k += (size_t)sprintf(o + k, "\\u%04x", c);
		} else {
			o[k++] = (char)c;
		}
	}
	return k;
}

/* Long strings, escapes at every place in the words and across the
 * chunks the escaping goes by: a value whose escapes are written again
 * as they were, and the record whole (its blanks escaped too). */
static void
test_long_escapes(void)
{
	static const char *const bits[] = { "a", "bcdefgh", "\\\"", "\\\\",
		"\\n", "\\t", "\\u0001", "\\u001f", "\xc3\xa9", "\x7f",
		"0123456789" };
	const struct chf_keys rk = { .sensor = "s1",
		.sensor_len = 2,
		.run = 42,
		.seq = 7,
		.with_record = true };
	static char in[8192], text[8192], want[65536];
	unsigned seed = 1;
	size_t len, tlen, n, k;
	int round;

	for (round = 0; round < 200; round++) {
		enum chf_status st;
		char *row;

		tlen = 0;
		len = (size_t)round * 7 % 1700;
		while (tlen < len) {
			const char *b;

			seed = seed * 1103515245u + 12345u;
			b = bits[(seed >> 16) %
			    (sizeof(bits) / sizeof(bits[0]))];
			memcpy(text + tlen, b, strlen(b));
			tlen += strlen(b);
		}
		n = (size_t)snprintf(
		    in, sizeof(in), "{\"s\":\n\t\"%.*s\"}", (int)tlen, text);
		k = (size_t)snprintf(
		    want, sizeof(want), "%s,\"record\":\"", HEAD);
		k += escape_ref(want + k, in, n);
		k += (size_t)snprintf(want + k, sizeof(want) - k,
		    "\",\"s\":\"%.*s\"}", (int)tlen, text);
		row = flat_n(in, n, &rk, &st);
		if (CHECK_INT(st, CHF_OK))
			CHECK_STR(row, want);
		free(row);
	}
}

/* What is not one JSON object. */
static void
test_malformed(void)
{
	static const char *const bad[] = { "", " ", "[]", "1", "\"s\"", "null",
		"{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}",
		"{,\"a\":1}", "{\"a\":1 \"b\":2}", "{} x", "{}{}",
		"{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":[}", "{\"a\":{]}",
		"{a:1}", "{'a':1}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u12g4\"}", "{\"a\":\"x}", "{\"a\":\"\\\"}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":.5}",
		"{\"a\":1e}", "{\"a\":1e+}", "{\"a\":+1}", "{\"a\":tru}",
		"{\"a\":nul}", "{\"a\":True}", "{\"a\":NaN}",
		"{\"a\":Infinity}", "{\"a\":0x10}", "{\"a\":\"\t\"}",
		"{\"a\":\"\n\"}", "{\"a\":1}\x01" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		REFUSED(bad[i], CHF_MALFORMED);
	/* A NUL inside is malformed, not an end. */
	refused_at(__FILE__, __LINE__, "{\"a\":1}\0", 8, CHF_MALFORMED);
	refused_at(__FILE__, __LINE__, "{\"a\":\"\0\"}", 8, CHF_MALFORMED);
}

/* A transaction record of smtpscope -r captures/bounce-dsn.pcap -w -
 * (two recipients, a Received field and its parts, nulls, booleans, an
 * empty array, tabs escaped). */
static const char tx_record[] =
    "{\"type\":\"transaction\",\"session_id\":2,\"uid\":\"CZ0Ky24OMw3Mz"
    "6SB5S\",\"community_id\":\"1:3baickJOQNwGlA5gMU339hgHwh0=\",\"ts\""
    ":1795388793.936757,\"client_ip\":\"127.0.0.1\",\"client_port\":478"
    "25,\"server_ip\":\"127.0.0.2\",\"server_port\":25,\"trans_depth\":"
    "1,\"helo\":\"mail.example.test\",\"verb\":\"MAIL\",\"mail_from\":"
    "\"alice@origin.test\",\"mail_code\":250,\"mail_enh\":\"2.1.0\",\"m"
    "ail_text\":\"Ok\",\"mail_params\":{\"size\":433,\"body\":null,\"re"
    "t\":null,\"envid\":null,\"auth\":null,\"smtputf8\":false,\"require"
    "tls\":false},\"rcpt_to\":[{\"addr\":\"nosuch@remote.test\",\"code"
    "\":550,\"enh\":\"5.1.1\",\"text\":\"<nosuch@remote.test>: Recipien"
    "t address rejected: User unknown in local recipient table\",\"late"
    "ncy\":0.027972,\"notify\":null,\"orcpt\":\"rfc822;nosuch@remote.te"
    "st\"},{\"addr\":\"root@remote.test\",\"code\":250,\"enh\":\"2.1.5"
    "\",\"text\":\"Ok\",\"latency\":0.027972,\"notify\":null,\"orcpt\":"
    "\"rfc822;root@remote.test\"}],\"rcpt_count\":2,\"rcpt_accepted\":1"
    ",\"data_code\":354,\"data_enh\":null,\"data_text\":\"End data with"
    " <CR><LF>.<CR><LF>\",\"final_code\":250,\"final_enh\":\"2.0.0\",\""
    "final_text\":\"Ok: queued as EB67CA72402\",\"mail_latency\":0.0279"
    "72,\"final_latency\":0.001679,\"queue_id\":\"EB67CA72402\",\"queue"
    "_id_form\":\"postfix\",\"outcome\":\"accepted\",\"size\":433,\"las"
    "t_reply\":\"250 2.0.0 Ok: queued as EB67CA72402\",\"bounce\":false"
    ",\"bdat\":false,\"bdat_chunks\":0,\"tls\":false,\"ended_by\":\"end"
    "_of_data\",\"ts_end\":1795388793.983922,\"refused\":[],\"reversed"
    "\":false,\"lmtp\":false,\"assumed\":false,\"capture_loss\":null,\""
    "submission_without_auth\":false,\"headers\":{\"date\":\"Sun, 22 No"
    "v 2026 23:06:33 +0000\",\"from\":\"alice@origin.test\",\"to\":\"ro"
    "ot@remote.test,nosuch@remote.test\",\"cc\":null,\"reply_to\":null,"
    "\"msg_id\":\"<20261122230633.014589@vm>\",\"in_reply_to\":null,\"s"
    "ubject\":\"to a known and an unknown user\",\"x_originating_ip\":n"
    "ull,\"user_agent\":\"swaks v20201014.0 jetmore.org/john/code/swaks"
    "/\",\"subject_words_undecoded\":0,\"return_path\":null,\"received"
    "\":[\"from client.origin.test (localhost [127.0.0.1])\\tby mail.ex"
    "ample.test (Postfix) with ESMTP id D11C9A723FF;\\tSun, 22 Nov 2026"
    " 23:06:33 +0000 (UTC)\"],\"received_parts\":[{\"from\":\"client.or"
    "igin.test (localhost [127.0.0.1])\",\"by\":\"mail.example.test (Po"
    "stfix)\",\"via\":null,\"with\":\"ESMTP\",\"id\":\"D11C9A723FF\",\""
    "for\":null,\"date\":\"Sun, 22 Nov 2026 23:06:33 +0000 (UTC)\"}],\""
    "path\":[\"127.0.0.1\"],\"truncated\":false},\"dsn\":null}";

/* Its row, as the rules make it (a reference written apart from this
 * flattener, in Python, gave the same bytes). */
static const char tx_row[] =
    "{\"sensor\":\"s1\",\"run\":\"42\",\"seq\":7,\"type\":\"transaction"
    "\",\"session_id\":2,\"uid\":\"CZ0Ky24OMw3Mz6SB5S\",\"community_id"
    "\":\"1:3baickJOQNwGlA5gMU339hgHwh0=\",\"ts\":1795388793.936757,\"c"
    "lient_ip\":\"127.0.0.1\",\"client_port\":47825,\"server_ip\":\"127"
    ".0.0.2\",\"server_port\":25,\"trans_depth\":1,\"helo\":\"mail.exam"
    "ple.test\",\"verb\":\"MAIL\",\"mail_from\":\"alice@origin.test\","
    "\"mail_code\":250,\"mail_enh\":\"2.1.0\",\"mail_text\":\"Ok\",\"ma"
    "il_params.size\":433,\"mail_params.smtputf8\":false,\"mail_params."
    "requiretls\":false,\"rcpt_to.addr\":[\"nosuch@remote.test\",\"root"
    "@remote.test\"],\"rcpt_to.code\":[550,250],\"rcpt_to.enh\":[\"5.1."
    "1\",\"2.1.5\"],\"rcpt_to.text\":[\"<nosuch@remote.test>: Recipient"
    " address rejected: User unknown in local recipient table\",\"Ok\"]"
    ",\"rcpt_to.latency\":[0.027972,0.027972],\"rcpt_to.notify\":[null,"
    "null],\"rcpt_to.orcpt\":[\"rfc822;nosuch@remote.test\",\"rfc822;ro"
    "ot@remote.test\"],\"rcpt_count\":2,\"rcpt_accepted\":1,\"data_code"
    "\":354,\"data_text\":\"End data with <CR><LF>.<CR><LF>\",\"final_c"
    "ode\":250,\"final_enh\":\"2.0.0\",\"final_text\":\"Ok: queued as E"
    "B67CA72402\",\"mail_latency\":0.027972,\"final_latency\":0.001679,"
    "\"queue_id\":\"EB67CA72402\",\"queue_id_form\":\"postfix\",\"outco"
    "me\":\"accepted\",\"size\":433,\"last_reply\":\"250 2.0.0 Ok: queu"
    "ed as EB67CA72402\",\"bounce\":false,\"bdat\":false,\"bdat_chunks"
    "\":0,\"tls\":false,\"ended_by\":\"end_of_data\",\"ts_end\":1795388"
    "793.983922,\"reversed\":false,\"lmtp\":false,\"assumed\":false,\"s"
    "ubmission_without_auth\":false,\"headers.date\":\"Sun, 22 Nov 2026"
    " 23:06:33 +0000\",\"headers.from\":\"alice@origin.test\",\"headers"
    ".to\":\"root@remote.test,nosuch@remote.test\",\"headers.msg_id\":"
    "\"<20261122230633.014589@vm>\",\"headers.subject\":\"to a known an"
    "d an unknown user\",\"headers.user_agent\":\"swaks v20201014.0 jet"
    "more.org/john/code/swaks/\",\"headers.subject_words_undecoded\":0,"
    "\"headers.received\":\"[\\\"from client.origin.test (localhost [12"
    "7.0.0.1])\\\\tby mail.example.test (Postfix) with ESMTP id D11C9A7"
    "23FF;\\\\tSun, 22 Nov 2026 23:06:33 +0000 (UTC)\\\"]\",\"headers.r"
    "eceived_parts.from\":[\"client.origin.test (localhost [127.0.0.1])"
    "\"],\"headers.received_parts.by\":[\"mail.example.test (Postfix)\""
    "],\"headers.received_parts.via\":[null],\"headers.received_parts.w"
    "ith\":[\"ESMTP\"],\"headers.received_parts.id\":[\"D11C9A723FF\"],"
    "\"headers.received_parts.for\":[null],\"headers.received_parts.dat"
    "e\":[\"Sun, 22 Nov 2026 23:06:33 +0000 (UTC)\"],\"headers.path\":"
    "\"[\\\"127.0.0.1\\\"]\",\"headers.truncated\":false}";

/* The record cut at every byte: refused each time (but whole), never a
 * read past its end; and spoiled at every byte. */
static void
test_real_record(void)
{
	size_t n = strlen(tx_record), i, refused = 0;
	enum chf_status st;
	char *row, *copy;

	row = flat_n(tx_record, n, &keys, &st);
	CHECK_STR(row, tx_row);
	free(row);
	for (i = 0; i < n; i++) {
		row = flat_n(tx_record, i, &keys, &st);
		refused += st == CHF_MALFORMED && row == NULL;
		free(row);
	}
	CHECK_UINT(refused, n);
	/* Each byte replaced by a quote, a brace, a bracket, a NUL, a
	 * control character: no crash, and a row is valid or refused. */
	copy = malloc(n);
	for (i = 0; i < n; i++) {
		static const char spoil[] = "\"{}[]\0\x01\\:,";
		size_t s;

		for (s = 0; s < sizeof(spoil) - 1; s++) {
			memcpy(copy, tx_record, n);
			copy[i] = spoil[s];
			row = flat_n(copy, n, &keys, &st);
			if (!CHECKF((st == CHF_OK) == (row != NULL),
				"byte %zu spoiled", i))
				break;
			free(row);
		}
	}
	free(copy);
}

/* Nesting: 32 levels of objects and arrays pass, 33 do not. */
static void
test_depth(void)
{
	char in[512], want[512];
	size_t n = 0, i;

	/* {"a":{"a":...{"a":1}...}}: 32 objects. */
	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "{\"a\":");
	n += (size_t)snprintf(in + n, sizeof(in) - n, "1");
	for (i = 0; i < 32; i++)
		in[n++] = '}';
	in[n] = '\0';
	n = 0;
	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(
		    want + n, sizeof(want) - n, "%sa", i == 0 ? ",\"" : ".");
	snprintf(want + n, sizeof(want) - n, "\":1}");
	ROW_IS(in, want);
	/* 33. */
	n = 0;
	for (i = 0; i < 33; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "{\"a\":");
	n += (size_t)snprintf(in + n, sizeof(in) - n, "1");
	for (i = 0; i < 33; i++)
		in[n++] = '}';
	in[n] = '\0';
	REFUSED(in, CHF_TOO_DEEP);
	/* Arrays count: the object and 31 arrays pass, 32 do not. */
	n = (size_t)snprintf(in, sizeof(in), "{\"a\":");
	for (i = 0; i < 31; i++)
		in[n++] = '[';
	for (i = 0; i < 31; i++)
		in[n++] = ']';
	in[n++] = '}';
	in[n] = '\0';
	{
		enum chf_status st;
		char *row = flat_n(in, n, &keys, &st);

		CHECK_INT(st, CHF_OK);
		free(row);
	}
	n = (size_t)snprintf(in, sizeof(in), "{\"a\":");
	for (i = 0; i < 32; i++)
		in[n++] = '[';
	for (i = 0; i < 32; i++)
		in[n++] = ']';
	in[n++] = '}';
	in[n] = '\0';
	REFUSED(in, CHF_TOO_DEEP);
	/* Deep in an unclosed record: deep first, or malformed; never a
	 * crash. 100000 brackets. */
	{
		size_t big = 100000;
		char *deep = malloc(big);

		memset(deep, '[', big);
		deep[0] = '{';
		refused_at(__FILE__, __LINE__, deep, big, CHF_MALFORMED);
		memcpy(deep, "{\"a\":", 5);
		refused_at(__FILE__, __LINE__, deep, big, CHF_TOO_DEEP);
		free(deep);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Size limits: the record's, the row's, and the work on keys. */
static void
test_limits(void)
{
	size_t n, i, big = CHF_INPUT_MAX;
	char *in = malloc(big + 16), *row;
	enum chf_status st;
	double t0;

	/* Exactly 1 MiB passes, one byte more does not. */
	memcpy(in, "{\"a\":\"", 6);
	memset(in + 6, 'x', big - 8);
	memcpy(in + big - 2, "\"}", 2);
	row = flat_n(in, big, &keys, &st);
	CHECK_INT(st, CHF_OK);
	CHECK(row != NULL && strlen(row) == strlen(HEAD) + big);
	free(row);
	memcpy(in + big - 2, "x\"}", 3);
	refused_at(__FILE__, __LINE__, in, big + 1, CHF_TOO_BIG);

	/* An array of 20000 objects each with a key of its own would be
	 * 20000 columns of 20000 values: refused, and soon. */
	n = (size_t)snprintf(in, big, "{\"p\":[");
	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(
		    in + n, big - n, "%s{\"k%zu\":1}", i > 0 ? "," : "", i);
	n += (size_t)snprintf(in + n, big - n, "]}");
	t0 = now();
	refused_at(__FILE__, __LINE__, in, n, CHF_OUTPUT_TOO_BIG);
	CHECKF(now() - t0 < 5, "took %.1f s", now() - t0);

	/* 30 levels of 30000-byte keys over 5000 members "a": each member's
	 * path is 900 KB long; hashing it 5000 times would take long. */
	n = 0;
	for (i = 0; i < 30; i++) {
		in[n++] = '{';
		in[n++] = '"';
		memset(in + n, 'k', 30000);
		n += 30000;
		in[n++] = '"';
		in[n++] = ':';
	}
	in[n++] = '{';
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(
		    in + n, big - n, "%s\"a\":1", i > 0 ? "," : "");
	for (i = 0; i < 31; i++)
		in[n++] = '}';
	t0 = now();
	refused_at(__FILE__, __LINE__, in, n, CHF_OUTPUT_TOO_BIG);
	CHECKF(now() - t0 < 5, "took %.1f s", now() - t0);
	free(in);
}

/* The columns of a table as system.columns lists them, and the INSERTs
 * of a batch (plugins/clickhouse/insert.c): rows grouped by the Nested
 * columns they have, each statement naming the table's columns among
 * its rows' keys; rows not JSON, or without a column, left out. */
static void
test_requests(void)
{
	static const char tsv[] = "sensor\tString\nrun\tUInt64\n"
				  "rcpt_to.addr\tArray(Nullable(String))\n"
				  "rcpt_to.code\tArray(Nullable(UInt16))\n"
				  "mail_params.size\tUInt64\n"
				  "bad`name\tString\n"
				  "caps\tArray(String)\n"
				  "sensor\tString\n"
				  "no tab\n";
	static const char rows[] =
	    "{\"sensor\":\"a\",\"rcpt_to.addr\":[\"x\"],\"rcpt_to.code\":[1],"
	    "\"zz\":1}\n"
	    "{\"sensor\":\"b\",\"rcpt_to.addr\":[\"y\"],\"caps\":[\"A\"]}\n"
	    "not json\n"
	    "\n"
	    "{\"sensor\":\"c\",\"rcpt_to.code\":[2],\"rcpt_to.addr\":[\"z\"],"
	    "\"mail_params.size\":5,\"sensor\":\"d\"}\n"
	    "{\"zz\":1}";
	struct ch_columns *cols = ch_columns_parse(tsv, sizeof(tsv) - 1);
	struct ch_request *req;
	size_t n, lost;
	bool nested = true;

	CHECK_UINT(ch_columns_count(cols), 6);
	CHECK_INT(ch_columns_find(cols, "rcpt_to.code", 12, &nested), 3);
	CHECK(nested);
	CHECK_INT(ch_columns_find(cols, "caps", 4, &nested), 5);
	CHECK(!nested);
	CHECK_INT(ch_columns_find(cols, "mail_params.size", 16, &nested), 4);
	CHECK(!nested);
	CHECK_INT(ch_columns_find(cols, "bad`name", 8, NULL), -1);
	CHECK_INT(ch_requests(w, cols, "db", "t", rows, sizeof(rows) - 1, NULL,
		      0, &req, &n, &lost),
	    0);
	CHECK_UINT(lost, 2);
	if (CHECK_UINT(n, 2)) {
		CHECK_UINT(req[0].rows, 2);
		CHECK_STR(req[0].body,
		    "INSERT INTO `db`.`t` (`sensor`,`rcpt_to.addr`,"
		    "`rcpt_to.code`,`mail_params.size`) FORMAT JSONEachRow\n"
		    "{\"sensor\":\"a\",\"rcpt_to.addr\":[\"x\"],\"rcpt_to."
		    "code\""
		    ":[1],\"zz\":1}\n"
		    "{\"sensor\":\"c\",\"rcpt_to.code\":[2],\"rcpt_to.addr\":"
		    "[\"z\"],\"mail_params.size\":5,\"sensor\":\"d\"}\n");
		CHECK_UINT(req[0].len, strlen(req[0].body));
		CHECK_UINT(req[1].rows, 1);
		CHECK_STR(req[1].body,
		    "INSERT INTO `db`.`t` (`sensor`,`rcpt_to.addr`,`caps`) "
		    "FORMAT JSONEachRow\n"
		    "{\"sensor\":\"b\",\"rcpt_to.addr\":[\"y\"],\"caps\":"
		    "[\"A\"]}\n");
	}
	ch_requests_free(req, n);
	CHECK_INT(
	    ch_requests(w, cols, "db", "t", "", 0, NULL, 0, &req, &n, &lost),
	    0);
	CHECK_UINT(n, 0);
	CHECK_UINT(lost, 0);
	ch_requests_free(req, n);
	ch_columns_free(cols);
}

/* The requests of a batch of flattened rows are the same whether
 * ch_requests() takes the members the flattener noted or reads the
 * rows; notes that do not fit the rows are not used. */
static void
test_noted_requests(void)
{
	static const char tsv[] = "sensor\tString\nseq\tUInt64\n"
				  "a\tString\nr.x\tArray(UInt8)\n"
				  "r.y\tArray(String)\nb.c\tString\n";
	static const char *const recs[] = { "{\"a\":\"1\",\"r\":[{\"x\":1}]}",
		"{\"b\":{\"c\":\"q\\\"\"},\"r\":[{\"x\":2,\"y\":\"z\"}]}",
		"{\"zz\":[1,{\"a\":2}],\"a\":\"\\u0001\",\"a\\n\":3}",
		"{\"r\":[{\"y\":\"w\"},{\"x\":3}],\"a\":null}" };
	struct ch_columns *cols = ch_columns_parse(tsv, sizeof(tsv) - 1);
	struct ch_request *r1, *r2;
	static char data[4096];
	static uint32_t notes[1024];
	size_t len = 0, nnotes = 0, n1, n2, lost1, lost2, i, j, nk;
	int round;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		const char *row;
		const struct chf_key *k;
		size_t rlen;

		if (!CHECK_INT(chf_flatten(w, recs[i], strlen(recs[i]), &keys,
				   &row, &rlen),
			CHF_OK))
			continue;
		memcpy(data + len, row, rlen);
		data[len + rlen] = '\n';
		len += rlen + 1;
		k = chf_flat_keys(w, &nk);
		notes[nnotes++] = (uint32_t)nk;
		for (j = 0; j < nk; j++) {
			notes[nnotes++] = k[j].off;
			notes[nnotes++] =
			    k[j].len | (k[j].array ? CH_KEY_ARRAY : 0);
		}
	}
	CHECK_INT(ch_requests(
		      w, cols, "db", "t", data, len, NULL, 0, &r1, &n1, &lost1),
	    0);
	for (round = 0; round < 3; round++) {
		/* 0: the notes; 1: the last row's cut short; 2: an offset
		 * past its row. */
		size_t used = round == 1 ? nnotes - 1 : nnotes;

		if (round == 2)
			notes[1] = 100000;
		CHECK_INT(ch_requests(w, cols, "db", "t", data, len, notes,
			      used, &r2, &n2, &lost2),
		    0);
		CHECK_UINT(n2, n1);
		CHECK_UINT(lost2, lost1);
		for (i = 0; i < n1 && i < n2; i++)
			CHECK_STR(r2[i].body, r1[i].body);
		ch_requests_free(r2, n2);
	}
	CHECK_UINT(n1, 3);
	ch_requests_free(r1, n1);
	ch_columns_free(cols);
}

/* A workspace refused once works as new. */
static void
test_reuse(void)
{
	REFUSED("{\"a\":[{\"x\":1},{\"x\":", CHF_MALFORMED);
	ROW_IS("{\"a\":[{\"x\":1}],\"b\":2}", ",\"a.x\":[1],\"b\":2}");
	REFUSED("{\"a\":1,\"a\":{\"b\":[[[[", CHF_MALFORMED);
	ROW_IS("{\"a\":1,\"a\":2}", ",\"a\":1}");
	ROW_IS("{\"a\":2}", ",\"a\":2}");
}

int
main(void)
{
	w = chf_new();
	reader = chf_new();
	test_objects_and_scalars();
	test_scalar_arrays();
	test_nested();
	test_mixed_arrays();
	test_left_out();
	test_dotted_arrays();
	test_keys();
	test_escapes();
	test_long_escapes();
	test_malformed();
	test_real_record();
	test_depth();
	test_limits();
	test_reuse();
	test_requests();
	test_noted_requests();
	chf_free(w);
	chf_free(reader);
	return check_done("chflatten");
}
