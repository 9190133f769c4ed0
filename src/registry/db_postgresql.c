/* The PostgreSQL backend (libpq): one registry for a fleet of signers and
 * verifiers. Connection parameters, TLS and passwords come through libpq
 * alone (the URL, ~/.pgpass, PGPASSFILE, service files, PG* variables);
 * what is shown of the URL never holds a password (db_redact_location).
 * Writers serialise on a lock of the registry's marker row, so that signers
 * on many machines append to one chain and never fork it. */
#include <libpq-fe.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_postgresql.h"
#include "modelseal/util.h"
#include "registry_int.h"

/* A default for how long a connection may take; the URL's own
 * connect_timeout (or $PGCONNECT_TIMEOUT) wins. verify's event path gets a
 * shorter one: it must never hang on an unreachable server. */
#define CONNECT_TIMEOUT "10"
#define EVENT_CONNECT_TIMEOUT "3"
/* How long a writer waits for the registry's write lock. */
#define LOCK_TIMEOUT "10s"
#define EVENT_LOCK_TIMEOUT "1500ms"
/* verify's event path: how long one statement may run, so that a server
 * that stalls mid-query cannot hang verify either. */
#define EVENT_STATEMENT_TIMEOUT "5s"
/* The advisory lock key writers take while no marker row exists: "MSRG". */
#define WRITE_LOCK_KEY "1297306183"

#define TEXTOID 25
#define INT8OID 20

struct pg_stmt {
	struct db_stmt base;
	char *sql; /* with $N placeholders */
	int n_params;
	char **values;   /* NULL: SQL NULL */
	unsigned *types; /* Oid: text or int8 */
	PGresult *res;
	int row, n_rows;
	int64_t changes;
};

static PGconn *conn(struct ms_registry *r)
{
	return r->conn;
}

static struct pg_stmt *pg(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* libpq's message on one line: its line breaks and indentation as single
 * spaces, none at the end. */
static void one_line(const char *msg, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = msg ? msg : ""; *p && n + 1 < size; p++) {
		int space = *p == '\n' || *p == '\r' || *p == '\t' || *p == ' ';
		if (!space)
			out[n++] = *p;
		else if (n > 0 && out[n - 1] != ' ')
			out[n++] = ' ';
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* SQLSTATE of a result, or "" */
static const char *sqlstate(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return state ? state : "";
}

/* Whether another writer appended the event this one meant to: one that
 * did not take the same lock (an older modelseal, which takes the advisory
 * lock, or a signer without the marker row's grant). The database refused
 * it (the event's id is taken, or it no longer extends the head), nothing
 * of it was recorded, and the transaction can run again on the new head. */
static int lost_chain_race(const PGresult *res)
{
	const char *state = sqlstate(res);
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	return (strcmp(state, "23505") == 0 && constraint &&
	        strcmp(constraint, "events_pkey") == 0) ||
	       (strcmp(state, "P0001") == 0 && msg && strstr(msg, "does not extend the chain"));
}

static int retryable(const PGresult *res)
{
	const char *state = sqlstate(res);
	return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || lost_chain_race(res);
}

static void report(struct ms_registry *r, const PGresult *res, const char *sql)
{
	char ex[72], msg[512];
	db_sql_excerpt(sql ? sql : "", ex, sizeof ex);
	if (PQstatus(conn(r)) == CONNECTION_BAD) {
		one_line(PQerrorMessage(conn(r)), msg, sizeof msg);
		reg_error(r,
		          "lost the connection to the server (%s, in: %s); nothing of this "
		          "transaction was recorded",
		          msg, ex);
		return;
	}
	one_line(res ? PQresultErrorMessage(res) : PQerrorMessage(conn(r)), msg, sizeof msg);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (retryable(res)) {
		r->retryable = 1;
		if (r->quiet) { /* reg_retry runs the transaction again */
			ms_debug("registry %s: %s (in: %s)", r->path, msg, ex);
			return;
		}
	}
	if (state && strcmp(state, "42501") == 0)
		reg_error(r, "%s (in: %s); this database role may not do that", msg, ex);
	else if (state && strcmp(state, "55P03") == 0)
		reg_error(r,
		          "still locked after waiting: another session holds, or waits for, a "
		          "lock on the registry's tables (in: %s)",
		          ex);
	else
		reg_error(r, "%s (in: %s)", msg, ex);
}

static struct db_stmt *pg_prepare(struct ms_registry *r, const char *sql)
{
	struct pg_stmt *s = ms_calloc(1, sizeof *s);
	s->base.r = r;
	s->base.sql = sql;
	s->sql = db_numbered_placeholders(sql, &s->n_params);
	int n = s->n_params ? s->n_params : 1;
	s->values = ms_calloc((size_t)n, sizeof *s->values);
	s->types = ms_calloc((size_t)n, sizeof *s->types);
	for (int i = 0; i < s->n_params; i++)
		s->types[i] = TEXTOID;
	return &s->base;
}

static void clear(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->n_rows = 0;
	s->changes = 0;
}

static void pg_reset(struct db_stmt *st)
{
	clear(pg(st));
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = pg(st);
	clear(s);
	for (int i = 0; i < s->n_params; i++)
		free(s->values[i]);
	free(s->values);
	free(s->types);
	free(s->sql);
	free(s);
}

/* Binding resets a statement that ran, as SQLite's reset-then-bind does. */
static char **slot(struct db_stmt *st, int i, unsigned type)
{
	struct pg_stmt *s = pg(st);
	if (i < 1 || i > s->n_params)
		return NULL;
	if (s->res)
		clear(s);
	free(s->values[i - 1]);
	s->values[i - 1] = NULL;
	s->types[i - 1] = type;
	return &s->values[i - 1];
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	char **p = slot(st, i, TEXTOID);
	if (p && v)
		*p = ms_strdup(v);
}

static void pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	char **p = slot(st, i, INT8OID);
	if (p)
		*p = ms_asprintf("%lld", (long long)v);
}

static int run(struct pg_stmt *s)
{
	struct ms_registry *r = s->base.r;
	s->res = PQexecParams(conn(r), s->sql, s->n_params, s->types,
	                      (const char *const *)s->values, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(s->res);
	if (status == PGRES_TUPLES_OK) {
		s->n_rows = PQntuples(s->res);
		s->row = -1;
		return 0;
	}
	if (status == PGRES_COMMAND_OK) {
		s->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
		s->n_rows = 0;
		s->row = -1;
		return 0;
	}
	report(r, s->res, s->base.sql);
	clear(s);
	return -1;
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = pg(st);
	if (!s->res && run(s) < 0)
		return -1;
	if (s->row < s->n_rows)
		s->row++;
	return s->row < s->n_rows ? DB_ROW : DB_DONE;
}

static const char *pg_column_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = pg(st);
	if (!s->res || s->row < 0 || s->row >= s->n_rows || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static int64_t pg_column_int64(struct db_stmt *st, int i)
{
	const char *v = pg_column_text(st, i);
	return v ? strtoll(v, NULL, 10) : 0;
}

static int pg_column_is_null(struct db_stmt *st, int i)
{
	return pg_column_text(st, i) == NULL;
}

static int64_t pg_changes(struct db_stmt *st)
{
	return pg(st)->changes;
}

/* One PQexec; *res kept for the caller when res is not NULL. */
static int exec_keep(struct ms_registry *r, const char *sql, PGresult **res)
{
	PGresult *x = PQexec(conn(r), sql);
	ExecStatusType status = PQresultStatus(x);
	int ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
	if (!ok && !(res && retryable(x)))
		report(r, x, sql);
	if (res)
		*res = x;
	else
		PQclear(x);
	return ok ? 0 : -1;
}

static int pg_exec(struct ms_registry *r, const char *sql)
{
	return exec_keep(r, sql, NULL);
}

static int pg_in_transaction(struct ms_registry *r)
{
	PGTransactionStatusType t = PQtransactionStatus(conn(r));
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void pg_rollback(struct ms_registry *r)
{
	if (PQstatus(conn(r)) == CONNECTION_OK && pg_in_transaction(r))
		PQclear(PQexec(conn(r), "ROLLBACK"));
}

static int pg_begin_read(struct ms_registry *r)
{
	/* One snapshot for every statement, as SQLite's read transaction. */
	return pg_exec(r, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

/* The writers' lock is the registry's marker row, locked FOR UPDATE: that
 * needs UPDATE on one of its columns, which docs/postgresql/roles.sql gives
 * owners and signers (on application alone, which its CHECK holds to
 * 'modelseal'), never readers. An advisory lock, which any role that may
 * connect can take, would let a deploy host hold every signer off. The
 * advisory lock stays for two cases: a registry not created yet (no marker
 * row: the first write creates it behind that lock), and a role that the
 * older roles.sql set up without that grant (said once). With one round
 * trip, the result is the lock's or the first error. */
static PGresult *take_write_lock(struct ms_registry *r)
{
	static int warned;
	PGresult *res = PQexec(conn(r), "BEGIN ISOLATION LEVEL READ COMMITTED;"
	                                "SELECT 1 FROM modelseal_registry FOR UPDATE");
	int missing = strcmp(sqlstate(res), "42P01") == 0;
	int denied = strcmp(sqlstate(res), "42501") == 0;
	if (!missing && !denied)
		return res;
	PQclear(res);
	pg_rollback(r);
	if (denied && !warned++) {
		char *why =
		    ms_asprintf("registry %s: this role may not lock the registry's marker "
		                "row, so writers serialise on an advisory lock that any role "
		                "can hold (run roles.sql again to grant it: docs/postgresql/ "
		                "in the source, postgresql/ in the installed documentation)",
		                r->path);
		if (r->silent) /* verify's event path: its output stays the verdict's */
			ms_debug("%s", why);
		else
			ms_warn("%s", why);
		free(why);
	}
	return PQexec(conn(r), "BEGIN ISOLATION LEVEL READ COMMITTED;"
	                       "SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")");
}

/* READ COMMITTED behind the lock: each statement sees what the writer
 * before committed, and writers never conflict with each other (the lock
 * orders them), so serialization failures and deadlocks come only from
 * outside; those are retried a few times. */
static int pg_begin_write(struct ms_registry *r)
{
	for (int tries = 0;; tries++) {
		PGresult *res = take_write_lock(r);
		int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
		int again = rc < 0 && retryable(res) && tries + 1 < REG_MAX_TRIES;
		if (rc < 0 && !again)
			report(r, res, "taking the registry's write lock");
		PQclear(res);
		if (rc == 0)
			return 0;
		pg_rollback(r);
		if (!again)
			return -1;
		ms_debug("registry %s: serialization failure taking the write lock; retrying",
		         r->path);
	}
}

static int pg_commit(struct ms_registry *r)
{
	PGresult *res = PQexec(conn(r), "COMMIT");
	/* A transaction that failed earlier answers COMMIT with ROLLBACK. */
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!ok && PQresultStatus(res) == PGRES_COMMAND_OK)
		reg_error(r, "the transaction was rolled back by the server; nothing was recorded");
	else if (!ok && PQstatus(conn(r)) == CONNECTION_BAD) {
		r->commit_unknown = 1;
		reg_error(r, "lost the connection to the server while committing: whether this "
		             "run was recorded is unknown; check with 'modelseal log' or 'audit'");
	} else if (!ok)
		report(r, res, "COMMIT");
	PQclear(res);
	return ok ? 0 : -1;
}

/* The rows of a query, NULL after reporting an error. */
static PGresult *select_rows(struct ms_registry *r, const char *sql)
{
	PGresult *res = PQexec(conn(r), sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	report(r, res, sql);
	PQclear(res);
	return NULL;
}

/* The value of a one-row, one-column query; NULL (quietly when no row)
 * after an error. Freshly allocated. */
static char *query_value(struct ms_registry *r, const char *sql, int *failed)
{
	PGresult *res = select_rows(r, sql);
	char *v = NULL;
	*failed = !res;
	if (res && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = ms_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static int pg_schema_version(struct ms_registry *r, int *version)
{
	int failed;
	/* pg_class read with the statement's snapshot, not the catalog cache
	 * (to_regclass): right after the write lock, a schema another writer
	 * just committed must be seen. */
	char *has = query_value(r,
	                        "SELECT count(*) > 0 FROM pg_catalog.pg_class c"
	                        " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
	                        " WHERE s.nspname = current_schema()"
	                        " AND c.relname = 'modelseal_registry'",
	                        &failed);
	*version = 0;
	if (!failed && has && strcmp(has, "t") == 0) {
		free(has);
		has = query_value(r, "SELECT schema_version FROM modelseal_registry", &failed);
		*version = has ? atoi(has) : 0;
	}
	free(has);
	return failed ? -1 : 0;
}

static int pg_migrate_step(struct ms_registry *r, int from, int *to)
{
	if (from != 0) {
		reg_error(r, "no migration from schema version %d on PostgreSQL", from);
		return -1;
	}
	uint8_t id[16];
	char hex[33];
	if (RAND_bytes(id, sizeof id) != 1) {
		reg_error(r, "no random bytes for the registry's identity");
		return -1;
	}
	ms_hex_encode(id, sizeof id, hex);
	*to = MS_REGISTRY_SCHEMA_VERSION;
	char *marker = ms_asprintf("INSERT INTO modelseal_registry (application, schema_version)"
	                           " VALUES ('modelseal', %d);"
	                           "INSERT INTO meta (name, value) VALUES ('registry_id', '%s')",
	                           *to, hex);
	int rc = pg_exec(r, db_pg_schema_v4) < 0 || pg_exec(r, marker) < 0 ? -1 : 0;
	free(marker);
	return rc;
}

/* ---- opening ---- */

static void notice(void *arg, const char *message)
{
	(void)arg;
	char msg[512];
	one_line(message, msg, sizeof msg);
	ms_debug("postgresql: %s", msg);
}

static int connect_db(struct ms_registry *r)
{
	const char *keys[8], *values[8];
	int n = 0;
	/* Before dbname: what the URL says overrides these defaults. */
	if (!getenv("PGCONNECT_TIMEOUT")) {
		keys[n] = "connect_timeout";
		values[n++] = r->silent ? EVENT_CONNECT_TIMEOUT : CONNECT_TIMEOUT;
	}
	keys[n] = "application_name";
	values[n++] = "modelseal";
	keys[n] = "dbname";
	values[n++] = r->location;
	/* After it: the event hashes need the text's exact bytes. */
	keys[n] = "client_encoding";
	values[n++] = "UTF8";
	keys[n] = NULL;
	values[n] = NULL;
	/* libpq quotes a URL it cannot parse, password and all, in its
	 * message: such a URL is reported here, shown without its secrets. */
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(r->location, &why);
	PQconninfoFree(opts);
	if (!opts) {
		PQfreemem(why);
		reg_error(r, "the URL cannot be parsed as a PostgreSQL connection URI (see "
		             "libpq's \"Connection URIs\"); check its syntax");
		return -1;
	}
	PQfreemem(why);
	PGconn *c = PQconnectdbParams(keys, values, 1);
	r->conn = c;
	if (!c) {
		reg_error(r, "cannot connect: out of memory");
		return -1;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];
		one_line(PQerrorMessage(c), msg, sizeof msg);
		reg_error(r, "cannot connect: %s", msg);
		return -1;
	}
	PQsetNoticeProcessor(c, notice, NULL);
	/* The event hashes cover the text's exact bytes: a server that stores
	 * text in another encoding would change them, and one that takes any
	 * bytes (SQL_ASCII) lets a writer store text that is not UTF-8, which
	 * every reader would then fail on. */
	const char *enc = PQparameterStatus(c, "server_encoding");
	if (!enc || strcmp(enc, "UTF8") != 0) {
		reg_error(r,
		          "the database's encoding is %s: a registry needs UTF8 (createdb -E UTF8 "
		          "-T template0)",
		          enc ? enc : "unknown");
		return -1;
	}
	return 0;
}

/* Row level security and rules can show each role another registry (hide
 * a revocation from the deploy hosts only) or drop writes silently: a
 * registry never has them. audit lists the tables with any of them, or
 * with a policy (which acts only once row level security is on; opening
 * refuses that). */
#define RLS_OR_RULES_ROWS_SQL(OR_MORE)                                                             \
	"SELECT string_agg(c.relname, ', ' ORDER BY c.relname)"                                    \
	" FROM pg_catalog.pg_class c"                                                              \
	" JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"                                \
	" WHERE s.nspname = current_schema() AND c.relkind IN ('r', 'p')"                          \
	" AND (c.relrowsecurity OR c.relforcerowsecurity"                                          \
	" OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid)" OR_MORE ")"
#define HIDDEN_ROWS_SQL                                                                            \
	RLS_OR_RULES_ROWS_SQL(" OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p"                   \
	                      " WHERE p.polrelid = c.oid)")

/* What opening needs to know of the database, in one round trip after the
 * session's settings, from pg_class alone (a fresh server process pays for
 * every catalog a query plans with): how many tables the schema holds,
 * whether the marker is among them, which tables have row level security
 * on, and which have or once had rules (pg_class.relhasrules; those are
 * looked up in pg_rewrite). Policies act only where row level security is
 * on; audit lists them all. */
static PGresult *identity_rows(struct ms_registry *r)
{
	char *sql = ms_asprintf(
	    "SET lock_timeout = '%s';%s"
	    "SELECT count(*), count(*) FILTER (WHERE c.relname = 'modelseal_registry') > 0,"
	    " string_agg(c.relname, ', ' ORDER BY c.relname) FILTER (WHERE c.relkind IN ('r', 'p')"
	    " AND (c.relrowsecurity OR c.relforcerowsecurity)),"
	    " count(*) FILTER (WHERE c.relkind IN ('r', 'p') AND c.relhasrules)"
	    " FROM pg_catalog.pg_class c"
	    " WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace"
	    " WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
	    r->silent ? EVENT_LOCK_TIMEOUT : LOCK_TIMEOUT,
	    r->silent ? "SET statement_timeout = '" EVENT_STATEMENT_TIMEOUT "';" : "");
	PGresult *res = select_rows(r, sql);
	free(sql);
	if (res && (PQntuples(res) != 1 || PQnfields(res) != 4)) {
		reg_error(r, "the server answered the catalog query with %d rows", PQntuples(res));
		PQclear(res);
		res = NULL;
	}
	return res;
}

/* The tables of identity_rows that hide rows, NULL when none; NULL and
 * *failed after an error. */
static char *identity_hidden(struct ms_registry *r, const PGresult *res, int *failed)
{
	*failed = 0;
	if (atol(PQgetvalue(res, 0, 3)) > 0)
		return query_value(r, RLS_OR_RULES_ROWS_SQL(""), failed);
	return PQgetisnull(res, 0, 2) ? NULL : ms_strdup(PQgetvalue(res, 0, 2));
}

/* The database is ours (the marker), empty (we may create the schema), or
 * someone else's (refused). */
static int check_identity(struct ms_registry *r, unsigned flags, int *version)
{
	PGresult *res = identity_rows(r);
	if (!res)
		return -1;
	long tables = atol(PQgetvalue(res, 0, 0));
	int marker = strcmp(PQgetvalue(res, 0, 1), "t") == 0, failed;
	char *hidden = identity_hidden(r, res, &failed);
	PQclear(res);
	if (hidden) {
		reg_error(r,
		          "row level security, policies or rules on %s: a registry never has them "
		          "(each role could be shown another registry); refusing it",
		          hidden);
		free(hidden);
		return -1;
	}
	if (failed)
		return -1;
	*version = 0;
	if (marker) {
		char *v = query_value(r, "SELECT schema_version FROM modelseal_registry", &failed);
		*version = v ? atoi(v) : 0;
		free(v);
		if (failed)
			return -1;
	}
	if (*version == 0 && tables > 0) {
		reg_error(r, "not a modelseal registry (the database holds other tables and no "
		             "modelseal_registry marker); give modelseal a database of its own");
		return -1;
	}
	if (*version == 0 && !(flags & MS_REG_CREATE)) {
		if (flags & MS_REG_MAYBE)
			return 1;
		reg_error(r, "no registry in this database yet (it is empty): sign a model first, "
		             "or copy one in with 'modelseal registry copy'");
		return -1;
	}
	return 0;
}

static int pg_open(struct ms_registry *r, unsigned flags, int *version)
{
	r->readonly = (flags & MS_REG_READONLY) != 0;
	if (connect_db(r) < 0)
		return -1;
	return check_identity(r, flags, version);
}

static void pg_close(struct ms_registry *r)
{
	PQfinish(conn(r));
	r->conn = NULL;
}

static int pg_after_copy(struct ms_registry *r)
{
	/* The next models row gets an id after the copied ones; the planner
	 * learns the tables' new sizes now rather than when autovacuum comes
	 * round (until then a lineage query on a large copy may take seconds
	 * instead of milliseconds, and so may the audit of the copy). */
	return pg_exec(r, "SELECT setval(pg_get_serial_sequence('models', 'id'),"
	                  " coalesce((SELECT max(id) FROM models), 0) + 1, false);"
	                  "ANALYZE models, edges, events");
}

/* ---- audit: the schema against what it should be ---- */

/* Names from sql (one text column) that are not in want, and those of
 * want that are missing from them. */
static int compare_names(struct ms_registry *r, struct ms_audit *a, const char *what,
                         const char *sql, const char *const *want)
{
	PGresult *res = select_rows(r, sql);
	if (!res)
		return -1;
	int n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(res, i, 0);
		size_t k = 0;
		while (want[k] && strcmp(want[k], name) != 0)
			k++;
		if (!want[k])
			reg_audit_found(a, 0,
			                "schema: %s %s is not part of the registry schema (added)",
			                what, name);
	}
	for (size_t k = 0; want[k]; k++) {
		int i = 0;
		while (i < n && strcmp(PQgetvalue(res, i, 0), want[k]) != 0)
			i++;
		if (i == n)
			reg_audit_found(a, 0, "schema: %s %s is missing (dropped)", what, want[k]);
	}
	PQclear(res);
	return 0;
}

/* Each function of the schema: its body and its search_path as created,
 * and no other function beside them (an overload that a trigger might
 * resolve to instead). */
static int check_functions(struct ms_registry *r, struct ms_audit *a)
{
	static const char sql[] =
	    "SELECT p.proname, p.prosrc, (p.proconfig IS NOT DISTINCT FROM " DB_PG_FUNCTION_CONFIG
	    ")::int, p.pronargs, p.prosecdef::int"
	    " FROM pg_catalog.pg_proc p"
	    " JOIN pg_catalog.pg_namespace s ON s.oid = p.pronamespace"
	    " WHERE s.nspname = current_schema() ORDER BY 1";
	PGresult *res = select_rows(r, sql);
	if (!res)
		return -1;
	int n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(res, i, 0);
		size_t k = 0;
		while (db_pg_functions[k][0] && strcmp(db_pg_functions[k][0], name) != 0)
			k++;
		if (!db_pg_functions[k][0] || strcmp(PQgetvalue(res, i, 3), "0") != 0)
			reg_audit_found(
			    a, 0, "schema: function %s is not part of the registry schema (added)",
			    name);
		else if (strcmp(PQgetvalue(res, i, 1), db_pg_functions[k][1]) != 0)
			reg_audit_found(a, 0, "schema: function %s was changed", name);
		else if (strcmp(PQgetvalue(res, i, 2), "1") != 0 ||
		         strcmp(PQgetvalue(res, i, 4), "0") != 0)
			reg_audit_found(a, 0, "schema: function %s: its settings were changed",
			                name);
	}
	for (size_t k = 0; db_pg_functions[k][0]; k++) {
		int i = 0;
		while (i < n && strcmp(PQgetvalue(res, i, 0), db_pg_functions[k][0]) != 0)
			i++;
		if (i == n)
			reg_audit_found(a, 0, "schema: function %s is missing (dropped)",
			                db_pg_functions[k][0]);
	}
	PQclear(res);
	return 0;
}

static int check_triggers_enabled(struct ms_registry *r, struct ms_audit *a)
{
	PGresult *res = select_rows(r, "SELECT t.tgname FROM pg_catalog.pg_trigger t"
	                               " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
	                               " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
	                               " WHERE s.nspname = current_schema() AND NOT t.tgisinternal"
	                               " AND t.tgenabled = 'D' ORDER BY 1");
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		reg_audit_found(a, 0, "schema: trigger %s is disabled", PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

static int check_hidden_rows(struct ms_registry *r, struct ms_audit *a)
{
	int failed;
	char *tables = query_value(r, HIDDEN_ROWS_SQL, &failed);
	if (tables)
		reg_audit_found(a, 0,
		                "schema: row level security, policies or rules on %s (not part of "
		                "the registry schema: each role may see another registry)",
		                tables);
	free(tables);
	return failed ? -1 : 0;
}

static int pg_check_database(struct ms_registry *r, struct ms_audit *a)
{
	/* PostgreSQL keeps its own pages and foreign keys consistent; what
	 * can change under it is the schema, by its owner. */
	return compare_names(r, a, "table",
	                     "SELECT c.relname FROM pg_catalog.pg_class c"
	                     " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
	                     " WHERE s.nspname = current_schema()"
	                     " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1",
	                     db_pg_tables) < 0 ||
	               compare_names(r, a, "trigger",
	                             "SELECT t.tgname FROM pg_catalog.pg_trigger t"
	                             " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
	                             " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
	                             " WHERE s.nspname = current_schema()"
	                             " AND NOT t.tgisinternal ORDER BY 1",
	                             db_pg_triggers) < 0 ||
	               check_triggers_enabled(r, a) < 0 ||
	               compare_names(r, a, "index",
	                             "SELECT c.relname FROM pg_catalog.pg_index i"
	                             " JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid"
	                             " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
	                             " WHERE s.nspname = current_schema()"
	                             " AND NOT i.indisprimary AND NOT i.indisunique ORDER BY 1",
	                             db_pg_indexes) < 0 ||
	               check_functions(r, a) < 0 ||
	               compare_names(
	                   r, a, "constraint",
	                   "SELECT c.relname || ' ' || k.conname || ' ' || k.contype::text"
	                   " FROM pg_catalog.pg_constraint k"
	                   " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid"
	                   " JOIN pg_catalog.pg_namespace s ON s.oid = k.connamespace"
	                   " WHERE s.nspname = current_schema() ORDER BY 1",
	                   db_pg_constraints) < 0 ||
	               check_hidden_rows(r, a) < 0
	           ? -1
	           : 0;
}

const struct db_backend db_postgresql = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .step = pg_step,
    .column_text = pg_column_text,
    .column_int64 = pg_column_int64,
    .column_is_null = pg_column_is_null,
    .changes = pg_changes,
    .exec = pg_exec,
    .begin_read = pg_begin_read,
    .begin_write = pg_begin_write,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .schema_version = pg_schema_version,
    .migrate_step = pg_migrate_step,
    .check_database = pg_check_database,
    .after_copy = pg_after_copy,
};
