/**
 * The one vocabulary Airlock reads names with: GraphQL root fields, CLI subcommands
 * (`tool [group…] verb`), REST paths and MCP tool names. Each classifier decides how the answers
 * combine for its kind of name (a GraphQL query only reads; `kubectl get secret` hands out a
 * credential); the words themselves live here, once.
 *
 * @example
 * import { destructiveWordIn, privilegeNounIn, splitWords } from '../vocabulary/index.js';
 * destructiveWordIn(splitWords('delete-log-group'), false); // 'delete'
 * privilegeNounIn(splitWords('set-iam-policy'));            // 'iam'
 * privilegeNounIn(splitWords('api_keys'));                  // 'api key'
 */
export {
  accessNounIn,
  credentialNounIn,
  describesDestruction,
  destructiveImperativeIn,
  destructiveWordIn,
  privilegeNounIn,
  privilegeVerbIn,
  readVerbIn,
  undoesDestruction,
} from './match.js';
export { ACCESS_NOUNS, CREDENTIAL_NOUNS, PRIVILEGE_NOUNS } from './nouns.js';
export {
  COMMAND_DESTRUCTIVE,
  DESTRUCTIVE_SHORT,
  DESTRUCTIVE_VERBS,
  DESTRUCTIVE_WORDS,
  IMPERATIVES,
  LISTING_VERBS,
  PRIVILEGE_VERBS,
  READ_VERBS,
  UNDOING,
} from './verbs.js';
export { containsPhrase, inflections, singular, splitWords } from './words.js';
