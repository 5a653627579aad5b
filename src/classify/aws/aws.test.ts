import { describe, expect, it } from 'vitest';
import { classifyAwsCall, classifyAwsOperation, serviceBySigningName, type AwsRequest } from './index.js';

const service = (name: string) => {
  const found = serviceBySigningName(name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
};

function request(
  signingName: string,
  method: string,
  path: string,
  options: { target?: string; form?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): AwsRequest {
  const question = path.indexOf('?');
  const query = question < 0 ? [] : [...new URLSearchParams(path.slice(question + 1))];
  const headers: Record<string, string> = { ...options.headers };
  if (options.target) headers['x-amz-target'] = options.target;
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const body = options.form ?? (options.json !== undefined ? JSON.stringify(options.json) : (options.body ?? ''));
  return { service: service(signingName), method, path, query, header: (name) => headers[name], body: Buffer.from(body) };
}

const target = { region: 'eu-west-1', account: '123456789012' };

describe('classifying AWS operations by name', () => {
  it.each([
    ['rds', 'DeleteDBInstance', 'destructive'],
    ['s3', 'DeleteBucket', 'destructive'],
    ['s3', 'DeleteObjects', 'destructive'],
    ['dynamodb', 'DeleteTable', 'destructive'],
    ['ec2', 'TerminateInstances', 'destructive'],
    ['iam', 'RemoveUserFromGroup', 'destructive'],
    ['sqs', 'PurgeQueue', 'destructive'],
    ['iam', 'CreateAccessKey', 'privilege'],
    ['iam', 'AttachRolePolicy', 'privilege'],
    ['iam', 'CreateUser', 'privilege'],
    ['sts', 'AssumeRole', 'privilege'],
    ['sts', 'GetSessionToken', 'privilege'],
    ['kms', 'PutKeyPolicy', 'privilege'],
    ['kms', 'CreateGrant', 'privilege'],
    ['kms', 'Decrypt', 'privilege'],
    ['ec2', 'AuthorizeSecurityGroupIngress', 'privilege'],
    ['ec2', 'CreateSecurityGroup', 'privilege'],
    ['s3', 'PutBucketPolicy', 'privilege'],
    ['s3', 'PutBucketAcl', 'privilege'],
    ['secretsmanager', 'GetSecretValue', 'privilege'],
    ['lambda', 'AddPermission', 'privilege'],
    ['ec2', 'DescribeInstances', 'read'],
    ['s3', 'ListObjectsV2', 'read'],
    ['s3', 'GetObject', 'read'],
    ['s3', 'HeadBucket', 'read'],
    ['dynamodb', 'Query', 'read'],
    ['dynamodb', 'BatchGetItem', 'read'],
    ['sts', 'GetCallerIdentity', 'read'],
    ['iam', 'ListAccessKeys', 'read'],
    ['secretsmanager', 'DescribeSecret', 'read'],
    ['cloudformation', 'ValidateTemplate', 'read'],
    ['kms', 'ScheduleKeyDeletion', 'destructive'],
    ['kms', 'DisableKey', 'destructive'],
    ['kms', 'CancelKeyDeletion', 'write'],
    ['ec2', 'EnableFastSnapshotRestores', 'write'],
    ['cloudformation', 'UpdateTerminationProtection', 'destructive'],
    ['s3', 'PutBucketLifecycleConfiguration', 'destructive'],
    ['s3', 'PutObject', 'write'],
    ['ec2', 'RunInstances', 'write'],
    ['dynamodb', 'PutItem', 'write'],
    ['lambda', 'Invoke', 'write'],
    ['sqs', 'SendMessage', 'write'],
  ] as const)('reads %s %s as %s', (name, operation, expected) => {
    expect(Object.hasOwn(service(name).operations, operation)).toBe(true);
    expect(classifyAwsOperation(service(name), operation).class).toBe(expected);
  });

  it('knows every operation of the twelve services it ships models for', () => {
    const names = ['s3', 'dynamodb', 'rds', 'ec2', 'iam', 'kms', 'sts', 'lambda', 'sqs', 'sns', 'secretsmanager', 'cloudformation'];
    for (const name of names) expect(Object.keys(service(name).operations).length).toBeGreaterThan(5);
  });
});

describe('resolving the operation from the request', () => {
  it.each([
    ['s3', 'GET', '/', 'ListBuckets', 'read'],
    ['s3', 'GET', '/orders?list-type=2&prefix=&encoding-type=url', 'ListObjectsV2', 'read'],
    ['s3', 'GET', '/orders', 'ListObjects', 'read'],
    ['s3', 'GET', '/orders?policy', 'GetBucketPolicy', 'read'],
    ['s3', 'PUT', '/orders?policy', 'PutBucketPolicy', 'privilege'],
    ['s3', 'DELETE', '/orders', 'DeleteBucket', 'destructive'],
    ['s3', 'DELETE', '/orders/', 'DeleteBucket', 'destructive'],
    ['s3', 'DELETE', '/orders/2026/report.csv', 'DeleteObject', 'destructive'],
    ['s3', 'DELETE', '/orders/big.bin?uploadId=abc', 'AbortMultipartUpload', 'write'],
    ['s3', 'GET', '/orders/a%20b.txt', 'GetObject', 'read'],
    ['s3', 'GET', '/orders/a.txt?uploadId=abc', 'ListParts', 'read'],
    ['s3', 'HEAD', '/orders', 'HeadBucket', 'read'],
    ['s3', 'PUT', '/orders/a.txt', 'PutObject', 'write'],
    ['s3', 'GET', '/orders/a.txt?x-id=GetObject', 'GetObject', 'read'],
    ['lambda', 'POST', '/2015-03-31/functions/resize/invocations', 'Invoke', 'write'],
    ['lambda', 'DELETE', '/2015-03-31/functions/resize', 'DeleteFunction', 'destructive'],
    ['lambda', 'GET', '/2015-03-31/functions/', 'ListFunctions', 'read'],
  ] as const)('reads %s %s %s as %s', (name, method, path, operation, expected) => {
    const result = classifyAwsCall(request(name, method, path), target);
    expect(result.ok ? result.part : result.error).toMatchObject({ action: `aws:${name}:${operation}`, class: expected });
  });

  it('reads an S3 write that sets an ACL as privilege', () => {
    const result = classifyAwsCall(request('s3', 'PUT', '/orders/a.txt', { headers: { 'x-amz-acl': 'public-read' } }), target);
    expect(result.ok ? result.part : result.error).toMatchObject({ action: 'aws:s3:PutObject', class: 'privilege', why: expect.stringContaining('x-amz-acl') });
  });

  it('tells a copy from a put by the header the model requires', () => {
    const result = classifyAwsCall(request('s3', 'PUT', '/orders/b.txt', { headers: { 'x-amz-copy-source': '/orders/a.txt' } }), target);
    expect(result.ok && result.part.action).toBe('aws:s3:CopyObject');
  });

  it('reads the JSON protocol by X-Amz-Target and names the table it acts on', () => {
    const result = classifyAwsCall(request('dynamodb', 'POST', '/', { target: 'DynamoDB_20120810.DeleteTable', json: { TableName: 'orders' } }), target);
    expect(result.ok ? result.part : result.error).toMatchObject({
      action: 'aws:dynamodb:DeleteTable',
      class: 'destructive',
      resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders'],
    });
  });

  it('reads the query protocol by Action, in the form or the query string', () => {
    const form = classifyAwsCall(
      request('rds', 'POST', '/', { form: 'Action=DeleteDBInstance&Version=2014-10-31&DBInstanceIdentifier=prod-db&SkipFinalSnapshot=true' }),
      target,
    );
    expect(form.ok ? form.part : form.error).toMatchObject({
      action: 'aws:rds:DeleteDBInstance',
      class: 'destructive',
      resources: ['arn:aws:rds:eu-west-1:123456789012:db:prod-db'],
    });
    const ec2 = classifyAwsCall(request('ec2', 'GET', '/?Action=TerminateInstances&InstanceId.1=i-1&InstanceId.2=i-2'), target);
    expect(ec2.ok ? ec2.part : ec2.error).toMatchObject({
      class: 'destructive',
      resources: ['arn:aws:ec2:eu-west-1:123456789012:instance/i-1', 'arn:aws:ec2:eu-west-1:123456789012:instance/i-2'],
    });
  });

  it.each([
    ['rds', 'POST', { form: 'Action=ModifyDBInstance&DBInstanceIdentifier=prod-db&BackupRetentionPeriod=0&ApplyImmediately=true' }, 'automated backups'],
    ['rds', 'POST', { form: 'Action=ModifyDBCluster&DBClusterIdentifier=prod&DeletionProtection=false' }, 'deletion protection'],
    ['ec2', 'POST', { form: 'Action=ModifyInstanceAttribute&InstanceId=i-1&DisableApiTermination.Value=false' }, 'termination protection'],
    [
      'dynamodb',
      'POST',
      { target: 'DynamoDB_20120810.UpdateTable', json: { TableName: 'orders', DeletionProtectionEnabled: false } },
      'DeletionProtectionEnabled',
    ],
    [
      'dynamodb',
      'POST',
      {
        target: 'DynamoDB_20120810.UpdateContinuousBackups',
        json: { TableName: 'orders', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } },
      },
      'PointInTimeRecoveryEnabled',
    ],
  ] as const)('reads a %s change that turns a safeguard off as destructive', (name, method, options, why) => {
    const result = classifyAwsCall(request(name, method, '/', options), target);
    expect(result.ok ? result.part : result.error).toMatchObject({ class: 'destructive', why: expect.stringContaining(why) });
  });

  it('leaves the same changes writes when they keep the safeguard', () => {
    const result = classifyAwsCall(
      request('rds', 'POST', '/', { form: 'Action=ModifyDBInstance&DBInstanceIdentifier=prod-db&BackupRetentionPeriod=7' }),
      target,
    );
    expect(result.ok && result.part.class).toBe('write');
  });

  it('reads a DynamoDB BatchWriteItem that carries a DeleteRequest as destructive', () => {
    const json = { RequestItems: { orders: [{ DeleteRequest: { Key: { id: { S: '1' } } } }] } };
    const result = classifyAwsCall(request('dynamodb', 'POST', '/', { target: 'DynamoDB_20120810.BatchWriteItem', json }), target);
    expect(result.ok && result.part.class).toBe('destructive');
    const puts = classifyAwsCall(
      request('dynamodb', 'POST', '/', { target: 'DynamoDB_20120810.BatchWriteItem', json: { RequestItems: { orders: [{ PutRequest: { Item: {} } }] } } }),
      target,
    );
    expect(puts.ok && puts.part.class).toBe('write');
  });

  it('counts the keys of an S3 DeleteObjects', () => {
    const body = '<Delete><Object><Key>a.txt</Key></Object><Object><Key>b&amp;c.txt</Key></Object></Delete>';
    const result = classifyAwsCall(request('s3', 'POST', '/orders?delete', { body }), target);
    expect(result.ok ? result.part : result.error).toMatchObject({
      action: 'aws:s3:DeleteObjects',
      class: 'destructive',
      resources: ['arn:aws:s3:::orders', 'arn:aws:s3:::orders/a.txt', 'arn:aws:s3:::orders/b&c.txt'],
    });
    expect(result.ok && result.part.why).toContain('2 objects');
  });

  it.each([
    [
      'an operation the service does not have',
      request('dynamodb', 'POST', '/', { target: 'DynamoDB_20120810.DropEverything', json: {} }),
      'no operation DropEverything',
    ],
    ['a target of another service', request('dynamodb', 'POST', '/', { target: 'TrentService.Decrypt', json: {} }), 'must name a dynamodb operation'],
    ['a JSON call by GET', request('kms', 'GET', '/', { target: 'TrentService.Decrypt' }), 'takes POST'],
    ['no Action', request('ec2', 'POST', '/', { form: 'InstanceId.1=i-1' }), 'names no ec2 operation'],
    [
      'two different Actions',
      request('ec2', 'POST', '/?Action=DescribeInstances', { form: 'Action=TerminateInstances&InstanceId.1=i-1' }),
      'more than one operation',
    ],
    ['an unknown Action', request('iam', 'POST', '/', { form: 'Action=MakeMeAdmin' }), 'no operation MakeMeAdmin'],
    ['a form in JSON clothing', request('rds', 'POST', '/', { json: { Action: 'DeleteDBInstance' } }), 'reads a form'],
    ['a path no S3 operation has', request('s3', 'PATCH', '/orders'), 'no s3 operation is PATCH'],
    ['an x-id that is not the operation', request('s3', 'DELETE', '/orders/a.txt?x-id=GetObject'), 'does not name'],
    ['a duplicate JSON key', request('dynamodb', 'POST', '/', { target: 'DynamoDB_20120810.DeleteTable', body: '{"TableName":"a","TableName":"b"}' }), 'JSON'],
    ['a malformed percent-encoding', request('s3', 'GET', '/orders/%zz'), 'percent-encoding'],
  ])('refuses %s', (_what, asked, error) => {
    const result = classifyAwsCall(asked, target);
    expect(result.ok ? result.part : result.error).toContain(error);
  });
});
