import type { OperationClass, OperationPart } from '../../core/operation.js';
import { accessNounIn, credentialNounIn, destructiveWordIn, LISTING_VERBS, privilegeVerbIn, splitWords, UNDOING } from '../vocabulary/index.js';
import type { ResolvedCall } from './resolve.js';
import type { AwsService } from './services.js';

/**
 * The class of an AWS operation, by its name in the service model and the shared vocabulary:
 * a destructive first word (`Delete*`, `Terminate*`, `Remove*`, `Drop*`, `Purge*`) →
 * destructive; IAM, credentials handed out, policies, grants and security groups → privilege;
 * `Describe*`, `List*`, `Get*`, `Head*` → read; anything else → write.
 *
 * @example
 * classifyAwsOperation(s3, 'DeleteBucket').class;                     // 'destructive'
 * classifyAwsOperation(ec2, 'AuthorizeSecurityGroupIngress').class;   // 'privilege'
 * classifyAwsOperation(dynamodb, 'Query').class;                      // 'read'
 */
export interface AwsRuling {
  readonly class: OperationClass;
  readonly why: string;
}

/** Verbs that only read, as AWS names operations (`BatchGetItem` and DynamoDB's `Query`, `Scan` too). */
const READ_VERBS = new Set(['describe', 'list', 'get', 'head', 'query', 'scan', 'lookup', 'search', 'estimate', 'validate', 'batch get']);

/** Destructive words that, after the verb, name a thing rather than an act (`EnableFastSnapshotRestores`, a `RevocationList`). */
function isNotANoun(word: string): boolean {
  return !/^restor|^revocation$/.test(word);
}

/** Operations that destroy data though their names do not begin with a destructive word. */
const DESTRUCTIVE_OPERATIONS: Readonly<Record<string, string>> = {
  'kms:DisableKey': 'everything encrypted with the key becomes unreadable while it is disabled',
  's3:PutBucketLifecycleConfiguration': 'a lifecycle rule can expire every object in the bucket',
  's3:PutBucketLifecycle': 'a lifecycle rule can expire every object in the bucket',
};

/** Services whose every change is a change of who may do what. */
const ACCESS_SERVICES = new Set(['iam', 'sts']);

/** Operations that hand out or change access though their names do not say so. */
const PRIVILEGE_OPERATIONS: Readonly<Record<string, string>> = {
  'kms:Decrypt': 'it hands out the plaintext a key protects',
  'kms:GenerateDataKey': 'it hands out a plaintext data key',
  'kms:GenerateDataKeyPair': 'it hands out a plaintext key pair',
  'kms:ReEncrypt': 'it uses a key on behalf of the caller',
  'lambda:AddPermission': 'it lets others call the function',
  'lambda:AddLayerVersionPermission': 'it lets others use the layer',
  'ec2:ModifySnapshotAttribute': 'it can share a snapshot with other accounts',
  'ec2:ModifyImageAttribute': 'it can share an image with other accounts',
  'rds:ModifyDBSnapshotAttribute': 'it can share a database snapshot with other accounts',
  'rds:ModifyDBClusterSnapshotAttribute': 'it can share a database snapshot with other accounts',
  'sqs:SetQueueAttributes': "it can change the queue's access policy",
  'sns:SetTopicAttributes': "it can change the topic's access policy",
  'cloudformation:SetStackPolicy': 'it changes which stack resources may be replaced or deleted',
};

export function classifyAwsOperation(service: AwsService, operation: string): AwsRuling {
  const words = splitWords(operation);
  const verb = words[0] ?? '';
  const name = `${service.name}:${operation}`;
  const destructive = destructiveWordIn([verb], false);
  if (destructive) return { class: 'destructive', why: `${operation} ${destructive}s (its name begins with ${verb})` };
  if (Object.hasOwn(DESTRUCTIVE_OPERATIONS, name)) return { class: 'destructive', why: `${operation}: ${DESTRUCTIVE_OPERATIONS[name]}` };
  const reads = READ_VERBS.has(verb) || READ_VERBS.has(words.slice(0, 2).join(' '));
  // `ScheduleKeyDeletion`, `UpdateTerminationProtection`: a destruction named later in the name; `CancelKeyDeletion` stops one.
  const later = reads || UNDOING.has(verb) ? undefined : destructiveWordIn(words.slice(1).filter(isNotANoun), false);
  if (later) return { class: 'destructive', why: `${operation} names a destruction (${later})` };
  const credential = credentialNounIn(words);
  // Listing or describing credentials shows that they exist; getting one hands it out.
  if (credential && !(reads && LISTING_VERBS.has(verb)) && !(verb === 'get' && /caller|last used/i.test(words.join(' ')))) {
    return { class: 'privilege', why: `${operation} ${reads ? 'hands out' : 'changes'} a credential (${credential})` };
  }
  if (Object.hasOwn(PRIVILEGE_OPERATIONS, name)) return { class: 'privilege', why: `${operation}: ${PRIVILEGE_OPERATIONS[name]}` };
  if (reads) return { class: 'read', why: `${operation} only reads (${verb})` };
  if (ACCESS_SERVICES.has(service.name)) return { class: 'privilege', why: `${operation} changes access (${service.name.toUpperCase()})` };
  const privilegeVerb = privilegeVerbIn([verb]);
  if (privilegeVerb) return { class: 'privilege', why: `${operation} changes access (${privilegeVerb})` };
  const joined = words.join(' ');
  if (/security group/.test(joined)) return { class: 'privilege', why: `${operation} changes a security group, which decides who can reach what` };
  const access = accessNounIn(words);
  if (access) return { class: 'privilege', why: `${operation} changes a ${access}` };
  return { class: 'write', why: `${operation} changes something` };
}

/** Member names that carry the id of what a call acts on, and the ARN resource form each takes. */
const RESOURCE_MEMBERS: Readonly<Record<string, string>> = {
  TableName: 'table/',
  DBInstanceIdentifier: 'db:',
  DBClusterIdentifier: 'cluster:',
  DBSnapshotIdentifier: 'snapshot:',
  InstanceId: 'instance/',
  InstanceIds: 'instance/',
  VolumeId: 'volume/',
  GroupId: 'security-group/',
  SnapshotId: 'snapshot/',
  VpcId: 'vpc/',
  FunctionName: 'function:',
  SecretId: 'secret:',
  KeyId: 'key/',
  StackName: 'stack/',
  QueueUrl: '',
  QueueName: '',
  TopicArn: '',
  UserName: 'user/',
  RoleName: 'role/',
  PolicyArn: '',
  GroupName: 'group/',
};

export interface AwsTarget {
  /** The request's region (from its signature); `us-east-1` for a global service. */
  readonly region: string;
  /** The account the upstream's credentials belong to, when configured. */
  readonly account: string | undefined;
}

/**
 * The ARNs of what a call names (`arn:aws:s3:::bucket/key`, `arn:aws:dynamodb:eu-west-1:123:table/orders`),
 * so that `environments:` globs can place it by account, region or name.
 */
export function resourcesOf(service: AwsService, call: ResolvedCall, target: AwsTarget): string[] {
  const account = target.account ?? '';
  const region = service.globalEndpoint && service.name !== 's3' ? '' : target.region;
  const out: string[] = [];
  if (service.name === 's3') {
    const bucket = call.params.get('Bucket')?.[0];
    const key = call.params.get('Key')?.[0];
    if (bucket) out.push(key ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`);
    for (const deleted of deletedKeysOf(call)) if (bucket) out.push(`arn:aws:s3:::${bucket}/${deleted}`);
    return out;
  }
  for (const [member, values] of call.params) {
    const form =
      RESOURCE_MEMBERS[member] ??
      (/(Arn|Identifier|Name|Id)s?$/.test(member) ? `${member.replace(/(Arn|Identifier|Name|Id)s?$/, '').toLowerCase()}/` : undefined);
    if (form === undefined) continue;
    for (const value of values) {
      if (value.startsWith('arn:')) out.push(value);
      else if (/^https?:\/\//.test(value)) out.push(value);
      else out.push(`arn:aws:${service.name}:${region}:${account}:${form}${value}`);
    }
  }
  return [...new Set(out)];
}

/**
 * A change that turns off what stands between a resource and its loss — deletion protection,
 * automated backups, point-in-time recovery — is judged as the destruction it allows: the
 * incident's backups went with the volume they were kept on.
 */
function safeguardRemoved(service: AwsService, call: ResolvedCall): AwsRuling | undefined {
  const param = (name: string) => call.params.get(name)?.map((value) => value.toLowerCase()) ?? [];
  if (service.name === 'rds') {
    if (param('DeletionProtection').includes('false')) return { class: 'destructive', why: `${call.operation} turns off deletion protection` };
    if (param('BackupRetentionPeriod').includes('0')) return { class: 'destructive', why: `${call.operation} turns off automated backups, which deletes them` };
  }
  if (service.name === 'ec2' && call.operation === 'ModifyInstanceAttribute' && param('DisableApiTermination').includes('false'))
    return { class: 'destructive', why: 'ModifyInstanceAttribute turns off termination protection' };
  if (service.name === 'dynamodb') {
    const off = /"(DeletionProtectionEnabled|PointInTimeRecoveryEnabled)"\s*:\s*false/.exec(call.body.toString('utf8'));
    if (off) return { class: 'destructive', why: `${call.operation} sets ${off[1]} to false` };
  }
  return undefined;
}

/** DynamoDB's BatchWriteItem deletes items when it carries a `DeleteRequest`. */
function deletesInBatch(service: AwsService, call: ResolvedCall): AwsRuling | undefined {
  if (service.name !== 'dynamodb' || call.operation !== 'BatchWriteItem' || !call.body.includes('"DeleteRequest"')) return undefined;
  return { class: 'destructive', why: 'BatchWriteItem carries a DeleteRequest: it deletes items' };
}

/** The keys an S3 DeleteObjects body names (`<Delete><Object><Key>…</Key></Object>…</Delete>`). */
export function deletedKeysOf(call: ResolvedCall): string[] {
  if (call.operation !== 'DeleteObjects') return [];
  const text = call.body.toString('utf8');
  return [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => unescapeXml(match[1]!));
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[name.toLowerCase()]) return named[name.toLowerCase()]!;
    const code = name.startsWith('#x') || name.startsWith('#X') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : entity;
  });
}

/** One classified part: the operation's class, its ARNs and a line an operator reads first. */
export function awsPart(service: AwsService, call: ResolvedCall, target: AwsTarget): OperationPart {
  const ruling = deletesInBatch(service, call) ?? safeguardRemoved(service, call) ?? classifyAwsOperation(service, call.operation);
  const resources = resourcesOf(service, call, target);
  const keys = deletedKeysOf(call);
  const why = keys.length > 0 ? `${ruling.why}: ${keys.length} object${keys.length === 1 ? '' : 's'}` : ruling.why;
  const named = resources.slice(0, 3).join(', ') + (resources.length > 3 ? `, … (${resources.length} in all)` : '');
  return {
    action: `aws:${service.name}:${call.operation}`,
    class: ruling.class,
    resources,
    why,
    text: `${service.name} ${call.operation}${named ? ` ${named}` : ''} (${target.region})`,
  };
}
