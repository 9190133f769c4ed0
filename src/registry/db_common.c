/* What the backends share and what needs no database: telling a
 * PostgreSQL URL from a path, the URL as it may be shown (no secrets),
 * and ?N placeholders as PostgreSQL's $N. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "modelseal/util.h"

void db_sql_excerpt(const char *sql, char *out, size_t size)
{
	size_t n = 0;
	int space = 0;
	for (; *sql && n + 5 < size; sql++) {
		if (*sql == ' ' || *sql == '\t' || *sql == '\n') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		out[n++] = *sql;
	}
	if (*sql)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
}

int db_is_postgresql_url(const char *location)
{
	return strncasecmp(location, "postgresql://", 13) == 0 ||
	       strncasecmp(location, "postgres://", 11) == 0;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* Whether a query parameter's name (percent-encoded as in the URL, n
 * bytes) is one libpq takes a secret from. */
static int secret_param(const char *name, size_t n)
{
	static const char *const secrets[] = {"password", "sslpassword"};
	char key[32];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < sizeof key; i++) {
		int hi, lo;
		if (name[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)name[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)name[i + 2])) >= 0) {
			key[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			key[k++] = name[i];
		}
	}
	key[k] = '\0';
	for (size_t i = 0; i < MS_ARRAY_LEN(secrets); i++)
		if (strcasecmp(key, secrets[i]) == 0)
			return 1;
	/* A name too long to compare is dropped too: never shown unread. */
	return k + 1 >= sizeof key;
}

/* Appends the query (after '?') without its secret parameters. */
static void redact_query(struct ms_buf *out, const char *q)
{
	int first = 1;
	while (*q) {
		size_t n = strcspn(q, "&");
		size_t name = strcspn(q, "=");
		if (name > n)
			name = n;
		if (n > 0 && !secret_param(q, name)) {
			ms_buf_append(out, first ? "?" : "&", 1);
			ms_buf_append(out, q, n);
			first = 0;
		}
		q += n;
		if (*q == '&')
			q++;
	}
}

char *db_redact_location(const char *location)
{
	if (!db_is_postgresql_url(location))
		return ms_strdup(location);
	const char *rest = strstr(location, "://") + 3;
	struct ms_buf out = {0};
	ms_buf_append(&out, location, (size_t)(rest - location));
	/* The user information ends at the last '@': a password may hold any
	 * character, so what comes before it is never shown past the user
	 * name, even when the '@' was meant otherwise (too much hidden, never
	 * too little). */
	const char *at = strrchr(rest, '@');
	/* A query that began before that '@' goes on after it. */
	int in_query = at && memchr(rest, '?', (size_t)(at - rest)) != NULL;
	if (at) {
		size_t user = strcspn(rest, ":@?");
		ms_buf_append(&out, rest, user);
		ms_buf_append(&out, "@", 1);
		rest = at + 1;
	}
	size_t hostpath = in_query ? 0 : strcspn(rest, "?");
	ms_buf_append(&out, rest, hostpath);
	if (in_query)
		redact_query(&out, rest);
	else if (rest[hostpath] == '?')
		redact_query(&out, rest + hostpath + 1);
	ms_buf_append(&out, "", 1);
	return out.data;
}

/* Length of a quoted string or identifier starting at s (quote q,
 * doubled to escape), up to the end when unterminated. */
static size_t quoted(const char *s, char q)
{
	size_t i = 1;
	while (s[i]) {
		if (s[i] == q && s[i + 1] == q)
			i += 2;
		else if (s[i++] == q)
			break;
	}
	return i;
}

char *db_numbered_placeholders(const char *sql, int *n_params)
{
	struct ms_buf out = {0};
	int max = 0;
	for (const char *p = sql; *p;) {
		size_t n = 1;
		if (*p == '\'' || *p == '"') {
			n = quoted(p, *p);
		} else if (p[0] == '-' && p[1] == '-') {
			n = strcspn(p, "\n");
		} else if (*p == '?') {
			long v = 0;
			size_t d = 1;
			while (isdigit((unsigned char)p[d]) && v < 100000)
				v = v * 10 + (p[d++] - '0');
			/* A bare ? is one more than the largest number so far, as in
			 * SQLite. */
			if (d == 1)
				v = max + 1;
			if (v > max)
				max = (int)v;
			ms_buf_printf(&out, "$%ld", v);
			p += d;
			continue;
		}
		ms_buf_append(&out, p, n);
		p += n;
	}
	ms_buf_append(&out, "", 1);
	*n_params = max;
	return out.data;
}
