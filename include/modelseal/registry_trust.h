/* The registry's trust store and revocations as a struct ms_trust, and the
 * pieces trust import and verify need on top of registry.h. */
#ifndef MODELSEAL_REGISTRY_TRUST_H
#define MODELSEAL_REGISTRY_TRUST_H

#include "modelseal/registry.h"
#include "modelseal/trust.h"

/* Opens the registry (--registry, $MODELSEAL_REGISTRY or the default path)
 * only when it exists: 1 with *out set, 0 when there is none (quietly), -1
 * after reporting (unreadable, corrupt, not a registry). */
int ms_registry_open_if_exists(struct ms_registry **out);

/* The same in two halves, so that a caller can work while a PostgreSQL
 * registry connects: _start begins opening (in a thread for a URL, in place
 * for a file) and _finish waits for it, reports what went wrong and gives
 * what ms_registry_open_if_exists gives. Every start needs its finish. */
struct ms_registry_opening;
struct ms_registry_opening *ms_registry_open_if_exists_start(void);
/* Whether _finish would return at once (always, for a file). */
int ms_registry_open_if_exists_done(struct ms_registry_opening *o);
int ms_registry_open_if_exists_finish(struct ms_registry_opening *o, struct ms_registry **out);
/* Waits for an opening nobody needs any more (the command failed first)
 * and drops it: what went wrong with it is not the command's error, so it
 * is shown with -v only. */
void ms_registry_open_if_exists_abandon(struct ms_registry_opening *o);

/* Whether there is a registry location at all (--registry, the
 * environment, XDG_DATA_HOME or HOME); without one there is no registry,
 * which is not an error for readers. */
int ms_registry_located(void);

/* Every trusted key (oldest first) and every revocation. A stored key that
 * no longer parses is an error naming it. */
int ms_registry_trust_load(struct ms_registry *reg, struct ms_trust *out);

/* Records a revocation with its original time and a 'revoked' event, unless
 * the subject is already revoked: 1 recorded, 0 already revoked, -1 error. */
int ms_registry_import_revocation(struct ms_registry *reg, const struct ms_revocation *r);

/* The event subject of a revocation: the key id, "sha256:<hex>" for a
 * model, "identity:<id>" for an identity (malloc'd). */
char *ms_revocation_event_subject(const char *kind, const char *subject);

/* Trusted CAs and keyless identities, each with a 'trusted' event (subject
 * "ca:<id>" or "identity:<id>") whose detail holds all of it (PEM, or
 * identity, issuer and trusted root), in one transaction. Adding one again
 * updates the label (and the identity's trusted root). 0, or -1. */
int ms_registry_trust_add_ca(struct ms_registry *reg, const struct ms_trust_ca *ca);
int ms_registry_trust_add_identity(struct ms_registry *reg, const struct ms_trust_identity *id);
/* what: "ca" or "identity"; an 'untrusted' event. 0, or -1. */
int ms_registry_trust_remove_anchor(struct ms_registry *reg, const char *what, const char *id);
/* Revokes identity at issuer (kind "identity") with a 'revoked' event. */
int ms_registry_revoke_identity(struct ms_registry *reg, const char *identity, const char *issuer,
                                const char *reason);

#endif
