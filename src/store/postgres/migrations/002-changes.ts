/**
 * Changes pushed to every replica. A trigger on each table whose changes a decision must see at
 * once (agents, tokens, the stop and freeze switches, holds) moves the change epoch and sends a
 * notification on the channel \`airlock_changes\`, naming the table and the row. Being triggers,
 * they cover every writer: a replica, the CLI, an operator's psql. Replicas that miss
 * notifications (their listening connection dropped) poll the epoch instead.
 */
export const CHANGES_CHANNEL = 'airlock_changes';

const trigger = (table: string, key: string) => `
    CREATE TRIGGER ${table}_changes AFTER INSERT OR UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION airlock_changed('${table}', '${key}');`;

export const changes = {
  id: '002-changes',
  sql: `
    CREATE TABLE change_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
    INSERT INTO change_epoch (id, n) VALUES (1, 0);
    CREATE FUNCTION airlock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      key TEXT;
    BEGIN
      IF TG_OP = 'DELETE' THEN
        key := to_jsonb(OLD) ->> TG_ARGV[1];
      ELSE
        key := to_jsonb(NEW) ->> TG_ARGV[1];
      END IF;
      -- Holds are never cached, so their changes need not empty the identity caches.
      IF TG_TABLE_NAME <> 'holds' THEN
        UPDATE change_epoch SET n = n + 1 WHERE id = 1;
      END IF;
      PERFORM pg_notify('${CHANGES_CHANNEL}', TG_ARGV[0] || ':' || coalesce(key, ''));
      RETURN NULL;
    END $$;
    ${trigger('agents', 'name')}
    ${trigger('tokens', 'id')}
    ${trigger('control', 'key')}
    ${trigger('holds', 'id')}
  `,
};
