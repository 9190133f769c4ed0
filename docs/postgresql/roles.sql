-- Least privilege for a modelseal registry on PostgreSQL.
--
-- Three group roles (NOLOGIN; grant them to login roles):
--   modelseal_owner   owns the registry's tables: creates the schema (the
--                     first write), trust, revoke, checkpoint, registry copy.
--   modelseal_signer  CI runners: sign (records models, edges, events) and
--                     verify (records its result as an event). It may only
--                     add rows: no UPDATE or DELETE of events, no
--                     TRUNCATE, no trust or revocation changes.
--   modelseal_reader  deploy hosts: verify, log, show, lineage, audit. Only
--                     SELECT (verify cannot record its event: that is fine).
--
-- Run it as a superuser (or a role that may create roles and owns the
-- database), in the registry's database, once the registry exists, for
-- example:
--   createdb -O ci_owner modelseal
--   modelseal --registry postgresql://ci_owner@db.example/modelseal trust add team.pub
--   psql -d modelseal -v ON_ERROR_STOP=1 -f roles.sql
--   psql -d modelseal -c 'GRANT modelseal_owner TO ci_owner'   (it keeps writing)
--   psql -d modelseal -c 'GRANT modelseal_signer TO ci_runner'
--   psql -d modelseal -c 'GRANT modelseal_reader TO deploy_host'
--
-- Nothing here needs a password in a URL: give each login role its password
-- through ~/.pgpass or a service file, and connect with sslmode=verify-full
-- across a network.
--
-- Re-signing a recorded model updates its models row (new signature,
-- maybe a name). The signer therefore has UPDATE on exactly those columns
-- of models (and on edges.relation), but the database itself refuses any
-- such row unless the newest 'signed' event of the model, appended in the
-- same transaction, records it: the deferred constraint triggers
-- models_backed and edges_backed (modelseal_model_backed(),
-- modelseal_edge_backed()) check it at commit, for every role, and
-- events_signed_backed (modelseal_signed_backed()) holds the other way: a
-- 'signed' event commits only with the row it records, so no role can
-- append one that leaves a row unbacked and audit failing. So a signer
-- can re-sign, which appends to the log, but cannot rewrite the log or a
-- row behind its back: events stay append-only (trigger events_no_update,
-- no UPDATE/DELETE/TRUNCATE privilege), and older events keep the history.
--
-- What the signer may append is held by the schema itself (trigger
-- events_append, modelseal_event_append()), for every role: each event must
-- be the next one of the chain with the hash of its content, and an event
-- that trusts, untrusts or revokes needs INSERT on trusted_keys or on
-- revocations, which the signer does not have. So a signer cannot trust its
-- own key, untrust the release key, revoke, or break the chain.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'modelseal_owner') THEN
    CREATE ROLE modelseal_owner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'modelseal_signer') THEN
    CREATE ROLE modelseal_signer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'modelseal_reader') THEN
    CREATE ROLE modelseal_reader NOLOGIN;
  END IF;
END
$$;

-- The owner role owns the schema's objects from now on (the login role
-- that created them is typically a member of it).
ALTER TABLE modelseal_registry OWNER TO modelseal_owner;
ALTER TABLE models OWNER TO modelseal_owner;
ALTER TABLE edges OWNER TO modelseal_owner;
ALTER TABLE events OWNER TO modelseal_owner;
ALTER TABLE meta OWNER TO modelseal_owner;
ALTER TABLE trusted_keys OWNER TO modelseal_owner;
ALTER TABLE trusted_cas OWNER TO modelseal_owner;
ALTER TABLE trusted_identities OWNER TO modelseal_owner;
ALTER TABLE revocations OWNER TO modelseal_owner;
ALTER TABLE checkpoints OWNER TO modelseal_owner;
ALTER FUNCTION modelseal_append_only() OWNER TO modelseal_owner;
ALTER FUNCTION modelseal_model_backed() OWNER TO modelseal_owner;
ALTER FUNCTION modelseal_edge_backed() OWNER TO modelseal_owner;
ALTER FUNCTION modelseal_signed_backed() OWNER TO modelseal_owner;
ALTER FUNCTION modelseal_event_append() OWNER TO modelseal_owner;

-- No role may create objects in the public schema (PostgreSQL 15 does not
-- let it by default; clusters upgraded from older versions still do): an
-- object there could shadow the registry's for a session that searches it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Only these roles (and their members) may connect to the registry's
-- database, not PUBLIC: a session of any role could otherwise stall the
-- registry's tables for every other session (it opens a transaction that
-- reads one, and a second one queues a lock it will be refused, such as
-- CREATE RULE's, which PostgreSQL takes before it checks ownership).
-- Needs the database's owner or a superuser; anyone else is told.
DO $$
BEGIN
  IF pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
     OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO modelseal_owner, modelseal_signer, '
                   'modelseal_reader', current_database());
  ELSE
    RAISE NOTICE 'not the database owner: run REVOKE CONNECT ON DATABASE % FROM PUBLIC and '
                 'GRANT CONNECT ON DATABASE % TO modelseal_owner, modelseal_signer, '
                 'modelseal_reader as its owner', current_database(), current_database();
  END IF;
END
$$;

-- Nobody else by default.
REVOKE ALL ON modelseal_registry, models, edges, events, meta, trusted_keys, trusted_cas,
  trusted_identities, revocations, checkpoints FROM PUBLIC;

-- Readers and signers read everything (verify replays the trust log).
GRANT SELECT ON modelseal_registry, models, edges, events, meta, trusted_keys, trusted_cas,
  trusted_identities, revocations, checkpoints TO modelseal_reader, modelseal_signer;

-- Signers add rows.
GRANT INSERT ON models, edges, events TO modelseal_signer;
GRANT USAGE ON SEQUENCE models_id_seq TO modelseal_signer;
-- Re-signing: only these columns, and only rows its new event records
-- (models_backed / edges_backed above).
GRANT UPDATE (name, version, signer, statement, bundle, provenance) ON models
  TO modelseal_signer;
GRANT UPDATE (relation) ON edges TO modelseal_signer;

-- The writers' lock: every write first locks the registry's marker row
-- (SELECT ... FOR UPDATE), which needs UPDATE on one of its columns. The
-- signer gets it on application alone, which the table's CHECK holds to
-- 'modelseal': it may lock the row, never change what it says. Readers
-- cannot lock it, so a deploy host cannot hold the signers off (an
-- advisory lock, which modelseal took before, is open to any role).
GRANT UPDATE (application) ON modelseal_registry TO modelseal_signer;
