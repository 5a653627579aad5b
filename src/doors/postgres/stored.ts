import type { Bind } from './messages.js';

/**
 * A statement as the PostgreSQL door keeps it with a hold (`request` in the gate call): exactly
 * what the agent sent, so that it can be shown to operators and run again. Never a credential:
 * the agent's token is not part of it, and the upstream's is added only when it runs.
 */
export type StoredSqlRequest =
  | {
      readonly door: 'postgres';
      readonly upstream: string;
      /** A simple-protocol Query: one text, possibly several statements. */
      readonly protocol: 'simple';
      readonly sql: string;
    }
  | {
      readonly door: 'postgres';
      readonly upstream: string;
      /** Parse + Bind: one statement with its parameters. */
      readonly protocol: 'extended';
      readonly sql: string;
      readonly parameterTypes: readonly number[];
      /** Each parameter as sent: its format (0 text, 1 binary) and bytes in base64; null is NULL. */
      readonly parameters: readonly ({ readonly format: number; readonly value: string } | null)[];
    };

export function storedQuery(upstream: string, sql: string): StoredSqlRequest {
  return { door: 'postgres', upstream, protocol: 'simple', sql };
}

export function storedExtended(upstream: string, sql: string, parameterTypes: readonly number[], bind: Bind): StoredSqlRequest {
  return {
    door: 'postgres',
    upstream,
    protocol: 'extended',
    sql,
    parameterTypes: [...parameterTypes],
    parameters: bind.parameters.map((value, i) => (value === null ? null : { format: bind.formatOf(i), value: value.toString('base64') })),
  };
}

export function isStoredSqlRequest(value: unknown): value is StoredSqlRequest {
  const v = value as Partial<StoredSqlRequest> | null;
  return (
    !!v &&
    v.door === 'postgres' &&
    typeof v.upstream === 'string' &&
    typeof v.sql === 'string' &&
    (v.protocol === 'simple' || (v.protocol === 'extended' && Array.isArray((v as { parameters?: unknown }).parameters)))
  );
}
