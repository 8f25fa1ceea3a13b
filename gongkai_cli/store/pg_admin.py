"""The PostgreSQL schema as SQL text: what ``gongkai state init`` runs and ``--print-sql`` prints.

No psycopg here (store/postgres.py runs this text); a DBA can run the printed script with psql.

The design, enforced by the database itself rather than by gongkai:
- everything lives in schema ``gongkai``, owned by ``gongkai_owner``, a role nobody logs in as;
- liaisons and coordinators are login roles that are members of ``gongkai_user`` (SELECT on all,
  INSERT/UPDATE/DELETE on marks only) and are mapped to units in ``gongkai.accounts``;
- row-level security (ENABLE + FORCE) on marks lets a role write only its own units' rows, and a
  BEFORE trigger makes the same check (openGauss's RLS does not cover INSERT) and stamps ``db_user``
  with ``session_user``, so it cannot be forged;
- ``events`` is written only by a SECURITY DEFINER trigger on marks (and ``record_keep`` for a
  decided import conflict); UPDATE, DELETE and TRUNCATE on it are refused for everyone.

Written for the servers that speak PostgreSQL's protocol, not only PostgreSQL itself: triggers say
EXECUTE PROCEDURE (openGauss and older KingbaseES do not know EXECUTE FUNCTION), ids are bigserial
rather than identity columns, and postgres.py locks pairs with hashtext (no hashtextextended there).
"""

from __future__ import annotations

from collections.abc import Iterable

SCHEMA = "gongkai"
OWNER_ROLE = "gongkai_owner"
USER_ROLE = "gongkai_user"
SCHEMA_VERSION = 1

# Cluster-wide roles, created when missing (roles are shared by every database of a server).
ROLES_SQL = f"""
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
    CREATE ROLE {OWNER_ROLE} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{USER_ROLE}') THEN
    CREATE ROLE {USER_ROLE} NOLOGIN;
  END IF;
END
$roles$;
CREATE SCHEMA IF NOT EXISTS {SCHEMA} AUTHORIZATION {OWNER_ROLE};
"""

_V1 = f"""
CREATE TABLE {SCHEMA}.schema_version (
    version     integer     NOT NULL,
    upgraded_at timestamptz NOT NULL DEFAULT now()
);
-- Reference data: the plan's (task, unit) pairs, loaded by `gongkai state init --plan`.
CREATE TABLE {SCHEMA}.pairs (
    plan    text   NOT NULL,
    task_id bigint NOT NULL,
    unit    text   NOT NULL,
    PRIMARY KEY (plan, task_id, unit)
);
-- Which login role may write for which unit; coordinator rows (unit NULL) may write for any.
CREATE TABLE {SCHEMA}.accounts (
    role        name        NOT NULL,
    unit        text,
    coordinator boolean     NOT NULL DEFAULT false,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (coordinator = (unit IS NULL))
);
CREATE UNIQUE INDEX accounts_role_unit ON {SCHEMA}.accounts (role, coalesce(unit, ''));
CREATE TABLE {SCHEMA}.marks (
    plan          text   NOT NULL,          -- plan identity: 文号#year
    task_id       bigint NOT NULL,
    unit          text   NOT NULL,
    done_on       date   NOT NULL,
    note          text,
    by            text   NOT NULL,          -- who marked it, as they said (--by)
    marked_at     text   NOT NULL,          -- UTC ISO 8601, as the client (or an import) gave it
    claimed_under text,
    changed_at    text,
    changed_by    text,
    db_user       name   NOT NULL DEFAULT session_user,  -- the real login: set by a trigger
    PRIMARY KEY (plan, task_id, unit)
);
CREATE TABLE {SCHEMA}.events (
    seq           bigserial   PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    action        text        NOT NULL CHECK (action IN ('done', 'undo', 'amend', 'keep')),
    plan          text        NOT NULL,
    task_id       bigint      NOT NULL,
    unit          text        NOT NULL,
    done_on       date,
    note          text,
    by            text        NOT NULL,
    source        text        NOT NULL DEFAULT 'cli' CHECK (source IN ('cli', 'import')),
    old_done_on   date,
    old_note      text,
    claimed_under text,
    choice        text CHECK (choice IS NULL OR choice IN ('mine', 'theirs', 'newer')),
    db_user       name        NOT NULL DEFAULT session_user
);
CREATE INDEX events_by_task ON {SCHEMA}.events (plan, task_id);

-- Whether the login (session_user: SET ROLE does not change it) may write the unit's marks.
CREATE FUNCTION {SCHEMA}.may_write(target_unit text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {SCHEMA} AS $f$
    SELECT EXISTS (SELECT 1 FROM {SCHEMA}.accounts a
                   WHERE a.role = session_user AND (a.coordinator OR a.unit = target_unit))
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                   WHERE r.rolname = session_user AND (r.rolsuper OR r.rolbypassrls))
$f$;

CREATE FUNCTION {SCHEMA}.marks_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {SCHEMA} AS $f$
BEGIN
    IF TG_OP <> 'INSERT' AND NOT {SCHEMA}.may_write(OLD.unit) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('gongkai: %s may not write marks of %s', session_user, OLD.unit);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NOT {SCHEMA}.may_write(NEW.unit) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('gongkai: %s may not write marks of %s', session_user, NEW.unit);
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.plan, NEW.task_id, NEW.unit) IS DISTINCT FROM (OLD.plan, OLD.task_id, OLD.unit) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = 'gongkai: a mark''s plan, task and unit never change';
    END IF;
    NEW.db_user := session_user;
    RETURN NEW;
END
$f$;
CREATE TRIGGER marks_guard BEFORE INSERT OR UPDATE OR DELETE ON {SCHEMA}.marks
    FOR EACH ROW EXECUTE PROCEDURE {SCHEMA}.marks_guard();

-- The history, written by the database for every change of marks. The client may say where a
-- change came from (gongkai.source), how an import conflict was decided (gongkai.choice) and who
-- undoes (gongkai.by); db_user and the time are the server's.
CREATE FUNCTION {SCHEMA}.marks_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {SCHEMA} AS $f$
DECLARE
    src  text := coalesce(nullif(current_setting('gongkai.source', true), ''), 'cli');
    pick text := nullif(current_setting('gongkai.choice', true), '');
BEGIN
    IF src NOT IN ('cli', 'import') THEN src := 'cli'; END IF;
    IF pick NOT IN ('mine', 'theirs', 'newer') THEN pick := NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {SCHEMA}.events (action, plan, task_id, unit, done_on, note, by, source, claimed_under)
        VALUES ('done', NEW.plan, NEW.task_id, NEW.unit, NEW.done_on, NEW.note, NEW."by", src,
                NEW.claimed_under);
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {SCHEMA}.events (action, plan, task_id, unit, done_on, note, by, source,
                                     old_done_on, old_note, claimed_under, choice)
        VALUES ('amend', NEW.plan, NEW.task_id, NEW.unit, NEW.done_on, NEW.note,
                coalesce(NEW.changed_by, NEW."by"), src, OLD.done_on, OLD.note, NEW.claimed_under, pick);
    ELSE
        INSERT INTO {SCHEMA}.events (action, plan, task_id, unit, done_on, note, by, source,
                                     old_done_on, old_note, claimed_under)
        VALUES ('undo', OLD.plan, OLD.task_id, OLD.unit, OLD.done_on, OLD.note,
                coalesce(nullif(current_setting('gongkai.by', true), ''), session_user), src,
                OLD.done_on, OLD.note, OLD.claimed_under);
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER marks_history AFTER INSERT OR UPDATE OR DELETE ON {SCHEMA}.marks
    FOR EACH ROW EXECUTE PROCEDURE {SCHEMA}.marks_history();

-- An import conflict decided for our mark: theirs is kept on record, ours (read here) unchanged.
CREATE FUNCTION {SCHEMA}.record_keep(p_plan text, p_task_id bigint, p_unit text, p_done_on date,
                                     p_note text, p_by text, p_claimed_under text, p_choice text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {SCHEMA} AS $f$
DECLARE
    ours {SCHEMA}.marks;
BEGIN
    IF NOT {SCHEMA}.may_write(p_unit) THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('gongkai: %s may not write marks of %s', session_user, p_unit);
    END IF;
    SELECT * INTO ours FROM {SCHEMA}.marks WHERE plan = p_plan AND task_id = p_task_id AND unit = p_unit;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '23503', MESSAGE = 'gongkai: no mark to keep';
    END IF;
    INSERT INTO {SCHEMA}.events (action, plan, task_id, unit, done_on, note, by, source,
                                 old_done_on, old_note, claimed_under, choice)
    VALUES ('keep', p_plan, p_task_id, p_unit, p_done_on, p_note, p_by, 'import',
            ours.done_on, ours.note, p_claimed_under, p_choice);
END
$f$;

CREATE FUNCTION {SCHEMA}.append_only() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'gongkai: events are append-only';
END
$f$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.events
    FOR EACH ROW EXECUTE PROCEDURE {SCHEMA}.append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {SCHEMA}.events
    FOR EACH STATEMENT EXECUTE PROCEDURE {SCHEMA}.append_only();

ALTER TABLE {SCHEMA}.marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE {SCHEMA}.marks FORCE ROW LEVEL SECURITY;
CREATE POLICY marks_read ON {SCHEMA}.marks FOR SELECT USING (true);
CREATE POLICY marks_insert ON {SCHEMA}.marks FOR INSERT WITH CHECK ({SCHEMA}.may_write(unit));
CREATE POLICY marks_update ON {SCHEMA}.marks FOR UPDATE
    USING ({SCHEMA}.may_write(unit)) WITH CHECK ({SCHEMA}.may_write(unit));
CREATE POLICY marks_delete ON {SCHEMA}.marks FOR DELETE USING ({SCHEMA}.may_write(unit));
"""

# Each entry upgrades the schema from version (key - 1) to version key, run as OWNER_ROLE.
MIGRATIONS: dict[int, str] = {1: _V1}

# Run on every init (idempotent): what members of USER_ROLE may do, and nothing more.
GRANTS_SQL = f"""
REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;
GRANT USAGE ON SCHEMA {SCHEMA} TO {USER_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {USER_ROLE};
GRANT INSERT, UPDATE, DELETE ON {SCHEMA}.marks TO {USER_ROLE};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {SCHEMA} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {SCHEMA}.may_write(text) TO {USER_ROLE};
GRANT EXECUTE ON FUNCTION {SCHEMA}.record_keep(text, bigint, text, date, text, text, text, text)
    TO {USER_ROLE};
"""

VERSION_QUERY = f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_version"


def migration_steps(current: int) -> list[str]:
    """The scripts that bring a schema at version ``current`` (0: none) up to SCHEMA_VERSION."""
    return [MIGRATIONS[v] for v in range(current + 1, SCHEMA_VERSION + 1)]


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pairs_sql(identity: str, pairs: Iterable[tuple[int, str]]) -> str:
    """Replace the plan's reference pairs (in a script: the printed SQL)."""
    rows = ",\n".join(f"    ({quote_literal(identity)}, {t}, {quote_literal(u)})" for t, u in pairs)
    out = f"DELETE FROM {SCHEMA}.pairs WHERE plan = {quote_literal(identity)};\n"
    if rows:
        out += f"INSERT INTO {SCHEMA}.pairs (plan, task_id, unit) VALUES\n{rows};\n"
    return out


def full_script(identity: str | None = None, pairs: Iterable[tuple[int, str]] = ()) -> str:
    """The whole schema for a DBA to run with psql on an empty database (as a superuser)."""
    parts = [
        f"-- gongkai: schema version {SCHEMA_VERSION}. Run as a superuser on the district's database:",
        "--   psql -v ON_ERROR_STOP=1 -d gongkai -f gongkai.sql",
        "BEGIN;",
        ROLES_SQL.strip(),
        f"SET LOCAL ROLE {OWNER_ROLE};",
        *(step.strip() for step in migration_steps(0)),
        f"INSERT INTO {SCHEMA}.schema_version (version) VALUES ({SCHEMA_VERSION});",
        GRANTS_SQL.strip(),
    ]
    if identity is not None:
        parts.append(pairs_sql(identity, pairs).strip())
    parts.append("COMMIT;")
    return "\n".join(parts) + "\n"
