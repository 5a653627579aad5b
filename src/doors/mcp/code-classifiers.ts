import { classifyGraphQLDocument } from '../../classify/graphql/index.js';
import { unclassifiable } from '../../classify/result.js';
import { classifySql, loadSqlClassifier } from '../../classify/sql/index.js';
import type { CodeClassifiers } from './classify.js';

/**
 * Airlock's own classifiers, shared with every other door, so that the SQL an agent sends
 * through an MCP tool gets the verdict it would get through the PostgreSQL door.
 */
export async function loadCodeClassifiers(): Promise<CodeClassifiers> {
  await loadSqlClassifier();
  return {
    sql: (text) => classifySql(text),
    graphql: (query, variables, operationName) => classifyGraphQLDocument(query, variables, operationName),
    shell: () => unclassifiable('shell commands cannot be classified yet'),
  };
}
