/* Models and their lineage edges: recording a signed model, reading one
 * back, listing them, and naming them (REF resolution). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/util.h"
#include "registry_int.h"

static const char *const relation_names[] = {"finetune", "adapter", "quantized", "merge",
                                             "dataset"};

const char *ms_relation_name(enum ms_relation rel)
{
	return relation_names[rel];
}

int ms_relation_parse(const char *s, enum ms_relation *out)
{
	for (size_t i = 0; i < MS_ARRAY_LEN(relation_names); i++)
		if (strcmp(s, relation_names[i]) == 0) {
			*out = (enum ms_relation)i;
			return 0;
		}
	return -1;
}

/* Looks up one text column by one text key: 1 found (*out allocated), 0 not. */
static int lookup(struct ms_registry *r, const char *sql, const char *a, const char *b, char **out)
{
	struct db_stmt *st = reg_prepare(r, sql);
	*out = NULL;
	if (!st)
		return -1;
	reg_bind_text(st, 1, a);
	if (b)
		reg_bind_text(st, 2, b);
	int rc = reg_step(r, st);
	if (rc == DB_ROW)
		*out = reg_column_dup(st, 0);
	db_finalize(st);
	return rc < 0 ? -1 : rc == DB_ROW;
}

/* One statement, one round trip: the model NAME@VERSION names now, and
 * the name the model has now. */
static int check_name(struct ms_registry *reg, const char *name, const char *version,
                      const char *digest)
{
	struct db_stmt *st =
	    reg_prepare(reg, "SELECT (SELECT digest FROM models WHERE name = ?1 AND version = ?2),"
	                     " (SELECT name || '@' || version FROM models WHERE digest = ?3)");
	if (!st)
		return -1;
	reg_bind_text(st, 1, name);
	reg_bind_text(st, 2, version);
	reg_bind_text(st, 3, digest);
	int rc = reg_step(reg, st);
	char *other = rc == DB_ROW ? reg_column_dup(st, 0) : NULL;
	char *named = rc == DB_ROW ? reg_column_dup(st, 1) : NULL;
	db_finalize(st);
	char *want = ms_asprintf("%s@%s", name, version);
	if (rc < 0) {
		rc = -1;
	} else if (other && strcmp(other, digest) != 0) {
		reg_error(reg, "%s@%s is already recorded for another model (sha256:%.12s...)",
		          name, version, other);
		rc = -1;
	} else if (named && strcmp(named, want) != 0) {
		reg_error(reg, "model sha256:%.12s... is already recorded as %s", digest, named);
		rc = -1;
	} else {
		rc = 0;
	}
	free(want);
	free(other);
	free(named);
	return rc;
}

/* The check ms_registry_check_name made inside ms_registry_lock()'s
 * transaction, so that the write that joins it need not make it again. */
static char *name_key(const char *name, const char *version, const char *digest)
{
	return ms_asprintf("%s@%s %s", name, version, digest);
}

static int name_checked_under_lock(struct ms_registry *reg, const char *name, const char *version,
                                   const char *digest)
{
	if (!reg->held || !reg->name_held || !reg_in_transaction(reg))
		return 0;
	char *key = name_key(name, version, digest);
	int same = strcmp(key, reg->name_held) == 0;
	free(key);
	return same;
}

int ms_registry_check_name(struct ms_registry *reg, const char *name, const char *version,
                           const char *digest)
{
	int rc = check_name(reg, name, version, digest);
	if (rc == 0 && reg->held) {
		free(reg->name_held);
		reg->name_held = name_key(name, version, digest);
	}
	return rc;
}

static int upsert_model(struct ms_registry *r, const struct ms_model_record *m)
{
	struct db_stmt *st = reg_prepare(
	    r, "INSERT INTO models (digest, name, version, method, hash, size, files, signer,"
	       " statement, bundle, provenance, created)"
	       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
	       /* models.: PostgreSQL finds a bare column name ambiguous here */
	       " ON CONFLICT (digest) DO UPDATE SET name = coalesce(excluded.name, models.name),"
	       " version = coalesce(excluded.version, models.version), signer = excluded.signer,"
	       " statement = excluded.statement, bundle = excluded.bundle,"
	       " provenance = coalesce(excluded.provenance, models.provenance)");
	if (!st)
		return -1;
	reg_bind_text(st, 1, m->digest);
	reg_bind_text(st, 2, m->name);
	reg_bind_text(st, 3, m->version);
	reg_bind_text(st, 4, m->method);
	reg_bind_text(st, 5, m->hash);
	db_bind_int64(st, 6, (int64_t)m->size);
	db_bind_int64(st, 7, (int64_t)m->n_files);
	reg_bind_text(st, 8, m->signer);
	reg_bind_text(st, 9, m->statement);
	reg_bind_text(st, 10, m->bundle);
	reg_bind_text(st, 11, m->provenance);
	db_bind_int64(st, 12, m->created ? m->created : (int64_t)time(NULL));
	int rc = reg_step(r, st);
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int insert_edge(struct ms_registry *r, const char *child, const struct ms_parent_ref *p)
{
	char *found;
	int rc = lookup(r, "SELECT digest FROM models WHERE digest = ?1", p->digest, NULL, &found);
	free(found);
	if (rc == 0)
		reg_error(r, "%s sha256:%.12s... is not recorded",
		          p->relation == MS_REL_DATASET ? "dataset" : "parent", p->digest);
	if (rc <= 0)
		return -1;
	struct db_stmt *st = reg_prepare(r, "INSERT INTO edges (child, parent, relation)"
	                                    " VALUES (?1, ?2, ?3) ON CONFLICT (child, parent)"
	                                    " DO UPDATE SET relation = excluded.relation");
	if (!st)
		return -1;
	reg_bind_text(st, 1, child);
	reg_bind_text(st, 2, p->digest);
	reg_bind_text(st, 3, ms_relation_name(p->relation));
	rc = reg_step(r, st);
	db_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int check_record(struct ms_registry *r, const struct ms_model_record *m)
{
	if (!reg_is_hex(m->digest, MS_HEX_LEN, MS_HEX_LEN) || !m->method || !m->hash ||
	    !m->signer || !m->statement || !m->bundle || (!m->name != !m->version)) {
		reg_error(r, "incomplete model record");
		return -1;
	}
	for (size_t i = 0; i < m->n_parents; i++)
		if (!reg_is_hex(m->parents[i].digest, MS_HEX_LEN, MS_HEX_LEN) ||
		    strcmp(m->parents[i].digest, m->digest) == 0) {
			reg_error(r, "a model cannot be its own parent or dataset");
			return -1;
		}
	return 0;
}

static int record_model(struct ms_registry *reg, const void *ctx)
{
	const struct ms_model_record *m = ctx;
	/* Checked again under the write lock (another signer may have won),
	 * unless the caller checked it under this very lock. */
	int checked = m->name && name_checked_under_lock(reg, m->name, m->version, m->digest);
	if (reg_begin(reg) < 0)
		return -1;
	if (m->name && !checked && check_name(reg, m->name, m->version, m->digest) < 0)
		goto fail;
	if (upsert_model(reg, m) < 0)
		goto fail;
	for (size_t i = 0; i < m->n_parents; i++)
		if (insert_edge(reg, m->digest, &m->parents[i]) < 0)
			goto fail;
	/* The event records the whole row as it now stands: readers and audit
	 * hold the row to it. */
	char *detail = reg_model_detail(reg, m->digest, 0);
	char *subject = ms_asprintf("sha256:%s", m->digest);
	int rc = detail ? reg_append_event(reg, "signed", subject, detail) : -1;
	free(detail);
	free(subject);
	if (rc < 0)
		goto fail;
	return reg_commit(reg);
fail:
	reg_rollback(reg);
	return -1;
}

int ms_registry_record_model(struct ms_registry *reg, const struct ms_model_record *m)
{
	if (check_record(reg, m) < 0)
		return -1;
	return reg_retry(reg, record_model, m);
}
