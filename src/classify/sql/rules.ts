import { filterMatchesEveryRow } from './filters.js';
import { effectOfFunction, effectOfOperator } from './calls.js';
import { SET_CONFIG_FUNCTIONS, SQL_TEXT_FUNCTIONS } from './functions.js';
import type { Rule } from './judge.js';
import {
  constantOf,
  fieldsOf,
  dotted,
  list,
  objectKind,
  objectName,
  option,
  optionIsTrue,
  rangeVarName,
  roleName,
  stringOf,
  unwrap,
  type Fields,
} from './nodes.js';
import { judgeFunctionBody } from './bodies.js';

/**
 * One rule per statement type: the class a statement has by what it is, before what is nested
 * in it (function calls, writable CTEs, rule actions) raises it. A statement type without a rule
 * is destructive: its effect is unknown (docs/postgres-door.md lists every rule).
 */

const read: Rule = () => undefined;
const write: Rule = (_f, judge) => judge.raise('write');
const privilege =
  (why: (f: Fields) => string): Rule =>
  (f, judge) =>
    judge.raise('privilege', why(f));
const destructive =
  (why: (f: Fields) => string): Rule =>
  (f, judge) =>
    judge.raise('destructive', why(f));

/** A destructive statement that names one object in field `key`. */
const destroys =
  (key: string, why: (name: string) => string): Rule =>
  (f, judge) => {
    const name = String(f[key] ?? '');
    judge.resource(name);
    judge.raise('destructive', why(name));
  };

const relation = (f: Fields): string => rangeVarName(f.relation as Fields | undefined) ?? '?';
const roles = (items: unknown): string =>
  list(items)
    .map((r) => roleName(unwrap(r)?.fields))
    .join(', ');

/** Settings that change who the session acts as, or switch off what protects the data. */
export const PRIVILEGE_SETTINGS: ReadonlySet<string> = new Set([
  'role',
  'session_authorization',
  'session_replication_role',
  'row_security',
  'allow_system_table_mods',
  'zero_damaged_pages',
  'ignore_checksum_failure',
  'ignore_system_indexes',
  // How the server reads text: a second reading of the same bytes would differ from Airlock's.
  'standard_conforming_strings',
  'client_encoding',
  'backslash_quote',
  // What hides activity or loads code into the server.
  'log_statement',
  'log_min_duration_statement',
  'log_min_messages',
  'log_connections',
  'log_disconnections',
  'session_preload_libraries',
  'local_preload_libraries',
  'shared_preload_libraries',
  'dynamic_library_path',
  'jit_provider',
  'track_activities',
]);

/**
 * The readings Airlock parses SQL text with. Setting one of these to the value it already has
 * changes nothing (clients such as node-postgres send `client_encoding=UTF8` at every login).
 */
const READING_SETTINGS: Readonly<Record<string, ReadonlySet<string>>> = {
  client_encoding: new Set(['utf8', 'utf-8', 'unicode']),
  standard_conforming_strings: new Set(['on', 'true', 'yes', '1', 't', 'y']),
  backslash_quote: new Set(['safe_encoding']),
};

/** Whether setting `name` to `value` changes who the session acts as, how text is read, what is logged or what code loads. */
export function changesPrivilegedSetting(name: string, value: string | undefined): boolean {
  const key = name.toLowerCase();
  if (key === 'search_path') return value !== undefined && searchesBeforeCatalog(value);
  if (!PRIVILEGE_SETTINGS.has(key)) return false;
  const reading = READING_SETTINGS[key];
  if (reading === undefined || value === undefined) return true;
  return !reading.has(
    value
      .trim()
      .replace(/^'(.*)'$/, '$1')
      .toLowerCase(),
  );
}

/**
 * PostgreSQL searches pg_catalog first unless the path names it later: then a function or
 * operator in an earlier schema takes the place of the built-in of the same name, and `lower(x)`
 * or `a = b` runs somebody's code.
 */
function searchesBeforeCatalog(path: string): boolean {
  const schemas = path.split(',').map((s) =>
    s
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/^'(.*)'$/, '$1'),
  );
  return schemas.indexOf('pg_catalog') > 0;
}

const HOLD_SETTING = 'airlock.hold';

/**
 * Writing into the system catalog changes the server itself: `UPDATE pg_settings` is SET by
 * another name (for standard_conforming_strings, a second reading of every later statement),
 * and pg_authid, pg_proc or pg_class rows are who may log in, what code runs, what a table is.
 */
function catalogWrite(f: Fields, judge: Parameters<Rule>[1]): boolean {
  const r = fieldsOf(f.relation);
  const schema = typeof r?.schemaname === 'string' ? r.schemaname.toLowerCase() : undefined;
  const name = String(r?.relname ?? '').toLowerCase();
  if (!(schema === 'pg_catalog' || schema === 'information_schema' || (schema === undefined && name.startsWith('pg_')))) return false;
  judge.raise('privilege', `writing into ${schema ? `${schema}.` : ''}${name} changes the server's own catalog or settings, not data`);
  return true;
}

const insert: Rule = (f, judge) => {
  judge.resource(relation(f));
  if (!catalogWrite(f, judge)) judge.raise('write');
};

function dml(verb: string): Rule {
  return (f, judge) => {
    const target = relation(f);
    judge.resource(target);
    if (catalogWrite(f, judge)) return;
    const every = filterMatchesEveryRow(f.whereClause);
    if (every) judge.raise('destructive', `${verb} every row of ${target}: ${every}`);
    else judge.raise('write');
  };
}

const merge: Rule = (f, judge) => {
  const target = relation(f);
  judge.resource(target);
  judge.raise('write');
  const joinMatchesAll = filterMatchesEveryRow(f.joinCondition) !== undefined;
  for (const clause of list(f.mergeWhenClauses)) {
    const c = unwrap(clause)?.fields;
    if (!c || (c.commandType !== 'CMD_DELETE' && c.commandType !== 'CMD_UPDATE')) continue;
    const verb = c.commandType === 'CMD_DELETE' ? 'deletes' : 'overwrites';
    const unconditioned = c.condition === undefined || filterMatchesEveryRow(c.condition) !== undefined;
    if (c.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE' && unconditioned) {
      judge.raise('destructive', `MERGE ${verb} every row of ${target} that the source does not name`);
    } else if (c.matchKind === 'MERGE_WHEN_MATCHED' && joinMatchesAll && unconditioned) {
      judge.raise('destructive', `MERGE ${verb} every row of ${target}: its ON condition matches every row`);
    }
  }
};

const select: Rule = (f, judge) => {
  const into = f.intoClause as Fields | undefined;
  if (into) {
    judge.resource(rangeVarName(into.rel as Fields | undefined));
    judge.raise('write');
  }
};

const explain: Rule = (f, judge) => {
  const analyze = option(f.options, 'analyze');
  const inner = unwrap(f.query);
  if (analyze && optionIsTrue(analyze.arg) && inner) {
    // EXPLAIN ANALYZE runs the statement.
    judge.statement(inner);
  } else {
    judge.namesOnly(f.query);
  }
  return 'no-walk';
};

const prepare: Rule = (f, judge) => {
  const name = String(f.name ?? '');
  const inner = unwrap(f.query);
  const found = inner ? judge.apart(inner) : { class: 'destructive' as const, why: 'PREPARE without a statement', resources: [] };
  for (const r of found.resources) judge.resource(r);
  judge.context.prepared.set(name, found);
  judge.session.prepares = { name, action: `sql:${inner?.type ?? 'unknown'}`, ...found };
  judge.raise('read', `PREPARE only defines ${name}; EXECUTE ${name} is judged as the ${found.class} statement it runs`);
  return 'no-walk';
};

const execute: Rule = (f, judge) => {
  const name = String(f.name ?? '');
  const known = judge.context.prepared.get(name);
  if (known) {
    for (const r of known.resources) judge.resource(r);
    judge.raise(known.class, known.why);
  } else {
    judge.session.executes = name;
    judge.raise('destructive', `EXECUTE ${name} runs a prepared statement whose text is not part of this request, so its effect is unknown`);
  }
};

const copy: Rule = (f, judge) => {
  const target = f.relation ? relation(f) : undefined;
  judge.resource(target);
  const what = target ?? 'a query';
  if (f.is_program) {
    judge.raise('privilege', `COPY … PROGRAM runs a shell command on the database server as its operating-system user (${String(f.filename ?? '')})`);
  } else if (typeof f.filename === 'string' && !f.is_from) {
    judge.raise('destructive', `COPY … TO '${f.filename}' writes (and can overwrite) a file on the database server`);
  } else if (typeof f.filename === 'string') {
    judge.raise('privilege', `COPY … FROM '${f.filename}' reads a file of the database server into ${what}`);
  } else if (f.is_from) {
    judge.raise('write');
  }
};

const variableSet: Rule = (f, judge) => {
  const name = String(f.name ?? '').toLowerCase();
  if (f.kind === 'VAR_RESET_ALL') judge.setting('all', null);
  else if (f.kind === 'VAR_RESET' || f.kind === 'VAR_SET_DEFAULT') judge.setting(name, null);
  else if (f.kind === 'VAR_SET_VALUE') {
    const value = constantOf(list(f.args)[0]);
    judge.setting(name, value === undefined || value === null ? String(unwrap(list(f.args)[0])?.type ?? '') : String(value));
  }
  if (name === HOLD_SETTING) {
    const value = constantOf(list(f.args)[0]);
    if (typeof value === 'string' && f.kind === 'VAR_SET_VALUE') judge.session.holdId = value;
    return;
  }
  const resetting = f.kind === 'VAR_RESET' || f.kind === 'VAR_RESET_ALL';
  const values = list(f.args).map((a) => constantOf(a));
  const value = values.length > 0 && values.every((v) => typeof v === 'string') ? values.join(', ') : undefined;
  if (!resetting && changesPrivilegedSetting(name, value)) {
    judge.raise('privilege', `SET ${name} changes who the session acts as, what protects the data, how text is read, what is logged or what code loads`);
  }
};

const transaction: Rule = (f, judge) => {
  if (f.kind === 'TRANS_STMT_COMMIT_PREPARED') judge.raise('write');
  if (f.kind === 'TRANS_STMT_ROLLBACK_PREPARED')
    judge.raise('destructive', `ROLLBACK PREPARED '${String(f.gid ?? '')}' discards a prepared transaction's work`);
};

const vacuum: Rule = (f, judge) => {
  const full = option(f.options, 'full');
  if (f.is_vacuumcmd && full && optionIsTrue(full.arg)) {
    const what = list(f.rels).length > 0 ? 'the table' : 'every table';
    judge.raise(
      'destructive',
      `VACUUM FULL rewrites ${what} under an ACCESS EXCLUSIVE lock, blocking every reader and writer until it ends, and needs free disk space as large as the table`,
    );
  } else {
    judge.raise('write');
  }
};

const cluster: Rule = (_f, judge) =>
  judge.raise(
    'destructive',
    'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock, blocking every reader and writer until it ends, and needs free disk space as large as the table',
  );

const DROPPING_SUBCOMMANDS: Readonly<Record<string, string>> = {
  AT_DropColumn: 'drops column',
  AT_DropConstraint: 'drops constraint',
  AT_DropNotNull: 'drops NOT NULL from',
  AT_DropExpression: 'drops the generation expression of',
  AT_DropIdentity: 'drops the identity of',
  AT_DropCluster: 'drops the clustering of',
  AT_DropOids: 'drops OIDs',
  AT_DropInherit: 'drops inheritance from',
  AT_DropOf: 'drops the type of',
  AT_DetachPartition: 'detaches partition',
  AT_DetachPartitionFinalize: 'detaches partition',
};

const PRIVILEGE_SUBCOMMANDS: Readonly<Record<string, string>> = {
  AT_ChangeOwner: 'changes the owner',
  AT_EnableRowSecurity: 'changes row-level security',
  AT_DisableRowSecurity: 'switches off row-level security',
  AT_ForceRowSecurity: 'changes row-level security',
  AT_NoForceRowSecurity: 'stops forcing row-level security',
  AT_DisableTrig: 'switches off a trigger',
  AT_DisableTrigAll: 'switches off every trigger, foreign-key checks included',
  AT_DisableTrigUser: 'switches off its triggers',
  AT_DisableRule: 'switches off a rule',
};

const WRITING_SUBCOMMANDS = new Set([
  'AT_AddColumn',
  'AT_AddColumnToView',
  'AT_CookedColumnDefault',
  'AT_SetNotNull',
  'AT_SetExpression',
  'AT_SetStatistics',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_AddIndex',
  'AT_ReAddIndex',
  'AT_AddConstraint',
  'AT_ReAddConstraint',
  'AT_ReAddDomainConstraint',
  'AT_AlterConstraint',
  'AT_ValidateConstraint',
  'AT_AddIndexConstraint',
  'AT_ReAddComment',
  'AT_AlterColumnGenericOptions',
  'AT_ClusterOn',
  'AT_SetLogged',
  'AT_SetAccessMethod',
  'AT_SetTableSpace',
  'AT_SetRelOptions',
  'AT_ResetRelOptions',
  'AT_ReplaceRelOptions',
  'AT_EnableTrig',
  'AT_EnableAlwaysTrig',
  'AT_EnableReplicaTrig',
  'AT_EnableTrigAll',
  'AT_EnableTrigUser',
  'AT_EnableRule',
  'AT_EnableAlwaysRule',
  'AT_EnableReplicaRule',
  'AT_AddInherit',
  'AT_AddOf',
  'AT_ReplicaIdentity',
  'AT_GenericOptions',
  'AT_AttachPartition',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_ReAddStatistics',
]);

const alterTable: Rule = (f, judge) => {
  const target = relation(f);
  judge.resource(target);
  for (const item of list(f.cmds)) {
    const cmd = unwrap(item)?.fields;
    if (!cmd) continue;
    const subtype = String(cmd.subtype ?? '');
    const column = cmd.name ? ` ${String(cmd.name)}` : '';
    const cascade = cmd.behavior === 'DROP_CASCADE' ? ', and with CASCADE everything that depends on it' : '';
    if (Object.hasOwn(DROPPING_SUBCOMMANDS, subtype)) {
      const partition = subtype.startsWith('AT_Detach') ? ` ${rangeVarName(unwrap(cmd.def)?.fields.name as Fields | undefined) ?? ''}` : column;
      judge.raise('destructive', `ALTER … ${DROPPING_SUBCOMMANDS[subtype]}${partition} of ${target}${cascade}`);
    } else if (subtype === 'AT_ColumnDefault') {
      if (cmd.def === undefined) judge.raise('destructive', `ALTER … DROP DEFAULT of${column} on ${target}`);
      else judge.raise('write');
    } else if (subtype === 'AT_AlterColumnType') {
      judge.raise('destructive', `ALTER … TYPE rewrites every value of${column} in ${target}; a narrower type or a USING expression can lose data`);
    } else if (subtype === 'AT_SetUnLogged') {
      judge.raise('destructive', `SET UNLOGGED makes ${target} lose its rows after a crash, and stop being replicated`);
    } else if (Object.hasOwn(PRIVILEGE_SUBCOMMANDS, subtype)) {
      judge.raise('privilege', `ALTER TABLE ${target} ${PRIVILEGE_SUBCOMMANDS[subtype]}`);
    } else if (WRITING_SUBCOMMANDS.has(subtype)) {
      judge.raise('write');
    } else {
      judge.raise('destructive', `ALTER TABLE subcommand ${subtype} has no rule in Airlock, so its effect is unknown`);
    }
  }
};

const alterDomain: Rule = (f, judge) => {
  const domain = dotted(f.typeName);
  judge.resource(domain);
  const subtype = String(f.subtype ?? '');
  if (subtype === 'X') judge.raise('destructive', `ALTER DOMAIN ${domain} drops constraint ${String(f.name ?? '')}`);
  else if (subtype === 'N') judge.raise('destructive', `ALTER DOMAIN ${domain} drops NOT NULL`);
  else if (subtype === 'T' && f.def === undefined) judge.raise('destructive', `ALTER DOMAIN ${domain} drops its default`);
  else judge.raise('write');
};

const drop: Rule = (f, judge) => {
  const kind = objectKind(f.removeType);
  const objects = list(f.objects).map(objectName);
  for (const object of objects) judge.resource(object);
  const cascade = f.behavior === 'DROP_CASCADE' ? ', and with CASCADE everything that depends on it' : '';
  judge.raise('destructive', `DROP ${kind.toUpperCase()} destroys ${kind} ${objects.join(', ')}${cascade}`);
};

const truncate: Rule = (f, judge) => {
  const tables = list(f.relations).map(objectName);
  for (const table of tables) judge.resource(table);
  const cascade = f.behavior === 'DROP_CASCADE' ? ', and with CASCADE of every table that references it' : '';
  judge.raise('destructive', `TRUNCATE removes every row of ${tables.join(', ')}${cascade}`);
  return 'no-walk';
};

const grant: Rule = (f, judge) => {
  const objects = list(f.objects).map(objectName);
  for (const object of objects) judge.resource(object);
  const privileges =
    list(f.privileges).length > 0
      ? list(f.privileges)
          .map((p) => String(unwrap(p)?.fields.priv_name ?? '?').toUpperCase())
          .join(', ')
      : 'ALL';
  const to = roles(f.grantees);
  const on = objects.length > 0 ? ` on ${objectKind(f.objtype)} ${objects.join(', ')}` : '';
  judge.raise('privilege', f.is_grant ? `GRANT gives ${privileges}${on} to ${to}` : `REVOKE takes ${privileges}${on} from ${to}`);
  return 'no-walk';
};

const grantRole: Rule = (f, judge) => {
  const granted = list(f.granted_roles).map((p) => String(unwrap(p)?.fields.priv_name ?? '?'));
  const grantees = roles(f.grantee_roles);
  for (const role of granted) judge.resource(role);
  judge.raise('privilege', f.is_grant ? `GRANT gives role ${granted.join(', ')} to ${grantees}` : `REVOKE takes role ${granted.join(', ')} from ${grantees}`);
  return 'no-walk';
};

const role =
  (verb: string): Rule =>
  (f, judge) => {
    const name = typeof f.role === 'string' ? f.role : roleName(fieldsOf(f.role));
    judge.resource(name);
    judge.raise('privilege', `${verb} role ${name}`);
    return 'no-walk';
  };

const dropRole: Rule = (f, judge) => {
  const dropped = roles(f.roles);
  for (const name of dropped.split(', ')) judge.resource(name);
  judge.raise('privilege', `DROP ROLE removes role ${dropped} and what it may do`);
  return 'no-walk';
};

/** `SET name = value` stored with a database, role or function, where it applies to every later session or call. */
function storedSettings(options: unknown, judge: Parameters<Rule>[1], where: string): void {
  for (const o of list(options)) {
    const option = unwrap(o);
    const set = option?.type === 'DefElem' ? unwrap(option.fields.arg) : option;
    if (set?.type === 'VariableSetStmt') storedSetting(set.fields, judge, where);
  }
}

function storedSetting(set: Fields | undefined, judge: Parameters<Rule>[1], where: string): void {
  if (!set || set.kind !== 'VAR_SET_VALUE') return;
  const name = String(set.name ?? '');
  const args = list(set.args);
  const value = args.length === 1 ? constantOf(args[0]) : undefined;
  if (changesPrivilegedSetting(name, typeof value === 'string' ? value : undefined))
    judge.raise(
      'privilege',
      `SET ${name} stored with ${where} applies to every later session or call: it changes who acts, how text is read, what is logged or what code loads`,
    );
}

const alterDatabaseSet: Rule = (f, judge) => {
  judge.resource(String(f.dbname ?? ''));
  judge.raise('write');
  storedSetting(fieldsOf(f.setstmt), judge, `database ${String(f.dbname ?? '')}`);
};

const createFunction: Rule = (f, judge) => {
  const name = dotted(f.funcname);
  judge.resource(name);
  judge.raise('write');
  storedSettings(f.options, judge, `function ${name}`);
  const security = option(f.options, 'security');
  if (security && optionIsTrue(security.arg)) {
    judge.raise('privilege', `${name} is SECURITY DEFINER: it runs with its owner's rights, whoever calls it`);
  }
  if (f.sql_body) {
    judge.walk(f.sql_body);
  } else {
    const body = judgeFunctionBody(f, judge.context);
    for (const r of body.resources) judge.resource(r);
    judge.raise(body.class, body.why ? `${f.is_procedure ? 'procedure' : 'function'} ${name}: ${body.why}` : undefined);
  }
  judge.walk(f.parameters);
  return 'no-walk';
};

const alterFunction: Rule = (f, judge) => {
  const name = objectName(f.func);
  judge.resource(name);
  const security = option(f.actions, 'security');
  if (security && optionIsTrue(security.arg))
    judge.raise('privilege', `${name} becomes SECURITY DEFINER: it will run with its owner's rights, whoever calls it`);
  else judge.raise('write');
  storedSettings(f.actions, judge, `function ${name}`);
  return 'no-walk';
};

const call: Rule = (f, judge) => {
  const fn = fieldsOf(f.funccall);
  const nameParts = list(fn?.funcname).map((p) => stringOf(p) ?? '');
  const name = nameParts[nameParts.length - 1] ?? '?';
  const schema = nameParts.length > 1 ? nameParts[nameParts.length - 2] : undefined;
  const configured = judge.context.configuredFunction(schema, name);
  if (configured)
    judge.raise(configured, configured === 'read' || configured === 'write' ? undefined : `CALL ${nameParts.join('.')} (configured as ${configured})`);
  else judge.raise('destructive', `CALL ${nameParts.join('.')} runs a procedure whose effect Airlock does not know`);
  judge.walk(fn?.args);
  return 'no-walk';
};

/** A function call anywhere in a statement: its effect, as far as Airlock knows it. */
const functionCall: Rule = (f, judge) => {
  const nameParts = list(f.funcname).map((p) => stringOf(p) ?? '');
  const name = nameParts[nameParts.length - 1] ?? '';
  const schema = nameParts.length > 1 ? nameParts[nameParts.length - 2] : undefined;
  const shown = nameParts.join('.');
  const configured = judge.context.configuredFunction(schema, name);
  if (configured) {
    judge.raise(configured, configured === 'read' || configured === 'write' ? undefined : `${shown}() is configured as ${configured}`);
    return;
  }
  if ((schema === undefined || schema === 'pg_catalog') && Object.hasOwn(SQL_TEXT_FUNCTIONS, name)) {
    const sql = constantOf(list(f.args)[SQL_TEXT_FUNCTIONS[name]!]);
    if (typeof sql !== 'string') {
      judge.raise('destructive', `${shown}() runs SQL text that is not written in the statement, so its effect is unknown`);
    } else {
      const inner = judge.context.nested(sql, judge.context.depth + 1);
      for (const r of inner.resources) judge.resource(r);
      judge.raise(inner.class, inner.why && `${shown}() runs SQL that ${inner.why}`);
    }
    return;
  }
  if ((schema === undefined || schema === 'pg_catalog') && SET_CONFIG_FUNCTIONS.has(name)) {
    const setting = constantOf(list(f.args)[0]);
    if (typeof setting === 'string') {
      const value = constantOf(list(f.args)[1]);
      judge.setting(setting, value === undefined || value === null ? '?' : String(value));
    }
    if (typeof setting !== 'string') judge.raise('privilege', `${shown}() changes a setting that is not written in the statement`);
    else if (changesPrivilegedSetting(setting, typeof constantOf(list(f.args)[1]) === 'string' ? String(constantOf(list(f.args)[1])) : undefined))
      judge.raise(
        'privilege',
        `${shown}('${setting}', …) changes who the session acts as, what protects the data, how text is read, what is logged or what code loads`,
      );
    return;
  }
  const effect = effectOfFunction(judge.context, nameParts);
  judge.raise(effect.class, effect.why || undefined);
};

/** An operator anywhere in an expression: PostgreSQL's own only read; any other runs somebody's function. */
const operatorUse: Rule = (f, judge) => {
  const nameParts = list(f.name).map((p) => stringOf(p) ?? '');
  // BETWEEN, NOT BETWEEN, BETWEEN SYMMETRIC: named by their keyword, run with <= and >=.
  if (nameParts.length === 0 || /^[A-Z ]+$/.test(nameParts[nameParts.length - 1]!)) return;
  const effect = effectOfOperator(judge.context, nameParts);
  if (effect) judge.raise(effect.class, effect.why || undefined);
};

/**
 * An object that calls functions later, on every use (an operator on every expression that
 * uses it, a trigger on every row): creating it is as dangerous as the worst function it calls.
 */
const callsLater =
  (what: (f: Fields) => string, functions: (f: Fields) => readonly (readonly string[])[], operators?: (f: Fields) => readonly (readonly string[])[]): Rule =>
  (f, judge) => {
    judge.raise('write');
    const shown = what(f);
    for (const nameParts of functions(f)) {
      const effect = effectOfFunction(judge.context, nameParts);
      judge.raise(effect.class, effect.why ? `${shown} calls ${nameParts.join('.')}() on every use: ${effect.why}` : undefined);
    }
    for (const nameParts of operators?.(f) ?? []) {
      const effect = effectOfOperator(judge.context, nameParts);
      if (effect) judge.raise(effect.class, `${shown} uses operator ${nameParts.join('.')}: ${effect.why}`);
    }
  };

const namesOf = (value: unknown): string[] => list(value).map((p) => stringOf(p) ?? '');
const objectNames = (value: unknown): string[] => namesOf(fieldsOf(value)?.objname);

/** DefElem options of CREATE OPERATOR, AGGREGATE, TYPE and TEXT SEARCH objects that name functions. */
const FUNCTION_OPTIONS = new Set([
  'function',
  'procedure',
  'restrict',
  'join',
  'sfunc',
  'finalfunc',
  'combinefunc',
  'serialfunc',
  'deserialfunc',
  'msfunc',
  'minvfunc',
  'mfinalfunc',
  'input',
  'output',
  'receive',
  'send',
  'typmod_in',
  'typmod_out',
  'analyze',
  'subscript',
  'start',
  'gettoken',
  'end',
  'headline',
  'lextypes',
  'init',
  'lexize',
]);

const functionOptions = (options: unknown): string[][] =>
  list(options)
    .map((o) => unwrap(o))
    .filter((o) => o?.type === 'DefElem' && FUNCTION_OPTIONS.has(String(o.fields.defname ?? '').toLowerCase()))
    .map((o) => {
      const arg = unwrap(o?.fields.arg);
      return arg?.type === 'TypeName' ? namesOf(arg.fields.names) : arg?.type === 'List' ? namesOf(arg.fields.items) : [stringOf(o?.fields.arg) ?? ''];
    })
    .filter((names) => names.length > 0 && names.every((n) => n !== ''));

const opClassItems = (itemtype: number) => (f: Fields) =>
  list(f.items)
    .map((i) => unwrap(i)?.fields)
    .filter((i) => i?.itemtype === itemtype)
    .map((i) => objectNames(i?.name));

const defineKinds: Readonly<Record<string, string>> = {
  OBJECT_OPERATOR: 'operator',
  OBJECT_AGGREGATE: 'aggregate',
  OBJECT_TYPE: 'type',
  OBJECT_TSPARSER: 'text search parser',
  OBJECT_TSTEMPLATE: 'text search template',
};

const defineObject = callsLater(
  (f) => `${defineKinds[String(f.kind)] ?? 'object'} ${dotted(f.defnames)}`,
  (f) => functionOptions(f.definition),
);

/** `CREATE RULE`: every later event on the table is rewritten into the rule's actions. */
const rewriteRule: Rule = (f, judge) => {
  const target = relation(f);
  judge.resource(target);
  judge.raise('write');
  const event = String(f.event ?? '').replace(/^CMD_/, '');
  const actions = list(f.actions).map((a) => unwrap(a));
  if (f.instead && actions.length === 0 && event !== 'SELECT')
    judge.raise('destructive', `the rule discards every later ${event} on ${target} (DO INSTEAD NOTHING): the data is silently lost`);
  else if (actions.some((a) => a?.type === 'DeleteStmt')) judge.raise('destructive', `the rule deletes rows on every later ${event} on ${target}`);
};

const createExtension: Rule = (f, judge) => {
  judge.resource(String(f.extname ?? ''));
  judge.raise('privilege', `CREATE EXTENSION ${String(f.extname ?? '')} installs code that runs inside the database with the installer's rights`);
};

const doBlock: Rule = (_f, judge) => {
  judge.raise('destructive', 'a DO block runs procedural code, whose effect Airlock does not judge');
  return 'no-walk';
};

const named =
  (key: string): Rule =>
  (f, judge) => {
    const value = f[key];
    judge.resource(typeof value === 'string' ? value : value !== undefined ? objectName(value) : undefined);
    judge.raise('write');
  };

const unknownEffect = (what: string): Rule => destructive(() => `${what}, whose effect Airlock does not know`);

export const RULES: Readonly<Record<string, Rule>> = {
  // Reads, and statements that change only the session.
  SelectStmt: select,
  VariableShowStmt: read,
  VariableSetStmt: variableSet,
  TransactionStmt: transaction,
  FetchStmt: read,
  ClosePortalStmt: read,
  ListenStmt: read,
  UnlistenStmt: read,
  ConstraintsSetStmt: read,
  DiscardStmt: (f, judge) => {
    if (f.target === 'DISCARD_ALL') judge.session.deallocates = '*';
  },
  DeallocateStmt: (f, judge) => {
    judge.session.deallocates = f.isall || f.name === undefined ? '*' : String(f.name);
  },
  ReturnStmt: read,
  PLAssignStmt: read,
  ExplainStmt: explain,
  PrepareStmt: prepare,
  ExecuteStmt: execute,
  DeclareCursorStmt: read, // its query is walked: a cursor over a function call is judged by the call

  // Data.
  InsertStmt: insert,
  UpdateStmt: dml('overwrites'),
  DeleteStmt: dml('deletes'),
  MergeStmt: merge,
  CopyStmt: copy,
  NotifyStmt: write,
  TruncateStmt: truncate,

  // Definitions.
  CreateStmt: write,
  CreateTableAsStmt: write,
  CreateForeignTableStmt: write,
  IndexStmt: write,
  ViewStmt: write,
  RuleStmt: rewriteRule,
  CreateTrigStmt: callsLater(
    (f) => `trigger ${String(f.trigname ?? '')} on ${relation(f)}`,
    (f) => [namesOf(f.funcname)],
  ),
  CreateSchemaStmt: named('schemaname'),
  CreateSeqStmt: write,
  AlterSeqStmt: write,
  CreateStatsStmt: write,
  AlterStatsStmt: write,
  CreateDomainStmt: write,
  AlterDomainStmt: alterDomain,
  CreateEnumStmt: write,
  AlterEnumStmt: write,
  CreateRangeStmt: write,
  CompositeTypeStmt: write,
  DefineStmt: defineObject,
  CreateCastStmt: callsLater(
    () => 'the cast',
    (f) => (f.func ? [objectNames(f.func)] : []),
  ),
  CreateConversionStmt: callsLater(
    (f) => `conversion ${dotted(f.conversion_name)}`,
    (f) => [namesOf(f.func_name)],
  ),
  CreateOpClassStmt: callsLater((f) => `operator class ${dotted(f.opclassname)}`, opClassItems(2), opClassItems(1)),
  CreateOpFamilyStmt: write,
  AlterOpFamilyStmt: callsLater((f) => `operator family ${dotted(f.opfamilyname)}`, opClassItems(2), opClassItems(1)),
  CreateTransformStmt: callsLater(
    () => 'the transform',
    (f) => [f.fromsql, f.tosql].filter((x) => x !== undefined).map(objectNames),
  ),
  CreateAmStmt: callsLater(
    (f) => `access method ${String(f.amname ?? '')}`,
    (f) => [namesOf(f.handler_name)],
  ),
  AlterCollationStmt: write,
  AlterOperatorStmt: callsLater(
    (f) => `operator ${objectNames(f.opername).join('.')}`,
    (f) => functionOptions(f.options),
  ),
  AlterTypeStmt: write,
  AlterTSDictionaryStmt: write,
  AlterTSConfigurationStmt: write,
  AlterObjectDependsStmt: write,
  AlterObjectSchemaStmt: write,
  AlterExtensionContentsStmt: write,
  RenameStmt: write,
  CommentStmt: write,
  CreateFunctionStmt: createFunction,
  AlterFunctionStmt: alterFunction,
  CreatedbStmt: named('dbname'),
  AlterDatabaseStmt: named('dbname'),
  AlterDatabaseSetStmt: alterDatabaseSet,
  AlterDatabaseRefreshCollStmt: named('dbname'),
  CreateTableSpaceStmt: named('tablespacename'),
  AlterTableSpaceOptionsStmt: named('tablespacename'),
  AlterTableMoveAllStmt: write,
  CreateForeignServerStmt: privilege((f) => `CREATE SERVER ${String(f.servername ?? '')} opens a way to another database from inside this one`),
  AlterForeignServerStmt: privilege((f) => `ALTER SERVER ${String(f.servername ?? '')} changes where a foreign server connects`),
  ImportForeignSchemaStmt: write,
  CreatePublicationStmt: privilege((f) => `CREATE PUBLICATION ${String(f.pubname ?? '')} streams table changes out of the database`),
  AlterPublicationStmt: privilege((f) => `ALTER PUBLICATION ${String(f.pubname ?? '')} changes what is streamed out of the database`),
  CreateSubscriptionStmt: privilege((f) => `CREATE SUBSCRIPTION ${String(f.subname ?? '')} connects to another server and writes what it sends`),
  AlterSubscriptionStmt: privilege((f) => `ALTER SUBSCRIPTION ${String(f.subname ?? '')} changes a replication connection`),
  AlterTableStmt: alterTable,

  // Maintenance (see docs/postgres-door.md for why VACUUM FULL and CLUSTER are destructive).
  VacuumStmt: vacuum,
  ClusterStmt: cluster,
  ReindexStmt: write,
  RefreshMatViewStmt: write,
  CheckPointStmt: write,
  LockStmt: write,

  // Who may do what.
  GrantStmt: grant,
  GrantRoleStmt: grantRole,
  AlterDefaultPrivilegesStmt: privilege(() => 'ALTER DEFAULT PRIVILEGES changes what future objects grant'),
  CreateRoleStmt: role('CREATE ROLE creates'),
  AlterRoleStmt: role('ALTER ROLE changes'),
  AlterRoleSetStmt: role('ALTER ROLE … SET changes the settings of'),
  DropRoleStmt: dropRole,
  ReassignOwnedStmt: privilege((f) => `REASSIGN OWNED gives everything owned by ${roles(f.roles)} to another role`),
  AlterOwnerStmt: privilege((f) => `ALTER … OWNER TO ${roleName(fieldsOf(f.newowner))} changes who owns ${objectName(f.object)}`),
  CreatePolicyStmt: privilege((f) => `CREATE POLICY ${String(f.policy_name ?? '')} changes which rows roles may see or change`),
  AlterPolicyStmt: privilege((f) => `ALTER POLICY ${String(f.policy_name ?? '')} changes which rows roles may see or change`),
  CreateUserMappingStmt: privilege(() => 'CREATE USER MAPPING stores credentials for a foreign server'),
  AlterUserMappingStmt: privilege(() => 'ALTER USER MAPPING changes credentials for a foreign server'),
  CreateEventTrigStmt: privilege((f) => `CREATE EVENT TRIGGER ${String(f.trigname ?? '')} runs code on every matching DDL statement, whoever runs it`),
  AlterEventTrigStmt: privilege((f) => `ALTER EVENT TRIGGER ${String(f.trigname ?? '')} changes code that runs on DDL statements`),
  CreatePLangStmt: privilege(() => 'CREATE LANGUAGE installs a procedural language'),
  CreateFdwStmt: privilege(() => 'CREATE FOREIGN DATA WRAPPER installs a handler that runs with the server’s rights'),
  AlterFdwStmt: privilege(() => 'ALTER FOREIGN DATA WRAPPER changes a handler that runs with the server’s rights'),
  CreateExtensionStmt: createExtension,
  AlterExtensionStmt: privilege((f) => `ALTER EXTENSION ${String(f.extname ?? '')} changes code that runs inside the database`),
  SecLabelStmt: privilege(() => 'SECURITY LABEL changes what mandatory access control allows'),

  // Destroys, or has an effect Airlock cannot see.
  DropStmt: drop,
  DropdbStmt: destroys('dbname', (name) => `DROP DATABASE destroys database ${name} and everything in it`),
  DropTableSpaceStmt: destroys('tablespacename', (name) => `DROP TABLESPACE destroys tablespace ${name}`),
  DropOwnedStmt: destructive((f) => `DROP OWNED destroys every object owned by ${roles(f.roles)}`),
  DropSubscriptionStmt: destroys('subname', (name) => `DROP SUBSCRIPTION destroys subscription ${name} and its replication slot`),
  DropUserMappingStmt: destructive(
    (f) => `DROP USER MAPPING destroys the credentials of ${roleName(fieldsOf(f.user))} for server ${String(f.servername ?? '')}`,
  ),
  DoStmt: doBlock,
  CallStmt: call,
  LoadStmt: unknownEffect('LOAD loads a shared library into the server'),
  AlterSystemStmt: destructive(() => 'ALTER SYSTEM changes the server’s configuration, where settings such as archive_command run programs'),

  FuncCall: functionCall,
  A_Expr: operatorUse,
};

export function unknownStatement(type: string): string {
  return type.startsWith('Drop') ? `${type} drops an object` : `Airlock has no rule for ${type} statements, so their effect is unknown`;
}
