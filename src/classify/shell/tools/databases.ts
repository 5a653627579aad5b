import type { OperationClass } from '../../../core/operation.js';
import { isLocalHost, safeUrl } from '../context.js';
import { classifySqlText } from '../embedded.js';
import { has, optionValues, parseArgs, unknownWhy, type Call, type Handler } from './call.js';

/**
 * Database clients. SQL given on the command line or in a here-document is judged by the SQL
 * classifier, the same one behind the PostgreSQL door; SQL in a file Airlock cannot see has an
 * unknown effect.
 */

interface Target {
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
}

function postgresTarget(
  call: Call,
  host: string | undefined,
  port: string | undefined,
  database: string | undefined,
): { upstream?: string; reach: 'local' | 'remote'; viaAirlock: boolean; target: Target } {
  let target: Target = { host, port: port ? Number(port) : undefined, database };
  const url = database && /^postgres(ql)?:\/\//.test(database) ? safeUrl(database) : undefined;
  if (url) target = { host: url.hostname || host, port: url.port ? Number(url.port) : target.port, database: url.pathname.replace(/^\//, '') || undefined };
  else if (database && /\b(host|dbname|port)=/.test(database)) {
    const pairs = Object.fromEntries([...database.matchAll(/\b(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    target = { host: pairs.host ?? host, port: pairs.port ? Number(pairs.port) : target.port, database: pairs.dbname ?? undefined };
  }
  const effectiveHost = target.host ?? 'localhost';
  const effectivePort = target.port ?? 5432;
  const viaAirlock = (call.context.airlockHosts ?? []).some(
    (h) => h === `${effectiveHost}:${effectivePort}` || (isLocalHost(effectiveHost) && /^(localhost|127\.0\.0\.1):/.test(h) && h.endsWith(`:${effectivePort}`)),
  );
  const upstream = call.context.upstreams.find(
    (u) =>
      u.kind === 'postgres' &&
      u.port === effectivePort &&
      (u.host === effectiveHost || (isLocalHost(u.host) && isLocalHost(effectiveHost))) &&
      (target.database === undefined || target.database === u.database),
  );
  return {
    ...(upstream ? { upstream: upstream.name } : {}),
    reach: isLocalHost(effectiveHost) && !upstream ? 'local' : 'remote',
    viaAirlock,
    target,
  };
}

async function judgeSql(call: Call, sql: string, origin: string, upstream: string | undefined, reach: 'local' | 'remote'): Promise<void> {
  const result = await classifySqlText(sql);
  if (!result.ok) {
    call.part({
      action: `shell:${call.tool}`,
      class: 'destructive',
      reach,
      ...(upstream ? { upstream } : {}),
      why: unknownWhy(`${origin} could not be classified (${result.error})`),
    });
    return;
  }
  for (const part of result.parts) {
    call.part({
      action: part.action,
      class: part.class,
      reach,
      resources: part.resources,
      why: part.why ? `${part.why} (${origin})` : origin,
      ...(upstream ? { upstream } : {}),
    });
  }
}

const PSQL_VALUES = new Set([
  '-c',
  '--command',
  '-f',
  '--file',
  '-h',
  '--host',
  '-p',
  '--port',
  '-U',
  '--username',
  '-d',
  '--dbname',
  '-v',
  '--set',
  '--variable',
  '-o',
  '--output',
  '-P',
  '--pset',
  '-F',
  '--field-separator',
  '-R',
  '--record-separator',
  '-L',
  '--log-file',
  '-T',
  '--table-attr',
]);

const psql: Handler = async (call) => {
  const parsed = parseArgs(call.args, PSQL_VALUES);
  if (has(parsed, '-V', '--version', '-?', '--help')) return call.part({ action: 'shell:psql --version', class: 'read' });
  const positionalDb = parsed.positionals[0]?.value;
  const where = postgresTarget(
    call,
    optionValues(parsed, '-h', '--host')[0],
    optionValues(parsed, '-p', '--port')[0],
    optionValues(parsed, '-d', '--dbname')[0] ?? positionalDb,
  );
  if (where.viaAirlock)
    return call.part({ action: 'shell:psql airlock', class: 'read', why: "connects through Airlock's PostgreSQL door, which judges every statement itself" });
  const label = where.upstream ? `psql to upstream ${where.upstream}` : `psql to ${where.target.host ?? 'localhost'}`;
  if (has(parsed, '-l', '--list'))
    return call.part({ action: 'shell:psql --list', class: 'read', reach: where.reach, ...(where.upstream ? { upstream: where.upstream } : {}) });
  const commands = optionValues(parsed, '-c', '--command');
  const files = optionValues(parsed, '-f', '--file');
  for (const sql of commands) {
    if (sql === undefined) call.unknown('shell:psql -c', unknownWhy('the SQL is only known when it runs'));
    else await judgeSql(call, sql, label, where.upstream, where.reach);
  }
  for (const file of files) {
    if (file === '-') await sqlFromStdin(call, label, where.upstream, where.reach);
    else
      call.part({
        action: 'shell:psql -f',
        class: 'destructive',
        reach: where.reach,
        resources: [file ?? '?'],
        ...(where.upstream ? { upstream: where.upstream } : {}),
        why: unknownWhy(`runs the SQL in ${file ?? 'a file only known when it runs'}, which Airlock does not see`),
      });
  }
  if (commands.length === 0 && files.length === 0) await sqlFromStdin(call, label, where.upstream, where.reach);
};

async function sqlFromStdin(call: Call, label: string, upstream: string | undefined, reach: 'local' | 'remote'): Promise<void> {
  const stdin = call.invocation.stdin;
  if (stdin.kind === 'static') await judgeSql(call, stdin.text, `${label}, SQL from ${stdin.source}`, upstream, reach);
  else if (stdin.kind === 'dynamic')
    call.part({
      action: `shell:${call.tool}`,
      class: 'destructive',
      reach,
      ...(upstream ? { upstream } : {}),
      why: unknownWhy(`runs SQL read from ${stdin.source}`),
    });
  else call.part({ action: `shell:${call.tool}`, class: 'write', reach, ...(upstream ? { upstream } : {}), why: `an interactive ${call.tool} session` });
}

function pgTool(cls: OperationClass | ((call: Call) => OperationClass), why: string): Handler {
  return (call) => {
    const parsed = parseArgs(call.args, PSQL_VALUES);
    const database = parsed.positionals[0]?.value;
    const where = postgresTarget(
      call,
      optionValues(parsed, '-h', '--host')[0],
      optionValues(parsed, '-p', '--port')[0],
      optionValues(parsed, '-d', '--dbname')[0] ?? database,
    );
    const resolved = typeof cls === 'function' ? cls(call) : cls;
    call.part({
      action: `shell:${call.tool}`,
      class: resolved,
      reach: where.reach,
      resources: parsed.positionals.map((w) => w.value ?? w.raw),
      why,
      ...(where.upstream ? { upstream: where.upstream } : {}),
    });
  };
}

const pgRestore: Handler = (call) => {
  const clean = call.args.some(
    (a) => a.value === '--clean' || a.value === '-c' || (a.value !== undefined && /^-[a-bd-zA-Z]*c[a-zA-Z]*$/.test(a.value) && !a.value.startsWith('--')),
  );
  return pgTool(clean ? 'destructive' : 'write', clean ? 'pg_restore --clean drops the objects it restores first' : 'restores a dump')(call);
};

const MYSQL_VALUES = new Set(['-e', '--execute', '-h', '--host', '-P', '--port', '-u', '--user', '-D', '--database', '-S', '--socket']);

const mysql: Handler = async (call) => {
  const parsed = parseArgs(call.args, MYSQL_VALUES, false);
  for (const flag of parsed.flags) if (/^-p.+/.test(flag)) call.out.tokens.push(flag.slice(2));
  for (const value of parsed.options.get('--password') ?? []) if (value) call.out.tokens.push(value);
  const host = optionValues(parsed, '-h', '--host')[0];
  const reach = host === undefined || isLocalHost(host) ? 'local' : 'remote';
  const statements = optionValues(parsed, '-e', '--execute');
  for (const sql of statements) {
    if (sql === undefined) call.unknown(`shell:${call.tool} -e`, unknownWhy('the SQL is only known when it runs'));
    else await judgeSql(call, sql, `${call.tool} to ${host ?? 'localhost'}`, undefined, reach);
  }
  if (statements.length === 0) await sqlFromStdin(call, `${call.tool} to ${host ?? 'localhost'}`, undefined, reach);
};

const mysqladmin: Handler = (call) => {
  const verbs = call.args.map((a) => a.value?.toLowerCase()).filter((v): v is string => v !== undefined && !v.startsWith('-'));
  const destructive = verbs.some((v) => v === 'drop' || v === 'shutdown');
  call.part({
    action: `shell:mysqladmin${verbs[0] ? ` ${verbs[0]}` : ''}`,
    class: destructive
      ? 'destructive'
      : verbs.length === 0 || ['status', 'ping', 'version', 'processlist', 'variables', 'extended-status'].includes(verbs[0]!)
        ? 'read'
        : 'write',
    reach: 'remote',
  });
};

const sqlite: Handler = async (call) => {
  const parsed = parseArgs(call.args, new Set(['-cmd', '-separator', '-newline', '-nullvalue']), false);
  const [file, ...sql] = parsed.positionals;
  const text = sql.map((w) => w.value);
  if (text.length === 0) return sqlFromStdin(call, `sqlite3 ${file?.value ?? ''}`, undefined, 'local');
  if (text.some((t) => t === undefined)) return call.unknown('shell:sqlite3', unknownWhy('the SQL is only known when it runs'));
  const joined = text.join(' ');
  if (joined.trim().startsWith('.'))
    return call.part({
      action: `shell:sqlite3 ${joined.trim().split(/\s+/)[0]}`,
      class: /^\.(tables|schema|dump|indexes|databases|show|help|mode|headers)/.test(joined.trim()) ? 'read' : 'write',
    });
  await judgeSql(call, joined, `sqlite3 ${file?.value ?? ''}`, undefined, 'local');
};

const REDIS_VALUES = new Set([
  '-h',
  '-p',
  '-s',
  '-a',
  '-u',
  '-r',
  '-i',
  '-n',
  '-d',
  '--user',
  '--pass',
  '--askpass',
  '--cacert',
  '--cacertdir',
  '--cert',
  '--key',
  '--sni',
  '--eval',
  '--pattern',
  '--count',
  '--quoted-pattern',
]);
const REDIS_DESTRUCTIVE = new Set(['FLUSHALL', 'FLUSHDB', 'SHUTDOWN', 'DEL', 'UNLINK', 'SWAPDB', 'DEBUG', 'RESTORE', 'MIGRATE']);
const REDIS_PRIVILEGE = new Set(['ACL', 'AUTH', 'CONFIG', 'REPLICAOF', 'SLAVEOF', 'MODULE']);
const REDIS_READ = new Set([
  'GET',
  'MGET',
  'KEYS',
  'SCAN',
  'INFO',
  'PING',
  'TTL',
  'PTTL',
  'TYPE',
  'EXISTS',
  'STRLEN',
  'HGET',
  'HGETALL',
  'HMGET',
  'HKEYS',
  'HVALS',
  'HLEN',
  'HSCAN',
  'LRANGE',
  'LLEN',
  'LINDEX',
  'SMEMBERS',
  'SCARD',
  'SISMEMBER',
  'SSCAN',
  'ZRANGE',
  'ZCARD',
  'ZSCORE',
  'ZSCAN',
  'ZRANGEBYSCORE',
  'DBSIZE',
  'TIME',
  'MONITOR',
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'CLIENT',
  'MEMORY',
  'OBJECT',
  'SLOWLOG',
  'LATENCY',
  'COMMAND',
  'XRANGE',
  'XLEN',
  'XREAD',
  'GETRANGE',
  'DUMP',
  'RANDOMKEY',
  'LASTSAVE',
  'ROLE',
]);

const redisCli: Handler = (call) => {
  const parsed = parseArgs(call.args, REDIS_VALUES, false);
  for (const password of optionValues(parsed, '-a', '--pass')) if (password) call.out.tokens.push(password);
  if (has(parsed, '--eval')) return call.unknown('shell:redis-cli --eval', unknownWhy('runs a Lua script'));
  const host = optionValues(parsed, '-h')[0] ?? safeUrl(optionValues(parsed, '-u')[0] ?? '')?.hostname;
  const reach = host === undefined || isLocalHost(host) ? 'local' : 'remote';
  const judge = (words: readonly (string | undefined)[]) => {
    if (words.length === 0) return;
    if (words[0] === undefined) return call.unknown('shell:redis-cli', unknownWhy('the Redis command is only known when it runs'));
    const verb = words[0].toUpperCase();
    const sub = words[1]?.toUpperCase();
    const cls: OperationClass =
      REDIS_DESTRUCTIVE.has(verb) || ((verb === 'SCRIPT' || verb === 'FUNCTION') && sub === 'FLUSH')
        ? 'destructive'
        : REDIS_PRIVILEGE.has(verb) && !(verb === 'CONFIG' && sub === 'GET') && !(verb === 'ACL' && (sub === 'LIST' || sub === 'WHOAMI' || sub === 'USERS'))
          ? 'privilege'
          : REDIS_READ.has(verb) || (verb === 'CONFIG' && sub === 'GET')
            ? 'read'
            : 'write';
    call.part({
      action: `shell:redis-cli ${verb}`,
      class: cls,
      reach,
      resources: words
        .slice(1)
        .filter((w): w is string => w !== undefined)
        .slice(0, 5),
    });
  };
  if (parsed.positionals.length > 0) return judge(parsed.positionals.map((w) => w.value));
  const stdin = call.invocation.stdin;
  if (stdin.kind === 'static') for (const line of stdin.text.split('\n').filter((l) => l.trim())) judge(line.trim().split(/\s+/));
  else if (stdin.kind === 'dynamic') call.unknown('shell:redis-cli', unknownWhy(`runs Redis commands read from ${stdin.source}`));
  else call.part({ action: 'shell:redis-cli', class: 'write', reach, why: 'an interactive redis-cli session' });
};

const mongo: Handler = (call) => {
  if (call.args.some((a) => a.value === '--eval' || a.value?.startsWith('--eval=') || a.value === '--file' || a.value === '-f')) {
    return call.unknown(`shell:${call.tool} --eval`, unknownWhy(`${call.tool} runs JavaScript Airlock does not read`));
  }
  const script = call.args.find((a) => a.value?.endsWith('.js'));
  if (script) return call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs the script ${script.value}`));
  const stdin = call.invocation.stdin;
  if (stdin.kind !== 'none') return call.unknown(`shell:${call.tool}`, unknownWhy(`${call.tool} runs commands read from ${stdin.source}`));
  call.part({ action: `shell:${call.tool}`, class: 'write', reach: 'remote', why: `an interactive ${call.tool} session` });
};

export const DATABASE_HANDLERS: Record<string, Handler> = {
  psql,
  dropdb: pgTool('destructive', 'dropdb deletes a database'),
  createdb: pgTool('write', 'creates a database'),
  dropuser: pgTool('privilege', 'removes a database role'),
  createuser: pgTool('privilege', 'creates a database role'),
  pg_restore: pgRestore,
  pg_dump: pgTool('read', 'dumps a database'),
  pg_dumpall: pgTool('read', 'dumps every database'),
  mysql,
  mariadb: mysql,
  mysqladmin,
  sqlite3: sqlite,
  'redis-cli': redisCli,
  'valkey-cli': redisCli,
  mongosh: mongo,
  mongo,
};
