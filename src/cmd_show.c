/* modelseal show: everything the registry knows about one model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelseal/cli.h"
#include "modelseal/commands.h"
#include "modelseal/lineage.h"
#include "modelseal/pathref.h"
#include "modelseal/policy.h"
#include "modelseal/provenance.h"
#include "modelseal/registry.h"
#include "modelseal/util.h"

const char cmd_show_usage[] =
    "usage: modelseal show [--key PUB]... [--trust-file FILE] REF\n"
    "\n"
    "Prints one registry record: digest, name, signer, hashing, parents,\n"
    "datasets, children, provenance and revocation state. REF is NAME@VERSION,\n"
    "sha256:<hex or unique prefix>, a hex prefix, or the path of a signed model,\n"
    "which is verified first; a model the registry does not hold (or a host\n"
    "without a registry) is shown from its signed provenance.\n"
    "\n"
    "Options:\n"
    "  -k, --key PUB           verify a path REF with this key instead of the trust\n"
    "                          store; repeatable\n"
    "  -t, --trust-file FILE   keys and revocations from FILE ('trust export')\n";

struct revocation {
	int revoked;
	char *reason;
	int64_t time;
};

struct show {
	struct ms_model_info m;
	struct ms_model_link *children;
	size_t n_children;
	struct revocation model_rev, key_rev;
	int from_provenance; /* not recorded here: read from signed provenance */
};

static int load(struct ms_registry *reg, const char *digest, struct show *s)
{
	if (ms_registry_get_model(reg, digest, MS_INFO_FULL | MS_INFO_PARENTS, &s->m) != 0 ||
	    ms_registry_children(reg, digest, &s->children, &s->n_children) < 0)
		return -1;
	s->model_rev.revoked =
	    ms_registry_revocation(reg, "model", digest, &s->model_rev.reason, &s->model_rev.time);
	s->key_rev.revoked =
	    ms_registry_revocation(reg, "key", s->m.signer, &s->key_rev.reason, &s->key_rev.time);
	return s->model_rev.revoked < 0 || s->key_rev.revoked < 0 ? -1 : 0;
}

static void set_revocation(struct revocation *r, const struct ms_revocation *from)
{
	r->revoked = from != NULL;
	r->reason = from ? ms_strdup(from->reason) : NULL;
	r->time = from ? from->time : 0;
}

/* A verified model that is not recorded: its own signed provenance. */
static int load_provenance(struct ms_pathref_view *v, struct show *s)
{
	struct ms_policy_input in = {
	    &v->req, &v->res, v->keys, v->n_keys, &v->trust, v->reg, (int64_t)time(NULL)};
	struct ms_lineage l;
	if (ms_provenance_lineage(&in, &l) < 0)
		return -1;
	s->m = l.nodes[0];
	memset(&l.nodes[0], 0, sizeof l.nodes[0]);
	ms_lineage_free(&l);
	set_revocation(&s->model_rev, ms_trust_revocation(&v->trust, "model", s->m.digest));
	set_revocation(&s->key_rev, ms_trust_revocation(&v->trust, "key", s->m.signer));
	s->from_provenance = 1;
	return 0;
}

static void show_free(struct show *s)
{
	ms_model_info_free(&s->m);
	ms_model_links_free(s->children, s->n_children);
	free(s->model_rev.reason);
	free(s->key_rev.reason);
}

static void print_links(const char *title, const struct ms_model_link *v, size_t n, int datasets)
{
	char label[256];
	for (size_t i = 0; i < n; i++) {
		if ((v[i].relation == MS_REL_DATASET) != datasets)
			continue;
		printf("%-11s %-10s %-24s sha256:%.12s\n", title, ms_relation_name(v[i].relation),
		       ms_esc(ms_model_label(v[i].name, v[i].version, label, sizeof label)),
		       ms_esc(v[i].digest));
		title = "";
	}
}

static void print_revocation(const char *title, const struct revocation *r)
{
	char when[32];
	if (r->revoked)
		printf("%-11s REVOKED %s: %s\n", title, ms_time_format(r->time, when, sizeof when),
		       ms_esc(r->reason));
	else
		printf("%-11s no\n", title);
}

static void print_text(const struct show *s)
{
	const struct ms_model_info *m = &s->m;
	char label[256], when[32];
	printf("%-11s sha256:%s\n", "model", ms_esc(m->digest));
	printf("%-11s %s\n", "name",
	       ms_esc(ms_model_label(m->name, m->version, label, sizeof label)));
	printf("%-11s %s\n", "signer", ms_esc(m->signer));
	printf("%-11s %s\n", "signed",
	       m->created ? ms_time_format(m->created, when, sizeof when) : "unknown");
	if (s->from_provenance)
		printf("%-11s %s\n", "record", "none here: read from the signed provenance");
	printf("%-11s %s, %s\n", "hashing", ms_esc(m->method), ms_esc(m->hash));
	printf("%-11s %llu bytes in %llu files\n", "size", (unsigned long long)m->size,
	       (unsigned long long)m->n_files);
	print_links("parents", m->parents, m->n_parents, 0);
	print_links("datasets", m->parents, m->n_parents, 1);
	print_links("children", s->children, s->n_children, 0);
	print_links("used by", s->children, s->n_children, 1);
	printf("%-11s %s\n", "provenance", m->provenance ? "signed SLSA Provenance v1" : "none");
	ms_declared_print(stdout, m->provenance);
	print_revocation("revoked", &s->model_rev);
	print_revocation("key revoked", &s->key_rev);
}

static void add_revocation(cJSON *o, const char *key, const struct revocation *r)
{
	char when[32];
	if (!r->revoked) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	cJSON *v = cJSON_AddObjectToObject(o, key);
	cJSON_AddStringToObject(v, "reason", r->reason);
	cJSON_AddStringToObject(v, "time", ms_time_format(r->time, when, sizeof when));
}

/* Stored JSON documents are embedded as JSON, not as strings. */
static void add_document(cJSON *o, const char *key, const char *text)
{
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	if (doc)
		cJSON_AddItemToObject(o, key, doc);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *to_json(const struct show *s)
{
	cJSON *o = ms_model_info_to_json(&s->m, 1);
	cJSON_AddStringToObject(o, "source", s->from_provenance ? "provenance" : "registry");
	cJSON *kids = cJSON_AddArrayToObject(o, "children");
	for (size_t i = 0; i < s->n_children; i++)
		cJSON_AddItemToArray(kids, ms_model_link_to_json(&s->children[i]));
	add_revocation(o, "revoked", &s->model_rev);
	add_revocation(o, "key_revoked", &s->key_rev);
	add_document(o, "statement", s->m.statement);
	add_document(o, "bundle", s->m.bundle);
	add_document(o, "provenance", s->m.provenance);
	cJSON *card = ms_provenance_declared(s->m.provenance);
	if (card)
		cJSON_AddItemToObject(o, "declared", card);
	else
		cJSON_AddNullToObject(o, "declared");
	return o;
}

const struct option cmd_show_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"trust-file", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0},
};

int cmd_show(int argc, char **argv)
{
	const char **keys = NULL;
	struct ms_pathref_view v = {0};
	int c;
	while ((c = ms_getopt(argc, argv, "k:t:", cmd_show_options)) != -1) {
		if (c == 't')
			v.trust_file = optarg;
		else {
			keys = ms_reallocarray(keys, v.n_key_paths + 1, sizeof *keys);
			keys[v.n_key_paths++] = optarg;
		}
	}
	v.key_paths = keys;
	if (argc - optind != 1) {
		free(keys);
		return ms_usage_error("show needs exactly one REF");
	}
	struct ms_registry *reg = NULL;
	char digest[MS_HEX_LEN + 1];
	struct show s = {0};
	v.path = argv[optind];
	int rc = ms_ref_or_view(argv[optind], &reg, &v, digest);
	if (rc == 0)
		rc = load(reg, digest, &s);
	else if (rc == 1)
		rc = load_provenance(&v, &s);
	ms_pathref_view_free(&v);
	ms_registry_close(reg);
	free(keys);
	if (rc < 0) {
		show_free(&s);
		return MS_ERR;
	}
	if (ms_global.json)
		ms_registry_print_json(to_json(&s));
	else
		print_text(&s);
	show_free(&s);
	return MS_OK;
}
