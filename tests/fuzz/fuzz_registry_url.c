/* Registry locations (db_redact_location, db_is_postgresql_url) and SQL
 * placeholders (db_numbered_placeholders). The location comes from the
 * user's environment and is shown in messages, --json and logs: a password
 * put in the URL's user information or in a password= parameter must never
 * survive redaction, whatever surrounds it. */
#include "../../src/registry/db.h"
#include "fuzz.h"

MS_FUZZ_INIT

#define SECRET "Zq9SECRETzQ9"

static void no_secret(const char *url)
{
	char *shown = db_redact_location(url);
	MS_FUZZ_ASSERT(strstr(shown, SECRET) == NULL);
	free(shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	/* as given: a path comes back as it is, a URL no longer */
	char *shown = db_redact_location(s);
	if (!db_is_postgresql_url(s))
		MS_FUZZ_ASSERT(strcmp(shown, s) == 0);
	else
		MS_FUZZ_ASSERT(strlen(shown) <= strlen(s));
	free(shown);
	/* a password in the user information, then in a parameter after it
	 * (an input that holds the marker itself shows it as host or path) */
	size_t n = strlen(s); /* up to the first NUL */
	char *url = malloc(n + 96);
	if (!strstr(s, SECRET)) {
		snprintf(url, n + 96, "postgresql://u:" SECRET "@%s", s);
		no_secret(url);
		snprintf(url, n + 96, "postgres://u@%s%spassword=" SECRET, s,
		         strchr(s, '?') ? "&" : "?");
		no_secret(url);
	}
	free(url);
	int params;
	char *sql = db_numbered_placeholders(s, &params);
	MS_FUZZ_ASSERT(params >= 0);
	free(sql);
	free(s);
	return 0;
}
