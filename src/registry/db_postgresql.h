/* The PostgreSQL backend's schema (db_postgresql_schema.c). */
#ifndef MODELSEAL_REGISTRY_DB_POSTGRESQL_H
#define MODELSEAL_REGISTRY_DB_POSTGRESQL_H

/* The bodies of the schema's functions: audit compares them with the
 * database's, so that a function rewritten to let everything through is
 * found. */
#define DB_PG_APPEND_ONLY_BODY                                                                     \
	"\nBEGIN\n"                                                                                \
	"  RAISE EXCEPTION 'the event log is append-only';\n"                                      \
	"END;\n"
/* Every event appended, by any role: it must extend the chain (the next
 * id, the head's hash as prev_hash, its own hash over its content as
 * registry_events.c computes it), so that no role that may append can
 * fork, cut or poison the log; and only a role that may change the trust
 * store (trusted_keys) or the revocations may append what changes them,
 * so that a signer cannot trust a key or revoke one by an event alone. */
#define DB_PG_EVENT_APPEND_BODY                                                                    \
	"\nDECLARE head record; want text;\n"                                                      \
	"BEGIN\n"                                                                                  \
	"  IF NEW.kind IN ('trusted', 'untrusted')\n"                                              \
	"     AND NOT has_table_privilege('trusted_keys', 'INSERT') THEN\n"                        \
	"    RAISE EXCEPTION 'this role may not change what the registry trusts'\n"                \
	"      USING ERRCODE = '42501';\n"                                                         \
	"  END IF;\n"                                                                              \
	"  IF NEW.kind = 'revoked' AND NOT has_table_privilege('revocations', 'INSERT') THEN\n"    \
	"    RAISE EXCEPTION 'this role may not revoke' USING ERRCODE = '42501';\n"                \
	"  END IF;\n"                                                                              \
	"  SELECT id, hash INTO head FROM events ORDER BY id DESC LIMIT 1;\n"                      \
	"  IF NEW.id <> coalesce(head.id, 0) + 1\n"                                                \
	"     OR NEW.prev_hash <> coalesce(head.hash, repeat('0', 64)) THEN\n"                     \
	"    RAISE EXCEPTION 'event % does not extend the chain', NEW.id;\n"                       \
	"  END IF;\n"                                                                              \
	"  want := encode(sha256(convert_to('modelseal.event.v1' || chr(10)\n"                     \
	"    || length(NEW.id::text) || ':' || NEW.id::text || chr(10)\n"                          \
	"    || length(NEW.time::text) || ':' || NEW.time::text || chr(10)\n"                      \
	"    || octet_length(NEW.kind) || ':' || NEW.kind || chr(10)\n"                            \
	"    || octet_length(NEW.subject) || ':' || NEW.subject || chr(10)\n"                      \
	"    || octet_length(NEW.detail) || ':' || NEW.detail || chr(10)\n"                        \
	"    || octet_length(NEW.prev_hash) || ':' || NEW.prev_hash || chr(10), 'UTF8')), "        \
	"'hex');\n"                                                                                \
	"  IF NEW.hash <> want THEN\n"                                                             \
	"    RAISE EXCEPTION 'event %: its hash is not that of its content', NEW.id;\n"            \
	"  END IF;\n"                                                                              \
	"  RETURN NEW;\n"                                                                          \
	"END;\n"
/* Whether models row R (a row variable's name) differs from d, the detail
 * of its newest 'signed' event (or d is NULL: there is none). */
#define DB_PG_ROW_UNBACKED(R)                                                                      \
	"  IF d IS NULL\n"                                                                         \
	"     OR d->>'name' IS DISTINCT FROM " R ".name\n"                                         \
	"     OR d->>'version' IS DISTINCT FROM " R ".version\n"                                   \
	"     OR d->>'signer' IS DISTINCT FROM " R ".signer\n"                                     \
	"     OR d->>'statement_sha256' IS DISTINCT FROM\n"                                        \
	"        encode(sha256(convert_to(" R ".statement, 'UTF8')), 'hex')\n"                     \
	"     OR d->>'bundle_sha256' IS DISTINCT FROM\n"                                           \
	"        encode(sha256(convert_to(" R ".bundle, 'UTF8')), 'hex')\n"                        \
	"     OR d->>'provenance_sha256' IS DISTINCT FROM\n"                                       \
	"        encode(sha256(convert_to(" R ".provenance, 'UTF8')), 'hex') THEN\n"
#define DB_PG_MODEL_BACKED_BODY                                                                    \
	"\nDECLARE d json;\n"                                                                      \
	"BEGIN\n"                                                                                  \
	"  SELECT detail::json INTO d FROM events\n"                                               \
	"    WHERE subject = 'sha256:' || NEW.digest AND kind = 'signed'\n"                        \
	"    ORDER BY id DESC LIMIT 1;\n" DB_PG_ROW_UNBACKED(                                      \
	    "NEW") "    RAISE EXCEPTION 'models row sha256:% is not recorded by its newest "       \
	           "signed event',\n"                                                              \
	           "      NEW.digest;\n"                                                           \
	           "  END IF;\n"                                                                   \
	           "  RETURN NULL;\n"                                                              \
	           "END;\n"
/* The other way round: a 'signed' event commits only with the models row
 * it records, so that no role can append one that leaves a model's row
 * unbacked (audit would then fail on every host, for good). */
#define DB_PG_SIGNED_BACKED_BODY                                                                   \
	"\nDECLARE d json; m models%ROWTYPE;\n"                                                    \
	"BEGIN\n"                                                                                  \
	"  SELECT * INTO m FROM models WHERE 'sha256:' || digest = NEW.subject;\n"                 \
	"  IF NOT FOUND THEN\n"                                                                    \
	"    RAISE EXCEPTION 'signed event %: its model is not recorded', NEW.id;\n"               \
	"  END IF;\n"                                                                              \
	"  SELECT detail::json INTO d FROM events\n"                                               \
	"    WHERE subject = NEW.subject AND kind = 'signed'\n"                                    \
	"    ORDER BY id DESC LIMIT 1;\n" DB_PG_ROW_UNBACKED(                                      \
	    "m") "    RAISE EXCEPTION 'signed event %: the models row is not recorded by it', "    \
	         "NEW.id;\n"                                                                       \
	         "  END IF;\n"                                                                     \
	         "  RETURN NULL;\n"                                                                \
	         "END;\n"
#define DB_PG_EDGE_BACKED_BODY                                                                     \
	"\nBEGIN\n"                                                                                \
	"  IF NOT EXISTS (SELECT 1 FROM (SELECT detail::json AS d FROM events\n"                   \
	"      WHERE subject = 'sha256:' || NEW.child AND kind = 'signed'\n"                       \
	"      ORDER BY id DESC LIMIT 1) e, json_array_elements(e.d->'parents') p\n"               \
	"      WHERE p->>'digest' = 'sha256:' || NEW.parent\n"                                     \
	"      AND p->>'relation' = NEW.relation) THEN\n"                                          \
	"    RAISE EXCEPTION 'edges row sha256:% -> sha256:% is not recorded by a signed "         \
	"event',\n"                                                                                \
	"      NEW.child, NEW.parent;\n"                                                           \
	"  END IF;\n"                                                                              \
	"  RETURN NULL;\n"                                                                         \
	"END;\n"

/* The setting each of the schema's functions runs with, as audit expects
 * to find it (pg_proc.proconfig): the registry's schema, pg_temp named last
 * so that it is searched last. */
#define DB_PG_FUNCTION_CONFIG                                                                      \
	"ARRAY[format('search_path=pg_catalog, %I, pg_temp', current_schema())]"

extern const char db_pg_schema_v4[];
extern const char *const db_pg_tables[];
extern const char *const db_pg_triggers[];
extern const char *const db_pg_indexes[];
extern const char *const db_pg_functions[][2];
extern const char *const db_pg_constraints[];

#endif
