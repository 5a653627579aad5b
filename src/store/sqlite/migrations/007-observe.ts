/** An agent in observe mode until this time: what would be held or refused is recorded and forwarded. */
export const observeMigration = {
  id: '007-observe',
  sql: `ALTER TABLE agents ADD COLUMN observe_until TEXT;`,
};
