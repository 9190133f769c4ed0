/* Registry benchmark helper (scripts/bench-registry.sh): fills a registry
 * with N models whose lineage holds a DEPTH-deep chain, then times single
 * inserts through the public API.
 *
 *   registry_bench fill PATH N DEPTH   prints the deepest model's digest
 *   registry_bench insert PATH COUNT   times COUNT ms_registry_record_model calls
 *   registry_bench verify PATH COUNT   times the registry's share of a verify:
 *                                      open, trust load (replaying the log),
 *                                      a policy's model lookups, the event
 *
 * fill writes in one transaction straight through SQLite (100,000 API calls
 * would each commit and fsync) but with the schema, row formats and event
 * hashes of the real code, so that lineage, log and audit work on it. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/registry/registry_int.h"
#include "modelseal/cli.h"
#include "modelseal/registry.h"
#include "modelseal/registry_trust.h"
#include "modelseal/util.h"

static const char signer[] = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";

static void digest_of(const char *what, long i, char out[MS_HEX_LEN + 1])
{
	char buf[64];
	uint8_t md[32];
	int n = snprintf(buf, sizeof buf, "%s-%ld", what, i);
	EVP_Digest(buf, (size_t)n, md, NULL, EVP_sha256(), NULL);
	ms_hex_encode(md, sizeof md, out);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct filler {
	struct ms_registry *r;
	struct db_stmt *model, *edge, *event;
	char prev[MS_HEX_LEN + 1];
	long event_id;
	char statement[512], bundle[1024];
};

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "registry_bench: %s failed\n", what);
		exit(2);
	}
}

static void add_model(struct filler *f, const char *digest, long i, const char *parent,
                      const char *relation)
{
	char name[32], hash[MS_HEX_LEN + 1], subject[80];
	snprintf(name, sizeof name, "model-%ld", i);
	db_reset(f->model);
	reg_bind_text(f->model, 1, digest);
	reg_bind_text(f->model, 2, name);
	db_bind_int64(f->model, 3, 1700000000 + i);
	must(reg_step(f->r, f->model) == DB_DONE, "model insert");
	if (parent) {
		db_reset(f->edge);
		reg_bind_text(f->edge, 1, digest);
		reg_bind_text(f->edge, 2, parent);
		reg_bind_text(f->edge, 3, relation);
		must(reg_step(f->r, f->edge) == DB_DONE, "edge insert");
	}
	/* The detail the real code writes: the whole row and its edges. */
	char *detail = reg_model_detail(f->r, digest, 0);
	must(detail != NULL, "detail");
	snprintf(subject, sizeof subject, "sha256:%s", digest);
	f->event_id++;
	ms_event_hash(f->event_id, 1700000000 + i, "signed", subject, detail, f->prev, hash);
	db_reset(f->event);
	db_bind_int64(f->event, 1, f->event_id);
	db_bind_int64(f->event, 2, 1700000000 + i);
	reg_bind_text(f->event, 3, subject);
	reg_bind_text(f->event, 4, detail);
	reg_bind_text(f->event, 5, f->prev);
	reg_bind_text(f->event, 6, hash);
	must(reg_step(f->r, f->event) == DB_DONE, "event insert");
	memcpy(f->prev, hash, sizeof hash);
	free(detail);
}

static int fill(const char *path, long n, long depth)
{
	struct filler f = {0};
	char digest[MS_HEX_LEN + 1], parent[MS_HEX_LEN + 1];
	must(ms_registry_open(path, MS_REG_CREATE, &f.r) == 0, "open");
	memset(f.prev, '0', MS_HEX_LEN);
	snprintf(f.statement, sizeof f.statement, "{\"pad\":\"%0400d\"}", 0);
	snprintf(f.bundle, sizeof f.bundle, "{\"mediaType\":\"x\",\"pad\":\"%0900d\"}", 0);
	f.model =
	    reg_prepare(f.r, "INSERT INTO models (digest, name, version, method, hash, size,"
	                     " files, signer, statement, bundle, created) VALUES (?1, ?2, '1',"
	                     " 'shards', 'sha256', 1000000, 4, ?4, ?5, ?6, ?3)");
	f.edge = reg_prepare(f.r, "INSERT INTO edges VALUES (?1, ?2, ?3)");
	f.event = reg_prepare(f.r, "INSERT INTO events VALUES (?1, ?2, 'signed', ?3, ?4, ?5, ?6)");
	must(f.model && f.edge && f.event, "prepare");
	reg_bind_text(f.model, 4, signer);
	reg_bind_text(f.model, 5, f.statement);
	reg_bind_text(f.model, 6, f.bundle);
	must(reg_begin(f.r) == 0, "begin");
	srand(42);
	for (long i = 0; i < n; i++) {
		if (i < depth) { /* the chain: model-i is a finetune of model-(i-1) */
			digest_of("chain", i, digest);
			if (i > 0)
				digest_of("chain", i - 1, parent);
			add_model(&f, digest, i, i > 0 ? parent : NULL, "finetune");
			continue;
		}
		/* the rest: a random forest hanging off earlier models */
		digest_of("other", i, digest);
		long p = depth + rand() % (i - depth + 1);
		if (p < i)
			digest_of("other", p, parent);
		add_model(&f, digest, i, p < i ? parent : NULL, i % 10 ? "finetune" : "quantized");
	}
	must(reg_commit(f.r) == 0, "commit");
	db_finalize(f.model);
	db_finalize(f.edge);
	db_finalize(f.event);
	ms_registry_close(f.r);
	digest_of("chain", depth - 1, digest);
	printf("%s\n", digest);
	return 0;
}

/* COUNT single inserts through the API, each its own transaction, each a
 * child of the deepest chain model: the work `sign` does after signing. */
static int insert(const char *path, long count)
{
	struct ms_registry *r;
	char name[64];
	must(ms_registry_open(path, 0, &r) == 0, "open");
	double best = 1e9, total = 0;
	for (long i = 0; i < count; i++) {
		struct ms_parent_ref p = {.relation = MS_REL_QUANTIZED};
		struct ms_model_record m = {.name = name,
		                            .version = "1",
		                            .method = "shards",
		                            .hash = "sha256",
		                            .size = 1,
		                            .n_files = 1,
		                            .signer = signer,
		                            .statement = "{}",
		                            .bundle = "{\"mediaType\":\"x\"}",
		                            .parents = &p,
		                            .n_parents = 1};
		snprintf(name, sizeof name, "bench-insert-%ld-%ld", (long)time(NULL), i);
		digest_of(name, i, m.digest);
		digest_of("chain", 0, p.digest);
		double t0 = now_ms();
		must(ms_registry_check_name(r, m.name, m.version, m.digest) == 0 &&
		         ms_registry_record_model(r, &m) == 0,
		     "record");
		double dt = now_ms() - t0;
		total += dt;
		if (dt < best)
			best = dt;
	}
	ms_registry_close(r);
	printf("%.3f %.3f\n", total / count, best);
	return 0;
}

static int find_name(const struct ms_model_info *m, void *ctx)
{
	return m->version && strcmp(m->version, ctx) == 0;
}

/* What gate.c and the policy rules ask of the registry in one verify. */
static void one_verify(const char *deepest)
{
	struct ms_registry *r;
	struct ms_trust t;
	struct ms_model_info m;
	must(ms_registry_open_if_exists(&r) == 1, "open");
	must(ms_registry_trust_load(r, &t) == 0, "trust load");
	must(ms_registry_get_model(r, deepest, MS_INFO_FULL, &m) == 0, "get model");
	ms_model_info_free(&m);
	must(ms_registry_log(r, "model-0", 0, find_name, "1") == 0, "name lookup");
	ms_trust_free(&t);
	ms_registry_close(r);
	char *subject = ms_asprintf("sha256:%s", deepest);
	must(ms_registry_note_event(MS_EV_VERIFIED, subject, "{\"problems\":0}") == 1, "event");
	free(subject);
}

static int verify(const char *path, long count)
{
	char deepest[MS_HEX_LEN + 1];
	double best = 1e9, total = 0;
	ms_global.registry = path;
	digest_of("chain", 0, deepest);
	for (long i = 0; i < count; i++) {
		double t0 = now_ms();
		one_verify(deepest);
		double dt = now_ms() - t0;
		total += dt;
		if (dt < best)
			best = dt;
	}
	printf("%.3f %.3f\n", total / count, best);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], atol(argv[3]));
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && strcmp(argv[1], "insert") == 0)
		return insert(argv[2], atol(argv[3]));
	fprintf(
	    stderr,
	    "usage: registry_bench fill PATH N DEPTH | insert PATH COUNT | verify PATH COUNT\n");
	return 2;
}
