import type { OperationClass } from '../../core/operation.js';
import { STABLE_CATALOG_FUNCTIONS } from './catalog-functions.js';

/**
 * What calling a function does, as far as Airlock knows. A function that is neither a
 * read-only built-in nor listed here has an effect Airlock cannot see (a user's function, an
 * extension's): it is classified `destructive` with a reason, unless the upstream's config
 * names its class (`functions:` in docs/postgres-door.md).
 */
export interface FunctionEffect {
  readonly class: OperationClass;
  readonly why: string;
}

const TERMINATES = 'ends other sessions and their work in progress';

/** Built-in volatile functions and well-known extension functions, one by one. */
const KNOWN: Readonly<Record<string, FunctionEffect>> = {
  // Destroys data, sessions or replication state.
  pg_terminate_backend: { class: 'destructive', why: `pg_terminate_backend ${TERMINATES}` },
  pg_cancel_backend: { class: 'destructive', why: 'pg_cancel_backend cancels another session’s statement and loses its work' },
  lo_unlink: { class: 'destructive', why: 'lo_unlink deletes a large object' },
  lo_truncate: { class: 'destructive', why: 'lo_truncate cuts a large object’s data' },
  lo_truncate64: { class: 'destructive', why: 'lo_truncate64 cuts a large object’s data' },
  lo_export: { class: 'destructive', why: 'lo_export writes (and can overwrite) a file on the database server' },
  pg_drop_replication_slot: { class: 'destructive', why: 'pg_drop_replication_slot drops a replication slot; its consumer loses its place' },
  pg_logical_slot_get_changes: { class: 'destructive', why: 'pg_logical_slot_get_changes consumes a replication slot’s changes for good' },
  pg_logical_slot_get_binary_changes: { class: 'destructive', why: 'pg_logical_slot_get_binary_changes consumes a replication slot’s changes for good' },
  pg_logical_slot_peek_changes: { class: 'privilege', why: 'pg_logical_slot_peek_changes reads every change to every table, past the tables’ grants' },
  pg_logical_slot_peek_binary_changes: {
    class: 'privilege',
    why: 'pg_logical_slot_peek_binary_changes reads every change to every table, past the tables’ grants',
  },
  pg_replication_slot_advance: { class: 'destructive', why: 'pg_replication_slot_advance skips a replication slot past changes its consumer has not seen' },
  pg_replication_origin_drop: { class: 'destructive', why: 'pg_replication_origin_drop drops a replication origin' },
  pg_promote: { class: 'destructive', why: 'pg_promote turns a standby into a primary' },
  pg_stop_making_pinned_objects: { class: 'destructive', why: 'pg_stop_making_pinned_objects is for initdb only' },
  pg_nextoid: { class: 'destructive', why: 'pg_nextoid is for binary upgrades only' },
  pg_truncate_visibility_map: { class: 'destructive', why: 'pg_truncate_visibility_map destroys a table’s visibility map' },
  pg_file_write: { class: 'destructive', why: 'pg_file_write writes a file on the database server' },
  pg_file_unlink: { class: 'destructive', why: 'pg_file_unlink deletes a file on the database server' },
  pg_file_rename: { class: 'destructive', why: 'pg_file_rename renames a file on the database server' },
  pg_file_sync: { class: 'write', why: 'pg_file_sync flushes a file on the database server' },
  dblink_exec: { class: 'privilege', why: 'dblink_exec runs a statement on another database, past Airlock and the token’s scopes' },
  dblink: { class: 'privilege', why: 'dblink runs a statement on another database, past Airlock and the token’s scopes' },
  dblink_send_query: { class: 'privilege', why: 'dblink_send_query runs a statement on another database, past Airlock and the token’s scopes' },
  dblink_open: { class: 'privilege', why: 'dblink_open runs a query on another database, past Airlock and the token’s scopes' },
  dblink_connect: { class: 'privilege', why: 'dblink_connect opens a connection to another database, past Airlock and the token’s scopes' },
  dblink_connect_u: { class: 'privilege', why: 'dblink_connect_u connects to another database as the server’s own user' },
  dblink_disconnect: { class: 'read', why: 'dblink_disconnect closes a dblink connection' },
  dblink_fetch: { class: 'read', why: 'dblink_fetch reads from an open dblink cursor' },
  dblink_close: { class: 'read', why: 'dblink_close closes a dblink cursor' },
  dblink_get_result: { class: 'read', why: 'dblink_get_result reads a dblink result' },
  dblink_get_connections: { class: 'read', why: 'dblink_get_connections lists dblink connections' },
  dblink_is_busy: { class: 'read', why: 'dblink_is_busy inspects a dblink connection' },
  dblink_error_message: { class: 'read', why: 'dblink_error_message reads a dblink error' },
  dblink_cancel_query: { class: 'write', why: 'dblink_cancel_query cancels a remote query' },
  binary_upgrade_create_empty_extension: { class: 'destructive', why: 'binary_upgrade functions are for pg_upgrade only' },

  // Changes who may do what, or reaches outside the database.
  pg_reload_conf: { class: 'privilege', why: 'pg_reload_conf applies the server’s configuration files, including who may connect' },
  lo_import: { class: 'privilege', why: 'lo_import reads a file of the database server' },
  pg_read_file: { class: 'privilege', why: 'pg_read_file reads a file of the database server' },
  pg_read_file_old: { class: 'privilege', why: 'pg_read_file reads a file of the database server' },
  pg_read_binary_file: { class: 'privilege', why: 'pg_read_binary_file reads a file of the database server' },
  pg_stat_file: { class: 'privilege', why: 'pg_stat_file inspects a file of the database server' },
  pg_ls_dir: { class: 'privilege', why: 'pg_ls_dir lists a directory of the database server' },
  pg_ls_logdir: { class: 'privilege', why: 'pg_ls_logdir lists the server’s log directory' },
  pg_ls_waldir: { class: 'privilege', why: 'pg_ls_waldir lists the server’s WAL directory' },
  pg_ls_tmpdir: { class: 'privilege', why: 'pg_ls_tmpdir lists a server directory' },
  pg_ls_archive_statusdir: { class: 'privilege', why: 'pg_ls_archive_statusdir lists a server directory' },
  pg_ls_logicalmapdir: { class: 'privilege', why: 'pg_ls_logicalmapdir lists a server directory' },
  pg_ls_logicalsnapdir: { class: 'privilege', why: 'pg_ls_logicalsnapdir lists a server directory' },
  pg_ls_replslotdir: { class: 'privilege', why: 'pg_ls_replslotdir lists a server directory' },
  pg_ls_summariesdir: { class: 'privilege', why: 'pg_ls_summariesdir lists a server directory' },

  // Change state, recoverably.
  nextval: { class: 'write', why: 'nextval advances a sequence' },
  setval: { class: 'write', why: 'setval sets a sequence' },
  lo_create: { class: 'write', why: 'lo_create creates a large object' },
  lo_creat: { class: 'write', why: 'lo_creat creates a large object' },
  lo_from_bytea: { class: 'write', why: 'lo_from_bytea creates a large object' },
  lo_put: { class: 'write', why: 'lo_put writes into a large object' },
  lowrite: { class: 'write', why: 'lowrite writes into a large object' },
  pg_notify: { class: 'write', why: 'pg_notify sends a notification to other sessions' },
  pg_logical_emit_message: { class: 'write', why: 'pg_logical_emit_message writes a message into the WAL' },
  pg_create_logical_replication_slot: {
    class: 'privilege',
    why: 'pg_create_logical_replication_slot opens a stream of every change to every table, past the tables’ grants',
  },
  pg_create_physical_replication_slot: {
    class: 'privilege',
    why: 'pg_create_physical_replication_slot reserves a copy of the whole cluster’s WAL for a standby',
  },
  pg_copy_logical_replication_slot: { class: 'privilege', why: 'pg_copy_logical_replication_slot opens a second stream of every change to every table' },
  pg_copy_physical_replication_slot: { class: 'privilege', why: 'pg_copy_physical_replication_slot reserves another copy of the cluster’s WAL' },
  pg_sync_replication_slots: { class: 'write', why: 'synchronises replication slots' },
  pg_replication_origin_create: { class: 'write', why: 'creates a replication origin' },
  pg_replication_origin_advance: { class: 'write', why: 'moves a replication origin' },
  pg_replication_origin_session_setup: { class: 'write', why: 'binds the session to a replication origin' },
  pg_replication_origin_session_reset: { class: 'write', why: 'unbinds the session from a replication origin' },
  pg_replication_origin_xact_setup: { class: 'write', why: 'sets a replication origin for the transaction' },
  pg_replication_origin_xact_reset: { class: 'write', why: 'resets the transaction’s replication origin' },
  gin_clean_pending_list: { class: 'write', why: 'gin_clean_pending_list moves index entries' },
  brin_summarize_new_values: { class: 'write', why: 'summarises BRIN index ranges' },
  brin_summarize_range: { class: 'write', why: 'summarises a BRIN index range' },
  brin_desummarize_range: { class: 'write', why: 'removes a BRIN range summary' },
  pg_import_system_collations: { class: 'write', why: 'adds collations to the catalog' },
  pg_stat_reset: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_shared: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_single_table_counters: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_single_function_counters: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_slru: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_replication_slot: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_subscription_stats: { class: 'write', why: 'resets statistics counters' },
  pg_stat_reset_backend_stats: { class: 'write', why: 'resets statistics counters' },
  pg_stat_statements_reset: { class: 'write', why: 'resets pg_stat_statements' },
  pg_clear_relation_stats: { class: 'write', why: 'clears planner statistics' },
  pg_clear_attribute_stats: { class: 'write', why: 'clears planner statistics' },
  pg_restore_relation_stats: { class: 'write', why: 'overwrites planner statistics' },
  pg_restore_attribute_stats: { class: 'write', why: 'overwrites planner statistics' },
  pg_switch_wal: { class: 'write', why: 'pg_switch_wal forces a WAL segment switch' },
  pg_create_restore_point: { class: 'write', why: 'writes a restore point into the WAL' },
  pg_log_standby_snapshot: { class: 'write', why: 'writes a snapshot record into the WAL' },
  pg_backup_start: { class: 'write', why: 'starts an online backup' },
  pg_backup_stop: { class: 'write', why: 'ends an online backup' },
  pg_rotate_logfile: { class: 'write', why: 'rotates the server log' },
  pg_rotate_logfile_old: { class: 'write', why: 'rotates the server log' },
  pg_wal_replay_pause: { class: 'write', why: 'pauses recovery on a standby' },
  pg_wal_replay_resume: { class: 'write', why: 'resumes recovery on a standby' },
  pg_extension_config_dump: { class: 'write', why: 'marks an extension table for dumping' },
  binary_upgrade_set_missing_value: { class: 'destructive', why: 'binary_upgrade functions are for pg_upgrade only' },
  binary_upgrade_set_record_init_privs: { class: 'destructive', why: 'binary_upgrade functions are for pg_upgrade only' },
  binary_upgrade_add_sub_rel_state: { class: 'destructive', why: 'binary_upgrade functions are for pg_upgrade only' },
  binary_upgrade_replorigin_advance: { class: 'destructive', why: 'binary_upgrade functions are for pg_upgrade only' },
  binary_upgrade_logical_slot_has_caught_up: { class: 'read', why: 'inspects a replication slot' },

  // Volatile, yet they change nothing that persists.
  random: { class: 'read', why: '' },
  setseed: { class: 'read', why: '' },
  clock_timestamp: { class: 'read', why: '' },
  timeofday: { class: 'read', why: '' },
  gen_random_uuid: { class: 'read', why: '' },
  currval: { class: 'read', why: '' },
  lastval: { class: 'read', why: '' },
  pg_sequence_last_value: { class: 'read', why: '' },
  pg_sleep: { class: 'read', why: '' },
  pg_sleep_for: { class: 'read', why: '' },
  pg_sleep_until: { class: 'read', why: '' },
  pg_advisory_lock: { class: 'read', why: '' },
  pg_advisory_lock_shared: { class: 'read', why: '' },
  pg_advisory_unlock: { class: 'read', why: '' },
  pg_advisory_unlock_all: { class: 'read', why: '' },
  pg_advisory_unlock_shared: { class: 'read', why: '' },
  pg_advisory_xact_lock: { class: 'read', why: '' },
  pg_advisory_xact_lock_shared: { class: 'read', why: '' },
  pg_try_advisory_lock: { class: 'read', why: '' },
  pg_try_advisory_lock_shared: { class: 'read', why: '' },
  pg_try_advisory_xact_lock: { class: 'read', why: '' },
  pg_try_advisory_xact_lock_shared: { class: 'read', why: '' },
  lo_open: { class: 'read', why: '' },
  lo_close: { class: 'read', why: '' },
  loread: { class: 'read', why: '' },
  lo_get: { class: 'read', why: '' },
  lo_lseek: { class: 'read', why: '' },
  lo_lseek64: { class: 'read', why: '' },
  lo_tell: { class: 'read', why: '' },
  lo_tell64: { class: 'read', why: '' },
  cursor_to_xml: { class: 'read', why: '' },
  cursor_to_xmlschema: { class: 'read', why: '' },
  current_query: { class: 'read', why: '' },
  currtid2: { class: 'read', why: '' },
  pg_export_snapshot: { class: 'read', why: '' },
  pg_log_backend_memory_contexts: { class: 'read', why: '' },
  pg_stat_clear_snapshot: { class: 'read', why: '' },
  pg_stat_force_next_flush: { class: 'read', why: '' },
  pg_current_logfile: { class: 'read', why: '' },
  pg_hba_file_rules: { class: 'read', why: '' },
  pg_ident_file_mappings: { class: 'read', why: '' },
  pg_show_all_file_settings: { class: 'read', why: '' },
  pg_replication_origin_progress: { class: 'read', why: '' },
  pg_replication_origin_session_progress: { class: 'read', why: '' },
  pg_replication_origin_session_is_setup: { class: 'read', why: '' },
  pg_show_replication_origin_status: { class: 'read', why: '' },
  pg_isolation_test_session_is_blocked: { class: 'read', why: '' },
  pg_safe_snapshot_blocking_pids: { class: 'read', why: '' },
  pg_blocking_pids: { class: 'read', why: '' },
  pg_lock_status: { class: 'read', why: '' },
  pg_prepared_xact: { class: 'read', why: '' },
  pg_get_multixact_members: { class: 'read', why: '' },
  pg_get_backend_memory_contexts: { class: 'read', why: '' },
  pg_get_shmem_allocations: { class: 'read', why: '' },
  pg_get_wal_resource_managers: { class: 'read', why: '' },
  pg_get_wal_replay_pause_state: { class: 'read', why: '' },
  pg_is_wal_replay_paused: { class: 'read', why: '' },
  pg_is_in_recovery: { class: 'read', why: '' },
  pg_jit_available: { class: 'read', why: '' },
  pg_last_committed_xact: { class: 'read', why: '' },
  pg_last_wal_receive_lsn: { class: 'read', why: '' },
  pg_last_wal_replay_lsn: { class: 'read', why: '' },
  pg_last_xact_replay_timestamp: { class: 'read', why: '' },
  pg_current_wal_flush_lsn: { class: 'read', why: '' },
  pg_current_wal_insert_lsn: { class: 'read', why: '' },
  pg_current_wal_lsn: { class: 'read', why: '' },
  pg_control_checkpoint: { class: 'read', why: '' },
  pg_control_init: { class: 'read', why: '' },
  pg_control_recovery: { class: 'read', why: '' },
  pg_control_system: { class: 'read', why: '' },
  pg_collation_actual_version: { class: 'read', why: '' },
  pg_database_collation_actual_version: { class: 'read', why: '' },
  pg_database_size: { class: 'read', why: '' },
  pg_tablespace_size: { class: 'read', why: '' },
  pg_relation_size: { class: 'read', why: '' },
  pg_table_size: { class: 'read', why: '' },
  pg_indexes_size: { class: 'read', why: '' },
  pg_total_relation_size: { class: 'read', why: '' },
  pg_partition_ancestors: { class: 'read', why: '' },
  pg_partition_tree: { class: 'read', why: '' },
  pg_notification_queue_usage: { class: 'read', why: '' },
  pg_stat_have_stats: { class: 'read', why: '' },
  pg_stat_get_recovery_prefetch: { class: 'read', why: '' },
  pg_stat_get_xact_blocks_fetched: { class: 'read', why: '' },
  pg_stat_get_xact_blocks_hit: { class: 'read', why: '' },
  pg_stat_get_xact_function_calls: { class: 'read', why: '' },
  pg_stat_get_xact_function_self_time: { class: 'read', why: '' },
  pg_stat_get_xact_function_total_time: { class: 'read', why: '' },
  pg_stat_get_xact_numscans: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_deleted: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_fetched: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_hot_updated: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_inserted: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_returned: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_updated: { class: 'read', why: '' },
  pg_stat_get_xact_tuples_newpage_updated: { class: 'read', why: '' },
  pg_xact_commit_timestamp: { class: 'read', why: '' },
  pg_xact_commit_timestamp_origin: { class: 'read', why: '' },
  pg_xact_status: { class: 'read', why: '' },
  txid_status: { class: 'read', why: '' },
  pg_get_process_memory_contexts: { class: 'read', why: '' },
  pg_get_shmem_allocations_numa: { class: 'read', why: '' },
  amvalidate: { class: 'read', why: '' },
  unique_key_recheck: { class: 'read', why: '' },
  // Handlers and trigger functions: PostgreSQL refuses a direct call.
  suppress_redundant_updates_trigger: { class: 'read', why: '' },
  tsvector_update_trigger: { class: 'read', why: '' },
  tsvector_update_trigger_column: { class: 'read', why: '' },
  plpgsql_call_handler: { class: 'read', why: '' },
  plpgsql_inline_handler: { class: 'read', why: '' },
  plpgsql_validator: { class: 'read', why: '' },
  bernoulli: { class: 'read', why: '' },
  system: { class: 'read', why: '' },
  dsnowball_init: { class: 'read', why: '' },
  dsnowball_lexize: { class: 'read', why: '' },
  bthandler: { class: 'read', why: '' },
  brinhandler: { class: 'read', why: '' },
  ginhandler: { class: 'read', why: '' },
  gisthandler: { class: 'read', why: '' },
  hashhandler: { class: 'read', why: '' },
  spghandler: { class: 'read', why: '' },
  heap_tableam_handler: { class: 'read', why: '' },
};

/** Functions whose argument is SQL text they run: judged by that text when it is a constant. */
export const SQL_TEXT_FUNCTIONS: Readonly<Record<string, number>> = {
  query_to_xml: 0,
  query_to_xmlschema: 0,
  query_to_xml_and_xmlschema: 0,
  ts_stat: 0,
  ts_rewrite: 1,
};

/** Functions that change a setting named by their first argument (like SET). */
export const SET_CONFIG_FUNCTIONS = new Set(['set_config']);

/** Read-only functions of widely used extensions, so that their callers are not held. */
const EXTENSION_READS = [
  /^uuid_generate_v[1345](mc)?$/, // uuid-ossp
  /^uuid_(nil|ns_dns|ns_url|ns_oid|ns_x500)$/,
  /^(crypt|gen_salt|digest|hmac|gen_random_bytes|armor|dearmor|pgp_(sym|pub)_(en|de)crypt(_bytea)?|pgp_key_id|pgp_armor_headers|encrypt|decrypt|encrypt_iv|decrypt_iv)$/, // pgcrypto
  /^(similarity|word_similarity|strict_word_similarity|show_trgm|show_limit|set_limit)$/, // pg_trgm
  /^(unaccent|levenshtein|levenshtein_less_equal|soundex|difference|metaphone|dmetaphone|dmetaphone_alt|daitch_mokotoff)$/,
  /^st_[a-z0-9_]+$/, // PostGIS
  /^(hstore|akeys|avals|skeys|svals|each|exist|defined|isexists|isdefined|slice|hstore_to_json|hstore_to_jsonb|hstore_to_array|hstore_to_matrix)$/,
  /^(earth_distance|ll_to_earth|earth_box|cube|cube_distance|cube_contains)$/,
  /^(pgstattuple|pgstattuple_approx|pgstatindex|pgstatginindex|pgstathashindex|pg_relpages|pg_buffercache_pages|pg_visibility|pg_visibility_map|pg_visibility_map_summary|pg_check_frozen|pg_check_visible|pg_prewarm)$/,
  /^pg_stat_statements(_info)?$/,
];

/**
 * The effect of calling `name` (lower-case as PostgreSQL folds it), or undefined when Airlock
 * does not know. `schema` is the qualifier as written: only pg_catalog (or none) names a
 * built-in; `public.lower` is somebody's own function.
 */
export function knownFunctionEffect(schema: string | undefined, name: string): FunctionEffect | undefined {
  if (schema !== undefined && schema !== 'pg_catalog') return extensionEffect(name, schema);
  const known = Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
  if (known) return known;
  if (STABLE_CATALOG_FUNCTIONS.has(name)) return { class: 'read', why: '' };
  return schema === undefined ? extensionEffect(name, undefined) : undefined;
}

function extensionEffect(name: string, schema: string | undefined): FunctionEffect | undefined {
  // Extension functions live in whatever schema they were installed into: the destroying ones
  // are known wherever they are, the reading ones by their well-known names.
  const known = Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
  if (known && (known.class !== 'read' || schema === undefined)) return known;
  if (EXTENSION_READS.some((pattern) => pattern.test(name))) return { class: 'read', why: '' };
  return undefined;
}
