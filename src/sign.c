/* Signing a model, from the hash to the bundle on disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal/bundle.h"
#include "modelseal/hash_parts.h"
#include "modelseal/output.h"
#include "modelseal/sign.h"
#include "modelseal/util.h"
#include "modelseal/x509.h"

char *ms_default_signature_path(const char *model)
{
	struct stat st;
	if (stat(model, &st) < 0) {
		ms_error("cannot access model '%s': %s", model, strerror(errno));
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		return ms_asprintf("%s.sig", model);
	if (!S_ISDIR(st.st_mode)) {
		ms_error("model '%s' is neither a directory nor a regular file", model);
		return NULL;
	}
	size_t len = strlen(model);
	while (len > 1 && model[len - 1] == '/')
		len--;
	return ms_asprintf("%.*s%smodel.sig", (int)len, model, model[len - 1] == '/' ? "" : "/");
}

char *ms_signature_inside_model(const char *model, const char *signature)
{
	struct stat st;
	if (stat(model, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	char *root = realpath(model, NULL);
	char *dir = ms_dirname(signature);
	char *dir_real = realpath(dir, NULL);
	char *base = ms_basename(signature);
	char *rel = NULL;
	if (root && dir_real) {
		size_t n = strlen(root);
		if (strcmp(dir_real, root) == 0)
			rel = ms_strdup(base);
		else if (strncmp(dir_real, root, n) == 0 && (dir_real[n] == '/' || n == 1))
			rel = ms_asprintf("%s/%s", dir_real + (n == 1 ? 1 : n + 1), base);
	}
	free(root);
	free(dir);
	free(dir_real);
	free(base);
	return rel;
}

void ms_sign_result_free(struct ms_sign_result *res)
{
	if (res->signature_tmp)
		unlink(res->signature_tmp); /* never put in place */
	free(res->signature_tmp);
	if (res->lock_fd >= 0)
		close(res->lock_fd); /* releases the flock */
	free(res->signature);
	ms_manifest_free(&res->manifest);
	free(res->statement);
	free(res->bundle);
	memset(res, 0, sizeof *res);
	res->lock_fd = -1;
}

/* The temp file of an interrupted signature or provenance write (see
 * ms_write_atomic): model.sig.<pid>.<n>.tmp. */
static int is_signature_temp(const char *name)
{
	static const char *const bases[] = {"model.sig.", "model.provenance.sig."};
	for (size_t i = 0; i < MS_ARRAY_LEN(bases); i++) {
		size_t n = strlen(bases[i]);
		if (strncmp(name, bases[i], n) != 0)
			continue;
		const char *p = name + n;
		size_t a = strspn(p, "0123456789");
		if (a == 0 || p[a] != '.')
			continue;
		size_t b = strspn(p + a + 1, "0123456789");
		if (b > 0 && strcmp(p + a + 1 + b, ".tmp") == 0)
			return 1;
	}
	return 0;
}

/* Holding the model's lock, no other signer is writing into it: a temp
 * file of ours there is left from a signer that was killed, and would
 * otherwise be hashed as part of the model. */
static void remove_stale_temps(int dirfd, const char *model)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *e;
	struct stat st;
	while ((e = readdir(d)) != NULL)
		if (is_signature_temp(e->d_name) &&
		    fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && unlinkat(dirfd, e->d_name, 0) == 0)
			ms_note("removed '%s/%s', left by an interrupted sign", model, e->d_name);
	closedir(d);
}

/* Two signs of one model at once: the second waits for the first (an
 * exclusive flock on the model's directory or file), so it never hashes
 * the first one's temp files and the signature and record they leave
 * agree. Readers (verify) take no lock. */
static int lock_model(const char *model, struct ms_sign_result *res)
{
	int fd = open(model, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ms_error("cannot open model '%s': %s", model, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			ms_note("waiting for another 'modelseal sign' of '%s' to finish", model);
		if (errno != EWOULDBLOCK || flock(fd, LOCK_EX) < 0) {
			ms_error("cannot lock model '%s': %s", model, strerror(errno));
			close(fd);
			return -1;
		}
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		remove_stale_temps(fd, model);
	res->lock_fd = fd;
	return 0;
}

/* The bundle must not sign itself: leave it out of the hash when it lives
 * inside the model (the default name is always left out). */
static int exclude_signature(const struct ms_sign_request *req, const char *signature)
{
	char *rel = ms_signature_inside_model(req->model, signature);
	int rc = rel ? ms_hash_opts_add_ignore(req->hash, rel) : 0;
	free(rel);
	return rc;
}

/* sign --statement FILE: a statement made elsewhere (hash --merge), signed
 * only when it is modelseal's canonical form and covers exactly the model's
 * files and sizes. */
static int load_statement(const struct ms_sign_request *req, struct ms_sign_result *res)
{
	char *text;
	size_t len;
	if (ms_read_file(req->statement, MS_BUNDLE_MAX, "statement", &text, &len) < 0)
		return -1;
	int rc = ms_statement_parse(text, len, &res->manifest);
	char *canonical = rc == 0 ? ms_statement_to_json(&res->manifest) : NULL;
	if (rc == 0 && (!canonical || strcmp(canonical, text) != 0)) {
		ms_error("statement '%s' is not in modelseal's own form (make it with 'modelseal "
		         "hash --format json' or 'hash --merge')",
		         req->statement);
		rc = -1;
	}
	free(canonical);
	free(text);
	if (rc == 0)
		rc = ms_statement_covers_model(&res->manifest, req->model, res->signature);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < res->manifest.n_res; i++)
		res->manifest.total_bytes += res->manifest.res[i].end - res->manifest.res[i].start;
	return 0;
}

/* A certificate bundle whose leaf names another key would verify nowhere:
 * refuse it before hashing. */
static int check_chain(const struct ms_sign_chain *chain, const struct ms_seckey *key)
{
	if (!chain || chain->n == 0)
		return 0;
	int has = ms_x509_cert_has_key(chain->ders[0], chain->lens[0], ms_seckey_public(key),
	                               "certificate chain");
	if (has == 0)
		ms_error("the first certificate of the chain is not for the signing key; put the "
		         "certificate of --key first, then its intermediates");
	if (has != 1)
		return -1;
	/* signed all the same: the certificate may be meant for other checks */
	char *why = ms_x509_cert_usage_problem(chain->ders[0], chain->lens[0]);
	if (why)
		ms_warn("%s: verifiers will refuse this signature", why);
	free(why);
	return 0;
}

int ms_sign_put_in_place(struct ms_sign_result *res)
{
	int rc = ms_rename_temp(res->signature_tmp, res->signature);
	free(res->signature_tmp);
	res->signature_tmp = NULL;
	return rc;
}

int ms_sign_model(const struct ms_sign_request *req, const struct ms_seckey *key,
                  struct ms_sign_result *res)
{
	memset(res, 0, sizeof *res);
	res->lock_fd = -1;
	ms_output_context("model", req->model);
	if (check_chain(req->chain, key) < 0 || lock_model(req->model, res) < 0)
		return -1;
	res->signature =
	    req->signature ? ms_strdup(req->signature) : ms_default_signature_path(req->model);
	ms_output_context("signature", res->signature);
	if (!res->signature || exclude_signature(req, res->signature) < 0)
		goto fail;
	if (req->statement ? load_statement(req, res) < 0
	                   : ms_model_hash(req->model, req->hash, &res->manifest) < 0)
		goto fail;
	if (req->before_sign && req->before_sign(&res->manifest, req->before_sign_ctx) != 0)
		goto fail;
	res->statement = ms_statement_to_json(&res->manifest);
	if (!res->statement) /* a name JSON cannot carry, reported */
		goto fail;
	res->bundle = ms_bundle_sign_chain((const uint8_t *)res->statement, strlen(res->statement),
	                                   MS_INTOTO_PAYLOAD_TYPE, key, req->chain);
	memcpy(res->keyid, ms_pubkey_id(ms_seckey_public(key)), sizeof res->keyid);
	res->signature_tmp = ms_write_temp(res->signature, res->bundle, strlen(res->bundle), 0644);
	if (!res->signature_tmp) {
		if (!req->signature && (errno == EACCES || errno == EROFS || errno == EPERM))
			ms_note("hint: the model's directory is read-only; write the signature "
			        "elsewhere with --signature FILE");
		goto fail;
	}
	return 0;
fail:
	ms_sign_result_free(res);
	return -1;
}
