/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the JSON reader (src/lib/jsonread.c) that smtpscope trace
 * reads its own logs back with: values of every type, nesting, the
 * escapes (\u, surrogate pairs, lone surrogates as U+FFFD), what RFC 8259
 * refuses (control characters in strings, bad escapes, numbers outside
 * its grammar, trailing text), nesting past JSON_DEPTH_MAX, a real log
 * record cut at every byte and spoiled at every byte (each copy in a
 * buffer of its exact size, so that ASan sees a read past it), and the
 * accessors jv_get, jv_str, jv_num, jv_bool.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonread.h"
#include "lib/util.h"

#include "check.h"

/* A transaction record of smtpscope -r captures/bounce-dsn.pcap -w -
 * (the DSN: escapes, nested objects and arrays, null, booleans). */
static const char sample[] =
    "{\"type\":\"transaction\",\"session_id\":3,\"ts\":1795388793.988443,"
    "\"client_ip\":\"127.0.0.1\",\"client_port\":52791,\"server_ip\":\"12"
    "7.0.0.2\",\"server_port\":25,\"trans_depth\":1,\"helo\":\"mail.examp"
    "le.test\",\"verb\":\"MAIL\",\"mail_from\":\"\",\"mail_code\":250,\"m"
    "ail_enh\":\"2.1.0\",\"mail_text\":\"Ok\",\"mail_params\":{\"size\":2"
    "560,\"body\":\"8BITMIME\",\"ret\":null,\"envid\":null,\"auth\":null,"
    "\"smtputf8\":false,\"requiretls\":false},\"rcpt_to\":[{\"addr\":\"al"
    "ice@origin.test\",\"code\":250,\"enh\":\"2.1.5\",\"text\":\"Ok\",\"l"
    "atency\":0.000522,\"notify\":null,\"orcpt\":\"rfc822;alice@origin.te"
    "st\"}],\"rcpt_count\":1,\"rcpt_accepted\":1,\"data_code\":354,\"data"
    "_enh\":null,\"data_text\":\"End data with <CR><LF>.<CR><LF>\",\"fina"
    "l_code\":250,\"final_enh\":\"2.0.0\",\"final_text\":\"Ok: queued as "
    "F166EA723FF\",\"mail_latency\":0.000522,\"final_latency\":0.003028,"
    "\"queue_id\":\"F166EA723FF\",\"queue_id_form\":\"postfix\",\"outcome"
    "\":\"accepted\",\"size\":2560,\"last_reply\":\"250 2.0.0 Ok: queued "
    "as F166EA723FF\",\"bounce\":true,\"bdat\":false,\"bdat_chunks\":0,\""
    "tls\":false,\"ended_by\":\"end_of_data\",\"ts_end\":1795388793.99206"
    "2,\"refused\":[],\"reversed\":false,\"lmtp\":false,\"assumed\":false"
    ",\"capture_loss\":null,\"submission_without_auth\":false,\"headers\""
    ":{\"date\":\"Sun, 22 Nov 2026 23:06:33 +0000 (UTC)\",\"from\":\"Mail"
    " Delivery System <MAILER-DAEMON@mail.example.test>\",\"to\":\"alice@"
    "origin.test\",\"cc\":null,\"reply_to\":null,\"msg_id\":\"<2026112223"
    "0633.F06E1A720C1@mail.example.test>\",\"in_reply_to\":null,\"subject"
    "\":\"Undelivered Mail Returned to Sender\",\"x_originating_ip\":null"
    ",\"user_agent\":null,\"subject_words_undecoded\":0,\"return_path\":n"
    "ull,\"received\":[\"by mail.example.test (Postfix)\\tid F06E1A720C1;"
    " Sun, 22 Nov 2026 23:06:33 +0000 (UTC)\"],\"received_parts\":[{\"fro"
    "m\":null,\"by\":\"mail.example.test (Postfix)\",\"via\":null,\"with"
    "\":null,\"id\":\"F06E1A720C1\",\"for\":null,\"date\":\"Sun, 22 Nov 2"
    "026 23:06:33 +0000 (UTC)\"}],\"path\":[],\"truncated\":false},\"dsn"
    "\":{\"reporting_mta\":\"mail.example.test\",\"recipients\":[{\"final"
    "_recipient\":\"nosuch@remote.test\",\"original_recipient\":\"nosuch@"
    "remote.test\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosti"
    "c_code\":\"550 5.1.1 <nosuch@remote.test>: Recipient address rejecte"
    "d: User unknown in local recipient table\",\"remote_mta\":\"127.0.0."
    "2\"}]}}";

static struct arena arena;

/* s[0..n) parsed from a copy of exactly n bytes, freed before the tree
 * is looked at (nothing of it may point into the input). */
static struct jv *
parse_n(const char *s, size_t n, const char **err)
{
	char *copy = malloc(n > 0 ? n : 1);
	struct jv *v;

	if (n > 0)
		memcpy(copy, s, n);
	*err = NULL;
	v = json_parse(&arena, copy, n, err);
	free(copy);
	return v;
}

static struct jv *
parse(const char *s, const char **err)
{
	return parse_n(s, strlen(s), err);
}

/* s is refused, with a reason; want (if not NULL) is the reason. */
static bool
refused_at(
    const char *file, int line, const char *s, size_t n, const char *want)
{
	const char *err;
	struct jv *v = parse_n(s, n, &err);

	if (!check_at(file, line, v == NULL, "\"%.*s\" accepted", (int)n, s))
		return false;
	if (!check_at(file, line, err != NULL, "\"%.*s\": no reason given",
		(int)n, s))
		return false;
	if (want != NULL)
		return check_str_at(file, line, s, err, want);
	return true;
}

#define REFUSED(s, want) refused_at(__FILE__, __LINE__, s, strlen(s), want)

/* s is one string whose text is want[0..wlen). */
static void
string_is_at(
    const char *file, int line, const char *s, const char *want, size_t wlen)
{
	const char *err;
	struct jv *v = parse(s, &err);

	if (!check_at(file, line, v != NULL, "\"%s\" refused: %s", s,
		err != NULL ? err : "?"))
		return;
	if (!check_at(file, line, v->type == JV_STR, "\"%s\": type %d", s,
		(int)v->type))
		return;
	check_at(file, line, v->len == wlen && memcmp(v->str, want, wlen) == 0,
	    "\"%s\": got %zu bytes \"%s\", want %zu", s, v->len, v->str, wlen);
	check_at(
	    file, line, v->str[v->len] == '\0', "\"%s\": not terminated", s);
}

#define STRING_IS(s, want) \
	string_is_at(__FILE__, __LINE__, s, want, sizeof(want) - 1)

/* s is one number equal to want. */
static void
number_is_at(const char *file, int line, const char *s, double want)
{
	const char *err;
	struct jv *v = parse(s, &err);

	if (!check_at(file, line, v != NULL, "\"%s\" refused: %s", s,
		err != NULL ? err : "?"))
		return;
	check_at(file, line, v->type == JV_NUM && v->num == want,
	    "\"%s\": type %d, %.17g, want %.17g", s, (int)v->type, v->num,
	    want);
}

#define NUMBER_IS(s, want) number_is_at(__FILE__, __LINE__, s, want)

static void
test_scalars(void)
{
	const char *err;
	struct jv *v;

	v = parse("null", &err);
	CHECK(v != NULL && v->type == JV_NULL);
	v = parse("true", &err);
	CHECK(v != NULL && v->type == JV_BOOL && v->b);
	v = parse("false", &err);
	CHECK(v != NULL && v->type == JV_BOOL && !v->b);
	v = parse(" \t\r\n 7 \n\r\t ", &err);
	CHECK(v != NULL && v->type == JV_NUM && v->num == 7);
	v = parse("\"\"", &err);
	CHECK(v != NULL && v->type == JV_STR && v->len == 0 && v->str != NULL &&
	    v->str[0] == '\0');
	STRING_IS("\"hello, world\"", "hello, world");
	/* A top-level value has no key, no next, no child. */
	v = parse("\"x\"", &err);
	CHECK(
	    v != NULL && v->key == NULL && v->next == NULL && v->child == NULL);

	REFUSED("", "a value expected");
	REFUSED(" \t\r\n", "a value expected");
	REFUSED("nul", NULL);
	REFUSED("tru", NULL);
	REFUSED("fals", NULL);
	REFUSED("nulL", NULL);
	REFUSED("True", NULL);
	REFUSED("NULL", NULL);
	REFUSED("undefined", NULL);
	REFUSED("'x'", NULL);
	/* JSON's white space is four characters; not form feed or VT. */
	REFUSED("\f1", NULL);
	REFUSED("1\v", NULL);
	/* err may be NULL. */
	CHECK(json_parse(&arena, "x", 1, NULL) == NULL);
	CHECK(json_parse(&arena, NULL, 0, NULL) == NULL);
}

static void
test_escapes(void)
{
	STRING_IS(
	    "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t");
	STRING_IS("\"\\u0041\\u0062c\"", "Abc");
	/* Two and three bytes of UTF-8, upper and lower case hex. */
	STRING_IS("\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9");
	STRING_IS("\"\\u07ff\\u0800\"", "\xdf\xbf\xe0\xa0\x80");
	STRING_IS("\"\\u20AC\"", "\xe2\x82\xac");
	STRING_IS("\"\\uffff\"", "\xef\xbf\xbf");
	/* Surrogate pairs: one code point of four bytes. */
	STRING_IS("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	STRING_IS("\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80");
	STRING_IS("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf");
	STRING_IS("\"a\\ud834\\udd1eb\"",
	    "a\xf0\x9d\x84\x9e"
	    "b");
	/* Lone surrogates: U+FFFD each. */
	STRING_IS("\"\\ud800\"", "\xef\xbf\xbd");
	STRING_IS("\"\\udc00\"", "\xef\xbf\xbd");
	STRING_IS("\"\\udfff\"", "\xef\xbf\xbd");
	STRING_IS("\"x\\ud800y\"", "x\xef\xbf\xbdy");
	/* A high one followed by what is not a low one: the second stays
	 * what it is. */
	STRING_IS("\"\\ud800\\u0041\"",
	    "\xef\xbf\xbd"
	    "A");
	STRING_IS("\"\\ud800\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd");
	STRING_IS("\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80");
	STRING_IS("\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd");
	STRING_IS("\"\\ud800\\n\"", "\xef\xbf\xbd\n");
	STRING_IS("\"\\ud800\\\\udc00\"", "\xef\xbf\xbd\\udc00");
	STRING_IS("\"\\ud800\\\"\"", "\xef\xbf\xbd\"");
	/* \u0000: a NUL inside; len keeps the whole, str is terminated. */
	STRING_IS("\"\\u0000\"", "\0");
	STRING_IS("\"a\\u0000b\"", "a\0b");
	/* UTF-8 and DEL are taken as they are. */
	STRING_IS("\"caf\xc3\xa9 \x7f\"", "caf\xc3\xa9 \x7f");

	REFUSED("\"\\x41\"", "bad escape");
	REFUSED("\"\\'\"", "bad escape");
	REFUSED("\"\\U0041\"", "bad escape");
	REFUSED("\"\\a\"", "bad escape");
	REFUSED("\"\\0\"", "bad escape");
	REFUSED("\"\\u\"", "bad \\u escape");
	REFUSED("\"\\u12\"", "bad \\u escape");
	REFUSED("\"\\u123\"", "bad \\u escape");
	REFUSED("\"\\u12g4\"", "bad \\u escape");
	REFUSED("\"\\u-123\"", "bad \\u escape");
	REFUSED("\"\\u 123\"", "bad \\u escape");
	REFUSED("\"\\ud800\\u\"", "bad \\u escape");
	REFUSED("\"\\ud800\\udc0\"", "bad \\u escape");
	REFUSED("\"abc", "unterminated string");
	REFUSED("\"abc\\\"", "unterminated string");
	REFUSED("\"\\", "unterminated string");
	REFUSED("\"", "unterminated string");
	REFUSED("[\"a]", "unterminated string");
}

/* Every control character, raw in a string, is refused; escaped, taken. */
static void
test_control(void)
{
	char in[8], esc[16], want[2];
	int c;

	for (c = 0; c < 0x20; c++) {
		in[0] = '"';
		in[1] = (char)c;
		in[2] = '"';
		if (!refused_at(__FILE__, __LINE__, in, 3,
			"control character in a string"))
			break;
		/* In a key too. */
		snprintf(esc, sizeof(esc), "{\"%c\":1}", c == 0 ? 1 : c);
		if (!REFUSED(esc, "control character in a string"))
			break;
		snprintf(esc, sizeof(esc), "\"\\u%04x\"", c);
		want[0] = (char)c;
		string_is_at(__FILE__, __LINE__, esc, want, 1);
	}
	/* Raw in the middle of a longer string, after an escape. */
	REFUSED("\"abc\\n\tdef\"", "control character in a string");
	REFUSED("\"abc\ndef\"", "control character in a string");
	REFUSED("\"\\\x01\"", "bad escape");
}

static void
test_numbers(void)
{
	const char *err;
	struct jv *v;
	char big[80];

	NUMBER_IS("0", 0);
	NUMBER_IS("-0", 0);
	v = parse("-0", &err);
	CHECK(v != NULL && signbit(v->num));
	NUMBER_IS("1", 1);
	NUMBER_IS("-1", -1);
	NUMBER_IS("10", 10);
	NUMBER_IS("1.5", 1.5);
	NUMBER_IS("-1.25e2", -125);
	NUMBER_IS("1E3", 1000);
	NUMBER_IS("1e+2", 100);
	NUMBER_IS("1e-2", 0.01);
	NUMBER_IS("0.5", 0.5);
	NUMBER_IS("0e0", 0);
	NUMBER_IS("-0.0E-0", 0);
	NUMBER_IS("65535", 65535);
	NUMBER_IS("9007199254740992", 9007199254740992.0);
	NUMBER_IS("18446744073709551615", 18446744073709551615.0);
	NUMBER_IS("1795388793.988443", 1795388793.988443);
	NUMBER_IS("1.7976931348623157e308", 1.7976931348623157e308);
	/* Below the smallest double: 0 (no harm done). */
	NUMBER_IS("1e-400", 0);
	/* 63 characters is the longest kept. */
	memset(big, '1', 63);
	big[63] = '\0';
	NUMBER_IS(big,
	    111111111111111111111111111111111111111111111111111111111111111.0);

	/* Outside RFC 8259's grammar. */
	REFUSED("+1", NULL);
	REFUSED(".5", NULL);
	REFUSED("-.5", NULL);
	REFUSED("1.", NULL);
	REFUSED("1.e5", NULL);
	REFUSED("01", NULL);
	REFUSED("00", NULL);
	REFUSED("-01", NULL);
	REFUSED("1e", NULL);
	REFUSED("1e+", NULL);
	REFUSED("1E-", NULL);
	REFUSED("1.5e", NULL);
	REFUSED("1ee5", NULL);
	REFUSED("1.2.3", NULL);
	REFUSED("1e5.5", NULL);
	REFUSED("1-2", NULL);
	REFUSED("-", NULL);
	REFUSED("--1", NULL);
	REFUSED("- 1", NULL);
	REFUSED("0x10", NULL);
	REFUSED("1_000", NULL);
	REFUSED("Infinity", NULL);
	REFUSED("-Infinity", NULL);
	REFUSED("inf", NULL);
	REFUSED("NaN", NULL);
	REFUSED("nan", NULL);
	REFUSED("[-]", NULL);
	REFUSED("[1,+2]", NULL);
	REFUSED("{\"a\":.5}", NULL);
	/* Beyond a double: refused, never infinity. */
	REFUSED("1e999", NULL);
	REFUSED("-1e999", NULL);
	REFUSED("1.8e308", NULL);
	/* Longer than the reader keeps: refused, not cut. */
	memset(big, '1', 64);
	big[64] = '\0';
	REFUSED(big, NULL);
}

static void
test_containers(void)
{
	const struct jv *e, *o;
	const char *err;
	struct jv *v;
	int i;

	v = parse("[]", &err);
	CHECK(v != NULL && v->type == JV_ARR && v->child == NULL);
	v = parse(" [ \n ] ", &err);
	CHECK(v != NULL && v->type == JV_ARR && v->child == NULL);
	v = parse("{}", &err);
	CHECK(v != NULL && v->type == JV_OBJ && v->child == NULL);
	v = parse("{ \t}", &err);
	CHECK(v != NULL && v->type == JV_OBJ && v->child == NULL);

	/* Elements in order, no keys. */
	v = parse("[1, \"two\", true, null, [3], {\"four\": 4}, false]", &err);
	if (CHECK(v != NULL && v->type == JV_ARR)) {
		static const enum jv_type want[] = { JV_NUM, JV_STR, JV_BOOL,
			JV_NULL, JV_ARR, JV_OBJ, JV_BOOL };

		for (e = v->child, i = 0; e != NULL && i < 7; e = e->next, i++)
			CHECKF(e->type == want[i] && e->key == NULL,
			    "element %d: type %d, want %d", i, (int)e->type,
			    (int)want[i]);
		CHECK(i == 7 && e == NULL);
		e = v->child;
		CHECK(e->num == 1);
		CHECK_STR(e->next->str, "two");
		CHECK(e->next->next->next->next->child != NULL &&
		    e->next->next->next->next->child->num == 3);
		CHECK(jv_num(e->next->next->next->next->next, "four", 0) == 4);
	}

	/* Members in order, with their keys (unescaped). */
	v = parse("{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"},"
		  "\"k\\u00e9y\\n\":\"v\"}",
	    &err);
	if (CHECK(v != NULL && v->type == JV_OBJ)) {
		e = v->child;
		CHECK(e != NULL && e->key != NULL && strcmp(e->key, "a") == 0);
		CHECK(e != NULL && e->next != NULL &&
		    strcmp(e->next->key, "b") == 0 && e->next->type == JV_ARR);
		o = jv_get(v, "c");
		CHECK(o != NULL && o->type == JV_OBJ);
		CHECK_STR(jv_str(o, "d"), "e");
		CHECK_STR(jv_str(v, "k\xc3\xa9y\n"), "v");
		e = jv_get(v, "b");
		CHECK(e != NULL && e->child != NULL && e->child->b &&
		    e->child->next != NULL && e->child->next->type == JV_NULL &&
		    e->child->next->next == NULL);
	}

	/* An empty key is a key. */
	v = parse("{\"\":\"empty\"}", &err);
	CHECK(v != NULL && jv_str(v, "") != NULL &&
	    strcmp(jv_str(v, ""), "empty") == 0);

	REFUSED("[1,]", NULL);
	REFUSED("[,1]", NULL);
	REFUSED("[,]", NULL);
	REFUSED("[1 2]", "',' or ']' expected");
	REFUSED("[1,,2]", NULL);
	REFUSED("[1", "',' or ']' expected");
	REFUSED("[1,", "a value expected");
	REFUSED("[", "a value expected");
	REFUSED("[}", NULL);
	REFUSED("{]", "a key expected");
	REFUSED("{", "a key expected");
	REFUSED("{\"a\":1,}", "a key expected");
	REFUSED("{,}", "a key expected");
	REFUSED("{a:1}", "a key expected");
	REFUSED("{1:1}", "a key expected");
	REFUSED("{\"a\" 1}", "':' expected");
	REFUSED("{\"a\"}", "':' expected");
	REFUSED("{\"a\"", "':' expected");
	REFUSED("{\"a\":}", NULL);
	REFUSED("{\"a\":", "a value expected");
	REFUSED("{\"a\":1 \"b\":2}", "',' or '}' expected");
	REFUSED("{\"a\":1", "',' or '}' expected");
	REFUSED("{\"a\"=1}", "':' expected");
	REFUSED("]", NULL);
	REFUSED("}", NULL);
	REFUSED(":", NULL);
	REFUSED(",", NULL);
}

/* n levels of open, then of close: "[[[...]]]". */
static char *
nest(const char *open, const char *inner, const char *close, size_t n)
{
	size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
	char *s = malloc(n * (lo + lc) + li + 1), *p = s;
	size_t i;

	for (i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void
test_depth(void)
{
	const char *err;
	struct jv *v;
	char *s;
	int d;

	/* JSON_DEPTH_MAX levels are read, one more is refused. */
	s = nest("[", "1", "]", JSON_DEPTH_MAX);
	v = parse(s, &err);
	CHECK(v != NULL);
	for (d = 1; v != NULL && v->type == JV_ARR; d++)
		v = v->child;
	CHECK(d == JSON_DEPTH_MAX + 1 && v != NULL && v->type == JV_NUM);
	free(s);
	s = nest("[", "1", "]", JSON_DEPTH_MAX + 1);
	REFUSED(s, "nested too deep");
	free(s);
	s = nest("{\"a\":", "{}", "}", JSON_DEPTH_MAX - 1);
	CHECK(parse(s, &err) != NULL);
	free(s);
	s = nest("{\"a\":", "{}", "}", JSON_DEPTH_MAX);
	REFUSED(s, "nested too deep");
	free(s);
	s = nest("[{\"a\":", "0", "}]", JSON_DEPTH_MAX / 2);
	CHECK(parse(s, &err) != NULL);
	free(s);
	s = nest("[{\"a\":", "0", "}]", JSON_DEPTH_MAX / 2 + 1);
	REFUSED(s, "nested too deep");
	free(s);
	/* Deep and never closed; deep and closed; without crashing. */
	s = nest("[", "", "", 1000000);
	REFUSED(s, "nested too deep");
	free(s);
	s = nest("[", "", "]", 1000000);
	REFUSED(s, "nested too deep");
	free(s);
	s = nest("{\"\":", "", "", 200000);
	REFUSED(s, "nested too deep");
	free(s);
	/* Depth is nesting, not the count of containers: 100,000 empty
	 * arrays side by side in one. */
	s = malloc(3 * 100000 + 2);
	s[0] = '[';
	for (d = 0; d < 100000; d++)
		memcpy(s + 1 + 3 * d, "[],", 3);
	s[3 * 100000] = ']';
	s[3 * 100000 + 1] = '\0';
	v = parse(s, &err);
	CHECK(v != NULL && v->type == JV_ARR);
	for (d = 0, v = v != NULL ? v->child : NULL; v != NULL; v = v->next)
		d++;
	CHECK_INT(d, 100000);
	free(s);
}

static void
test_trailing(void)
{
	const char *err;

	/* White space after the value is not trailing garbage. */
	CHECK(parse("{} \t\r\n", &err) != NULL);
	CHECK(parse("  [1]  ", &err) != NULL);

	REFUSED("1 2", "text after the value");
	REFUSED("{}{}", "text after the value");
	REFUSED("{} {}", "text after the value");
	REFUSED("[]]", "text after the value");
	REFUSED("{}}", "text after the value");
	REFUSED("null null", "text after the value");
	REFUSED("\"a\"\"b\"", "text after the value");
	REFUSED("\"a\" x", "text after the value");
	REFUSED("true1", "text after the value");
	REFUSED("falsey", "text after the value");
	REFUSED("nullx", "text after the value");
	REFUSED("{},", "text after the value");
	REFUSED("{}\f", "text after the value");
	REFUSED("1x", "text after the value");
	/* A NUL after the value (n counts it) is garbage too. */
	CHECK(
	    refused_at(__FILE__, __LINE__, "{}\0", 3, "text after the value"));
	CHECK(refused_at(__FILE__, __LINE__, "\0{}", 3, NULL));
	/* Two records on one line. */
	REFUSED("{\"type\":\"session\"}\n{\"type\":\"session\"}",
	    "text after the value");
}

/* The sample record read whole, then cut at every byte and spoiled at
 * every byte: each refused cleanly. */
static void
test_record(void)
{
	size_t n = sizeof(sample) - 1, i;
	const struct jv *e, *d;
	char *buf = malloc(n);
	const char *err;
	struct jv *v;

	v = parse(sample, &err);
	if (!CHECKF(v != NULL, "the sample refused: %s", err))
		return;
	CHECK(v->type == JV_OBJ);
	CHECK_STR(jv_str(v, "type"), "transaction");
	CHECK(jv_num(v, "session_id", 0) == 3);
	CHECK(jv_num(v, "ts", 0) == 1795388793.988443);
	CHECK(jv_num(v, "client_port", 0) == 52791);
	CHECK_STR(jv_str(v, "mail_from"), "");
	CHECK(jv_bool(v, "bounce"));
	CHECK(!jv_bool(v, "bdat"));
	CHECK(jv_get(v, "capture_loss") != NULL &&
	    jv_get(v, "capture_loss")->type == JV_NULL);
	CHECK(jv_str(v, "capture_loss") == NULL);
	CHECK_STR(jv_str(v, "data_text"), "End data with <CR><LF>.<CR><LF>");
	e = jv_get(v, "rcpt_to");
	CHECK(e != NULL && e->type == JV_ARR && e->child != NULL &&
	    e->child->next == NULL);
	if (e != NULL && e->child != NULL) {
		CHECK_STR(jv_str(e->child, "addr"), "alice@origin.test");
		CHECK_STR(
		    jv_str(e->child, "orcpt"), "rfc822;alice@origin.test");
		CHECK(jv_num(e->child, "code", 0) == 250);
		CHECK(jv_get(e->child, "notify")->type == JV_NULL);
	}
	d = jv_get(v, "headers");
	/* \t in the record is a tab. */
	e = jv_get(d, "received");
	CHECK(e != NULL && e->type == JV_ARR && e->child != NULL &&
	    e->child->type == JV_STR &&
	    strstr(e->child->str, "(Postfix)\tid F06E1A720C1;") != NULL);
	e = jv_get(d, "received_parts");
	CHECK(e != NULL && e->child != NULL && jv_str(e->child, "id") != NULL &&
	    strcmp(jv_str(e->child, "id"), "F06E1A720C1") == 0);
	CHECK_STR(jv_str(d, "msg_id"),
	    "<20261122230633.F06E1A720C1@mail.example.test>");
	d = jv_get(v, "dsn");
	e = jv_get(d, "recipients");
	CHECK(e != NULL && e->child != NULL &&
	    jv_str(e->child, "action") != NULL &&
	    strcmp(jv_str(e->child, "action"), "failed") == 0);
	CHECK_STR(jv_str(e != NULL ? e->child : NULL, "final_recipient"),
	    "nosuch@remote.test");

	/* Every cut is refused: no prefix of an object is one. */
	for (i = 0; i < n; i++) {
		v = parse_n(sample, i, &err);
		if (!CHECKF(v == NULL && err != NULL,
			"the sample cut at %zu: accepted", i))
			break;
		arena_reset(&arena);
	}
	/* A byte 0x01 anywhere is refused: not a value, not white space,
	 * not in a string. */
	for (i = 0; i < n; i++) {
		memcpy(buf, sample, n);
		buf[i] = '\x01';
		v = parse_n(buf, n, &err);
		if (!CHECKF(v == NULL && err != NULL,
			"the sample spoiled at %zu: accepted", i))
			break;
		arena_reset(&arena);
	}
	/* Every byte removed: refused or read, never more. */
	for (i = 0; i < n; i++) {
		memcpy(buf, sample, i);
		memcpy(buf + i, sample + i + 1, n - i - 1);
		(void)parse_n(buf, n - 1, &err);
		arena_reset(&arena);
	}
	free(buf);
}

static void
test_accessors(void)
{
	const char *err;
	struct jv *v = parse("{\"s\":\"str\",\"n\":42.5,\"t\":true,\"f\":false,"
			     "\"z\":null,\"a\":[1],\"o\":{\"s\":\"inner\"},"
			     "\"sn\":\"5\",\"nb\":1,\"dup\":1,\"dup\":2}",
	    &err);
	struct jv *arr = parse("[\"s\",1]", &err);

	if (!CHECK(v != NULL && arr != NULL))
		return;
	CHECK(jv_get(v, "s") != NULL && jv_get(v, "s")->type == JV_STR);
	CHECK(jv_get(v, "missing") == NULL);
	CHECK(jv_get(v, "S") == NULL);
	CHECK(jv_get(NULL, "s") == NULL);
	CHECK(jv_get(arr, "s") == NULL);
	CHECK(jv_get(jv_get(v, "s"), "s") == NULL);
	/* Duplicate keys: the first. */
	CHECK(jv_num(v, "dup", 0) == 1);
	/* A member of the inner object only there. */
	CHECK_STR(jv_str(jv_get(v, "o"), "s"), "inner");

	CHECK_STR(jv_str(v, "s"), "str");
	CHECK(jv_str(v, "n") == NULL);
	CHECK(jv_str(v, "z") == NULL);
	CHECK(jv_str(v, "a") == NULL);
	CHECK(jv_str(v, "o") == NULL);
	CHECK(jv_str(v, "t") == NULL);
	CHECK(jv_str(v, "missing") == NULL);
	CHECK(jv_str(NULL, "s") == NULL);
	CHECK(jv_str(arr, "s") == NULL);

	CHECK(jv_num(v, "n", -1) == 42.5);
	CHECK(jv_num(v, "sn", -1) == -1);
	CHECK(jv_num(v, "t", -1) == -1);
	CHECK(jv_num(v, "z", -1) == -1);
	CHECK(jv_num(v, "a", -1) == -1);
	CHECK(jv_num(v, "missing", 7) == 7);
	CHECK(jv_num(NULL, "n", 3) == 3);
	CHECK(jv_num(arr, "n", 3) == 3);

	CHECK(jv_bool(v, "t"));
	CHECK(!jv_bool(v, "f"));
	CHECK(!jv_bool(v, "nb"));
	CHECK(!jv_bool(v, "s"));
	CHECK(!jv_bool(v, "z"));
	CHECK(!jv_bool(v, "missing"));
	CHECK(!jv_bool(NULL, "t"));
	CHECK(!jv_bool(arr, "t"));
}

/* Many values into one arena, then freed at once (ASan: no leak). */
static void
test_arena(void)
{
	struct arena a;
	const char *err = NULL;
	int i, ok = 0;

	arena_init(&a);
	for (i = 0; i < 10000; i++)
		if (json_parse(&a, sample, sizeof(sample) - 1, &err) != NULL)
			ok++;
	CHECK_INT(ok, 10000);
	arena_free(&a);
}

int
main(void)
{
	arena_init(&arena);
	test_scalars();
	test_escapes();
	test_control();
	test_numbers();
	test_containers();
	test_depth();
	test_trailing();
	test_record();
	test_accessors();
	test_arena();
	arena_free(&arena);
	return check_done("jsonread");
}
