import type { OperationClass } from '../../core/operation.js';
import { knownFunctionEffect, SET_CONFIG_FUNCTIONS, SQL_TEXT_FUNCTIONS, type FunctionEffect } from './functions.js';
import type { JudgeContext } from './judge.js';
import { BUILTIN_OPERATORS } from './operators.js';

/**
 * What running a function named as `nameParts` does, when nothing about its arguments is known:
 * the one reading used for a direct call's last resort and for every object that calls the
 * function later (an operator, aggregate, cast, trigger, transform, operator class).
 */
export function effectOfFunction(context: JudgeContext, nameParts: readonly string[]): FunctionEffect {
  const name = (nameParts[nameParts.length - 1] ?? '').toLowerCase();
  const schema = nameParts.length > 1 ? nameParts[nameParts.length - 2]?.toLowerCase() : undefined;
  const shown = nameParts.join('.');
  const configured = context.configuredFunction(schema, name);
  if (configured) return { class: configured, why: mentionable(configured) ? `${shown}() is configured as ${configured}` : '' };
  const builtin = schema === undefined || schema === 'pg_catalog';
  if (builtin && SET_CONFIG_FUNCTIONS.has(name)) return { class: 'privilege', why: `${shown}() changes settings named only when it runs` };
  if (builtin && Object.hasOwn(SQL_TEXT_FUNCTIONS, name)) return { class: 'destructive', why: `${shown}() runs SQL text that is only known when it runs` };
  const known = knownFunctionEffect(schema, name);
  if (known) return known;
  return {
    class: 'destructive',
    why: `${shown}() is a function whose effect Airlock does not know (not a read-only built-in); name its class under the upstream's functions to change this`,
  };
}

/**
 * What an operator does: PostgreSQL's own operators run read-only built-ins (every one of
 * pg_catalog's operators calls an immutable or stable function); any other operator runs a
 * function somebody defined, so it is judged as that unknown function unless the upstream's
 * `functions:` names its class (by its symbol, as `schema.###` or `###`).
 */
export function effectOfOperator(context: JudgeContext, nameParts: readonly string[]): FunctionEffect | undefined {
  const symbol = nameParts[nameParts.length - 1] ?? '';
  const schema = nameParts.length > 1 ? nameParts[nameParts.length - 2]?.toLowerCase() : undefined;
  const configured = context.configuredFunction(schema, symbol);
  if (configured) return { class: configured, why: mentionable(configured) ? `operator ${nameParts.join('.')} is configured as ${configured}` : '' };
  if ((schema === undefined || schema === 'pg_catalog') && BUILTIN_OPERATORS.has(symbol)) return undefined;
  return {
    class: 'destructive',
    why: `operator ${nameParts.join('.')} is not one of PostgreSQL's own, so it runs a function whose effect Airlock does not know; name its class under the upstream's functions to change this`,
  };
}

const mentionable = (c: OperationClass): boolean => c !== 'read' && c !== 'write';
