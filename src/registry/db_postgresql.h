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
#define DB_PG_MODEL_BACKED_BODY                                                                    \
	"\nDECLARE d json;\n"                                                                      \
	"BEGIN\n"                                                                                  \
	"  SELECT detail::json INTO d FROM events\n"                                               \
	"    WHERE subject = 'sha256:' || NEW.digest AND kind = 'signed'\n"                        \
	"    ORDER BY id DESC LIMIT 1;\n"                                                          \
	"  IF d IS NULL\n"                                                                         \
	"     OR d->>'name' IS DISTINCT FROM NEW.name\n"                                           \
	"     OR d->>'version' IS DISTINCT FROM NEW.version\n"                                     \
	"     OR d->>'signer' IS DISTINCT FROM NEW.signer\n"                                       \
	"     OR d->>'statement_sha256' IS DISTINCT FROM\n"                                        \
	"        encode(sha256(convert_to(NEW.statement, 'UTF8')), 'hex')\n"                       \
	"     OR d->>'bundle_sha256' IS DISTINCT FROM\n"                                           \
	"        encode(sha256(convert_to(NEW.bundle, 'UTF8')), 'hex')\n"                          \
	"     OR d->>'provenance_sha256' IS DISTINCT FROM\n"                                       \
	"        encode(sha256(convert_to(NEW.provenance, 'UTF8')), 'hex') THEN\n"                 \
	"    RAISE EXCEPTION 'models row sha256:% is not recorded by its newest signed event',\n"  \
	"      NEW.digest;\n"                                                                      \
	"  END IF;\n"                                                                              \
	"  RETURN NULL;\n"                                                                         \
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

extern const char db_pg_schema_v4[];
extern const char *const db_pg_tables[];
extern const char *const db_pg_triggers[];
extern const char *const db_pg_indexes[];
extern const char *const db_pg_functions[][2];

#endif
