/* Verify an archive, then extract it safely (see unpack.c). */
#ifndef MODELSEAL_UNPACK_H
#define MODELSEAL_UNPACK_H

#include "modelseal/verify.h"

/* DEST must not exist, or be an empty directory (rename replaces it); -1
 * after reporting otherwise. */
int ms_unpack_check_dest(const char *dest);

/* A verified model waiting in its staging directory beside DEST. */
struct ms_unpack {
	char *staging; /* ".modelseal-unpack.<DEST>.XXXXXX", locked while we run */
	int lock_fd;   /* open on it, flock(2)ed */
	char *model;   /* the model directory in it */
	char *sig;     /* the signature that verified, model.sig at commit */
	size_t sig_len;
	char *prov; /* a model.provenance.sig that verified with a trusted key, or NULL */
	size_t prov_len;
};

/* Verifies the archive req->model exactly as `verify --archive` does and,
 * only when it verified, leaves the model directory in u's staging
 * directory beside dest, ready for commit. Only
 * signed regular files and directories are written, links only after
 * verification; on failure nothing is left. dest must not exist or be an
 * empty directory. Staging directories that interrupted unpacks left
 * beside dest are removed first. Returns MS_OK, MS_FAIL (res->problems
 * says why) or MS_ERR (reported). */
int ms_unpack_stage(const struct ms_verify_request *req, const char *dest, struct ms_unpack *u,
                    struct ms_verify_result *res);
/* Writes the staged model's model.sig and renames it to dest. -1 after
 * reporting. */
int ms_unpack_commit(struct ms_unpack *u, const char *dest);
/* Removes what is left of the staging directory; u may be zeroed. */
void ms_unpack_discard(struct ms_unpack *u);

/* Stage, commit, discard: dest is the verified model, or nothing is. */
int ms_unpack(const struct ms_verify_request *req, const char *dest, struct ms_verify_result *res);

#endif
