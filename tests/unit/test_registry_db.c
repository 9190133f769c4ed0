/* Unit tests for the backend-independent parts of the registry's database
 * layer (src/registry/db_common.c): telling a PostgreSQL URL from a path,
 * the URL as it may be shown, and ?N placeholders as PostgreSQL's $N. */
#include <stdlib.h>
#include <string.h>

#include "../../src/registry/db.h"
#include "check_main.h"

static void redacts(const char *url, const char *want)
{
	char *got = db_redact_location(url);
	ck_assert_str_eq(got, want);
	free(got);
}

static void numbers(const char *sql, const char *want, int want_n)
{
	int n = -1;
	char *got = db_numbered_placeholders(sql, &n);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(n, want_n);
	free(got);
}

START_TEST(url_detection)
{
	ck_assert(db_is_postgresql_url("postgresql://host/db"));
	ck_assert(db_is_postgresql_url("postgres://host/db"));
	ck_assert(db_is_postgresql_url("PostgreSQL:///db?host=/run/postgresql"));
	ck_assert(!db_is_postgresql_url("/home/u/.local/share/modelseal/registry.db"));
	ck_assert(!db_is_postgresql_url("registry.db"));
	ck_assert(!db_is_postgresql_url("postgresql:/host/db")); /* not a URL: a file name */
	ck_assert(!db_is_postgresql_url("./postgresql://x"));
	ck_assert(!db_is_postgresql_url("mysql://host/db"));
}
END_TEST

START_TEST(url_password_removed)
{
	redacts("postgresql://ci:s3cret@db.example.com/modelseal",
	        "postgresql://ci@db.example.com/modelseal");
	redacts("postgres://ci:p%40ss@db:5432/m?sslmode=verify-full",
	        "postgres://ci@db:5432/m?sslmode=verify-full");
	/* an unencoded '@' in the password: everything up to the last one goes */
	redacts("postgresql://ci:p@ss@db/m", "postgresql://ci@db/m");
	/* no user name, only a password */
	redacts("postgresql://:pw@db/m", "postgresql://@db/m");
	redacts("postgresql://ci@db/m", "postgresql://ci@db/m");
	redacts("postgresql:///m?host=/run/postgresql", "postgresql:///m?host=/run/postgresql");
}
END_TEST

START_TEST(url_secret_parameters_removed)
{
	redacts("postgresql://db/m?password=x", "postgresql://db/m");
	redacts("postgresql://db/m?sslmode=require&password=x&application_name=a",
	        "postgresql://db/m?sslmode=require&application_name=a");
	redacts("postgresql://db/m?sslpassword=x&sslkey=/k", "postgresql://db/m?sslkey=/k");
	/* percent-encoded names and other cases are names libpq may read too */
	redacts("postgresql://db/m?pass%77ord=x&a=b", "postgresql://db/m?a=b");
	redacts("postgresql://db/m?PASSWORD=x", "postgresql://db/m");
	/* a name too long to be any parameter is not shown either */
	redacts("postgresql://db/m?passwordpasswordpasswordpasswordpassword=x&b=c",
	        "postgresql://db/m?b=c");
	redacts("postgresql://db/m?&&password=x&&", "postgresql://db/m");
	redacts("postgresql://u:pw@db/m?password=pw2", "postgresql://u@db/m");
	/* a query before the last '@' goes on after it */
	redacts("postgres://u@a?b@c&password=x&d=e", "postgres://u@?c&d=e");
}
END_TEST

START_TEST(path_shown_as_is)
{
	redacts("/tmp/registry.db", "/tmp/registry.db");
	redacts("reg:with@odd?chars", "reg:with@odd?chars");
}
END_TEST

START_TEST(placeholders_numbered)
{
	numbers("SELECT a FROM t WHERE x = ?1 AND y = ?2",
	        "SELECT a FROM t WHERE x = $1 AND y = $2", 2);
	numbers("keyid = ?1 OR label = ?1", "keyid = $1 OR label = $1", 1);
	numbers("VALUES (?, ?, ?)", "VALUES ($1, $2, $3)", 3);
	numbers("?3, ?", "$3, $4", 4);
	numbers("SELECT 1", "SELECT 1", 0);
}
END_TEST

START_TEST(placeholders_not_in_quotes_or_comments)
{
	numbers("SELECT '?' || ?1", "SELECT '?' || $1", 1);
	numbers("SELECT 'it''s ?2' , ?1", "SELECT 'it''s ?2' , $1", 1);
	numbers("SELECT \"odd?col\" FROM t WHERE a = ?1", "SELECT \"odd?col\" FROM t WHERE a = $1",
	        1);
	numbers("-- why ?9\nSELECT ?1", "-- why ?9\nSELECT $1", 1);
	/* an unterminated quote swallows the rest, as the server would */
	numbers("SELECT 'open ?1", "SELECT 'open ?1", 0);
}
END_TEST

static Suite *db_suite(void)
{
	Suite *s = suite_create("registry_db");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, url_detection);
	tcase_add_test(tc, url_password_removed);
	tcase_add_test(tc, url_secret_parameters_removed);
	tcase_add_test(tc, path_shown_as_is);
	tcase_add_test(tc, placeholders_numbered);
	tcase_add_test(tc, placeholders_not_in_quotes_or_comments);
	suite_add_tcase(s, tc);
	return s;
}

MS_CHECK_MAIN(db_suite)
