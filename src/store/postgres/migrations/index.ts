import { schema } from './001-schema.js';
import { changes } from './002-changes.js';
import { observe } from './003-observe.js';

/** Applied in order, each once. Append; never edit a shipped one. */
export const POSTGRES_MIGRATIONS: readonly { readonly id: string; readonly sql: string }[] = [schema, changes, observe];
