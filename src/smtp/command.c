/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command table and the parsers of command arguments.
 */
#include <string.h>

#include "../util.h"
#include "smtp.h"

static const struct {
	const char *name;
	enum smtp_verb verb;
} command_table[] = {
	{ "HELO", SMTP_VERB_HELO },
	{ "EHLO", SMTP_VERB_EHLO },
	{ "MAIL", SMTP_VERB_MAIL },
	{ "RCPT", SMTP_VERB_RCPT },
	{ "DATA", SMTP_VERB_DATA },
	{ "BDAT", SMTP_VERB_BDAT },
	{ "RSET", SMTP_VERB_RSET },
	{ "VRFY", SMTP_VERB_VRFY },
	{ "EXPN", SMTP_VERB_EXPN },
	{ "HELP", SMTP_VERB_HELP },
	{ "NOOP", SMTP_VERB_NOOP },
	{ "QUIT", SMTP_VERB_QUIT },
	{ "STARTTLS", SMTP_VERB_STARTTLS },
	{ "AUTH", SMTP_VERB_AUTH },
	{ "ETRN", SMTP_VERB_ETRN },
	{ "ATRN", SMTP_VERB_ATRN },
	{ "TURN", SMTP_VERB_TURN },
	{ "XCLIENT", SMTP_VERB_XCLIENT },
	{ "XFORWARD", SMTP_VERB_XFORWARD },
};

static const char *const verb_names[SMTP_VERB_COUNT] = {
	[SMTP_VERB_UNKNOWN] = "UNKNOWN",
	[SMTP_VERB_HELO] = "HELO",
	[SMTP_VERB_EHLO] = "EHLO",
	[SMTP_VERB_MAIL] = "MAIL",
	[SMTP_VERB_RCPT] = "RCPT",
	[SMTP_VERB_DATA] = "DATA",
	[SMTP_VERB_BDAT] = "BDAT",
	[SMTP_VERB_RSET] = "RSET",
	[SMTP_VERB_VRFY] = "VRFY",
	[SMTP_VERB_EXPN] = "EXPN",
	[SMTP_VERB_HELP] = "HELP",
	[SMTP_VERB_NOOP] = "NOOP",
	[SMTP_VERB_QUIT] = "QUIT",
	[SMTP_VERB_STARTTLS] = "STARTTLS",
	[SMTP_VERB_AUTH] = "AUTH",
	[SMTP_VERB_ETRN] = "ETRN",
	[SMTP_VERB_ATRN] = "ATRN",
	[SMTP_VERB_TURN] = "TURN",
	[SMTP_VERB_XCLIENT] = "XCLIENT",
	[SMTP_VERB_XFORWARD] = "XFORWARD",
	[SMTP_VERB_GREETING] = "GREETING",
	[SMTP_VERB_END_OF_DATA] = "END-OF-DATA",
	[SMTP_VERB_AUTH_DATA] = "AUTH-DATA",
};

const char *
smtp_verb_name(enum smtp_verb v)
{
	if ((unsigned)v < SMTP_VERB_COUNT && verb_names[v] != NULL)
		return verb_names[v];
	return "UNKNOWN";
}

enum smtp_verb
smtp_verb_lookup(const uint8_t *word, size_t len)
{
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(command_table); i++) {
		const char *name = command_table[i].name;

		if (strlen(name) != len)
			continue;
		for (j = 0; j < len; j++)
			if (ascii_toupper(word[j]) != (unsigned char)name[j])
				break;
		if (j == len)
			return command_table[i].verb;
	}
	return SMTP_VERB_UNKNOWN;
}

int
smtp_parse_path(
    const uint8_t *arg, size_t len, const char *keyword, char *out, size_t size)
{
	size_t i = 0, kw = strlen(keyword), start, end, o = 0;
	int quoted = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	while (i < len && ascii_isspace(arg[i]))
		i++;
	/* The keyword without its colon, then optional spaces, a colon. */
	if (!ascii_prefix_ci(arg + i, len - i, keyword))
		return -1;
	i += kw;
	while (i < len && ascii_isspace(arg[i]))
		i++;
	if (i >= len || arg[i] != ':')
		return -1;
	i++;
	while (i < len && ascii_isspace(arg[i]))
		i++;
	if (i < len && arg[i] == '<') {
		start = ++i;
		while (i < len) {
			if (arg[i] == '\\' && i + 1 < len) {
				i += 2;
				continue;
			}
			if (arg[i] == '"')
				quoted = !quoted;
			else if (arg[i] == '>' && !quoted)
				break;
			i++;
		}
		end = i;
	} else {
		start = i;
		while (i < len && !ascii_isspace(arg[i]))
			i++;
		end = i;
	}
	/* A source route "@a,@b:user@c" (RFC 5321 4.1.2) names hops. */
	if (start < end && arg[start] == '@') {
		size_t k;

		for (k = start; k < end; k++)
			if (arg[k] == ':') {
				start = k + 1;
				break;
			}
	}
	for (i = start; i < end && o + 1 < size; i++)
		out[o++] = (char)arg[i];
	out[o] = '\0';
	return 0;
}

int
smtp_reply_line_parse(const uint8_t *line, size_t len, int *code, int *more)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    !ascii_isdigit(line[1]) || !ascii_isdigit(line[2]))
		return 0;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return 0;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = len > 3 && line[3] == '-';
	return 1;
}
