#!/usr/bin/env node
/**
 * Writes services.json beside this file from AWS's published service models, as the `aws-sdk`
 * (v2) npm package ships them in its `apis/` folder. Only what Airlock reads is kept: each
 * operation's HTTP method and request-URI template, and how the service is signed and reached.
 *
 * Usage: node src/classify/aws/models/generate.mjs <aws-sdk package folder>
 * (e.g. after `npm install --prefix <scratch folder> aws-sdk@2`, outside this project)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The services Airlock knows, by the model name the SDK uses (newest model of each wins). */
const SERVICES = ['s3', 'dynamodb', 'rds', 'ec2', 'iam', 'kms', 'sts', 'lambda', 'sqs', 'sns', 'secretsmanager', 'cloudformation'];

const root = process.argv[2];
if (!root) {
  console.error('usage: node generate.mjs <aws-sdk package folder>');
  process.exit(2);
}
const apis = join(root, 'apis');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const files = readdirSync(apis);

const services = {};
for (const name of SERVICES) {
  const file = files
    .filter((f) => f.startsWith(`${name}-`) && /^[a-z0-9]+-\d{4}-\d{2}-\d{2}\.min\.json$/.test(f))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no model for ${name} in ${apis}`);
  const model = JSON.parse(readFileSync(join(apis, file), 'utf8'));
  const { metadata } = model;
  const rest = metadata.protocol.startsWith('rest-');
  const shapeOf = (shape) => (shape?.shape ? model.shapes[shape.shape] : shape);
  const specs = {};
  for (const [operation, spec] of Object.entries(model.operations).sort(([a], [b]) => a.localeCompare(b))) {
    let text = `${spec.http?.method ?? 'POST'} ${spec.http?.requestUri ?? '/'}`;
    if (rest) text += requiredLocations(shapeOf(spec.input), text.includes('?'));
    specs[operation] = { text, deprecated: spec.deprecated === true };
  }
  // A deprecated operation read on the wire exactly as its successor is left out: one reading.
  const operations = {};
  for (const [operation, { text, deprecated }] of Object.entries(specs)) {
    if (deprecated && Object.values(specs).some((other) => other.text === text && !other.deprecated)) continue;
    operations[operation] = text;
  }
  services[name] = {
    model: file.replace(/\.min\.json$/, ''),
    signingName: metadata.signingName ?? metadata.endpointPrefix,
    endpointPrefix: metadata.endpointPrefix,
    protocols: metadata.protocols ?? [metadata.protocol],
    ...(metadata.targetPrefix ? { targetPrefix: metadata.targetPrefix } : {}),
    ...(metadata.jsonVersion ? { jsonVersion: metadata.jsonVersion } : {}),
    ...(metadata.awsQueryCompatible ? { queryCompatible: true } : {}),
    ...(metadata.globalEndpoint ? { globalEndpoint: metadata.globalEndpoint } : {}),
    apiVersion: metadata.apiVersion,
    operations,
  };
}
/**
 * What a REST operation's request must carry beyond its URI template, so that operations sharing
 * one template can be told apart: required query-string members (`&uploadId`) and required
 * headers (` !x-amz-copy-source`).
 */
function requiredLocations(input, hasQuery) {
  if (!input?.members) return '';
  const required = new Set(input.required ?? []);
  const query = [];
  const headers = [];
  for (const [member, shape] of Object.entries(input.members)) {
    if (!required.has(member)) continue;
    if (shape.location === 'querystring') query.push(shape.locationName ?? member);
    if (shape.location === 'header') headers.push((shape.locationName ?? member).toLowerCase());
  }
  let text = '';
  if (query.length) text += (hasQuery ? '&' : '?') + query.sort().join('&');
  for (const header of headers.sort()) text += ` !${header}`;
  return text;
}

const out = { source: `aws-sdk@${version} apis/*.min.json (Apache-2.0)`, services };
writeFileSync(new URL('./services.json', import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
console.log(`wrote ${Object.keys(services).length} services from aws-sdk@${version}`);
