import { classifyRest } from '../../rest/index.js';
import type { ClassifyResult } from '../../result.js';
import { hostMatches, isLocalHost, safeUrl, upstreamForUrl } from '../context.js';
import { classifyGraphQLAt, classifyHttpForUpstream, looksLikeGraphQL, type HttpRequestShape } from '../embedded.js';
import type { Word } from '../words.js';
import { unknownWhy, type Call, type Handler } from './call.js';

/**
 * HTTP clients. A request to a guarded upstream is classified by the same GraphQL or REST
 * classifier the HTTP door uses, so the incident's `curl … volumeDelete …` is the same
 * destructive `graphql:volumeDelete` whether it arrives at the door or is about to leave from
 * the agent's shell. Requests elsewhere are judged by their shape: GraphQL bodies by the
 * GraphQL classifier, everything else by the method.
 */

interface HttpRequest {
  readonly method: string;
  readonly urls: readonly Word[];
  readonly headers: readonly (string | undefined)[];
  /** undefined: no body; null: a body only known when the command runs. */
  readonly body: string | undefined | null;
  readonly bodySource?: string;
  readonly defaultContentType?: string;
  readonly outputs: readonly string[];
}

const CURL_VALUE_OPTIONS = new Set(
  (
    '-d --data --data-raw --data-binary --data-ascii --data-urlencode --json -F --form --form-string -H --header -X --request -u --user ' +
    '-o --output -T --upload-file -A --user-agent -e --referer -b --cookie -c --cookie-jar -K --config -x --proxy -U --proxy-user --url ' +
    '-m --max-time --connect-timeout --retry --retry-delay --retry-max-time -w --write-out -r --range -E --cert --key --cacert --capath ' +
    '--resolve --connect-to --oauth2-bearer --aws-sigv4 -D --dump-header --interface --limit-rate -y --speed-time -Y --speed-limit ' +
    '--max-filesize --max-redirs -C --continue-at -P --ftp-port --pass --proxy-header --noproxy --unix-socket --abstract-unix-socket ' +
    '--variable --trace --trace-ascii --stderr --netrc-file --hostpubmd5 --pubkey --tls-max --ciphers -Q --quote --mail-from --mail-rcpt ' +
    '--preproxy --doh-url --dns-servers --local-port --cert-type --key-type --crlfile --url-query --proto --proto-redir --request-target ' +
    '--output-dir --retry-all-errors-delay --happy-eyeballs-timeout-ms --keepalive-time --expect100-timeout'
  ).split(/\s+/),
);

function curlRequest(call: Call): HttpRequest | { unknown: string } {
  const args = call.args;
  const urls: Word[] = [];
  const headers: (string | undefined)[] = [];
  const data: (string | null)[] = [];
  const outputs: string[] = [];
  let method: string | undefined;
  let head = false;
  let get = false;
  let upload = false;
  let json = false;
  let form = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const text = word.value;
    if (text === undefined || !text.startsWith('-') || text === '-') {
      urls.push(word);
      continue;
    }
    let name = text;
    let value: Word | undefined;
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      if (eq > 0 && CURL_VALUE_OPTIONS.has(text.slice(0, eq))) {
        name = text.slice(0, eq);
        value = { ...word, value: text.slice(eq + 1), raw: text.slice(eq + 1), prefix: text.slice(eq + 1) };
      } else if (CURL_VALUE_OPTIONS.has(text)) value = args[++i];
    } else {
      // Short options bundle (`-sSL`); the first one taking a value takes the rest or the next word.
      for (let j = 1; j < text.length; j++) {
        const flag = `-${text[j]}`;
        if (CURL_VALUE_OPTIONS.has(flag)) {
          name = flag;
          value = j + 1 < text.length ? { ...word, value: text.slice(j + 1), raw: text.slice(j + 1), prefix: text.slice(j + 1) } : args[++i];
          break;
        }
        if (flag === '-I') head = true;
        if (flag === '-G') get = true;
        name = flag;
      }
      if (!CURL_VALUE_OPTIONS.has(name)) continue;
    }
    const v = value?.value;
    switch (name) {
      case '--head':
        head = true;
        break;
      case '--get':
        get = true;
        break;
      case '-X':
      case '--request':
        method = v;
        if (v === undefined) return { unknown: 'the method is only known when it runs' };
        break;
      case '-H':
      case '--header':
      case '--proxy-header':
        headers.push(v);
        break;
      case '-d':
      case '--data':
      case '--data-ascii':
      case '--data-binary':
      case '--data-raw':
      case '--data-urlencode':
      case '--json':
        if (name === '--json') json = true;
        if (v === undefined) data.push(null);
        else if (v.startsWith('@') && name !== '--data-raw') data.push(v === '@-' ? stdinBody(call) : null);
        else data.push(v);
        break;
      case '-F':
      case '--form':
      case '--form-string':
        form = true;
        data.push(v ?? null);
        break;
      case '-T':
      case '--upload-file':
        upload = true;
        break;
      case '--url':
        if (value) urls.push(value);
        break;
      case '-u':
      case '--user':
      case '-U':
      case '--proxy-user':
        if (v !== undefined) call.out.userPasswords.push(v);
        break;
      case '--oauth2-bearer':
        if (v !== undefined) call.out.tokens.push(v);
        break;
      case '-o':
      case '--output':
        if (v !== undefined && v !== '-' && v !== '/dev/null') outputs.push(v);
        break;
      case '-K':
      case '--config':
        return { unknown: 'curl reads more options from a file' };
    }
  }
  for (const header of headers) if (header !== undefined) recordAuthorization(call, header);
  const body = data.length === 0 ? undefined : data.some((d) => d === null) ? null : data.join('&');
  const resolvedMethod = method ?? (head ? 'HEAD' : get ? 'GET' : upload ? 'PUT' : data.length > 0 ? 'POST' : 'GET');
  if (get && typeof body === 'string') {
    return { method: resolvedMethod, urls: urls.map((u) => withQuery(u, body)), headers, body: undefined, outputs };
  }
  return {
    method: resolvedMethod,
    urls,
    headers,
    body,
    outputs,
    ...(json
      ? { defaultContentType: 'application/json' }
      : form
        ? { defaultContentType: 'multipart/form-data' }
        : data.length > 0
          ? { defaultContentType: 'application/x-www-form-urlencoded' }
          : {}),
  };
}

function stdinBody(call: Call): string | null {
  const stdin = call.invocation.stdin;
  return stdin.kind === 'static' ? stdin.text : null;
}

function withQuery(url: Word, query: string): Word {
  if (url.value === undefined) return url;
  const joined = `${url.value}${url.value.includes('?') ? '&' : '?'}${query}`;
  return { ...url, value: joined, raw: joined, prefix: joined };
}

function recordAuthorization(call: Call, header: string): void {
  const match = /^\s*(proxy-)?authorization\s*:(.*)$/is.exec(header);
  if (match) call.out.authorizations.push(match[2]!.trimStart());
  const apiKey = /^\s*(x-api-key|api-key|x-auth-token|private-token|x-access-token)\s*:(.+)$/is.exec(header)?.[2]?.trim();
  if (apiKey) call.out.tokens.push(apiKey);
}

const WGET_VALUE_OPTIONS = new Set([
  '-O',
  '--output-document',
  '-o',
  '--output-file',
  '-e',
  '--execute',
  '-i',
  '--input-file',
  '-P',
  '--directory-prefix',
  '-U',
  '--user-agent',
  '-t',
  '--tries',
  '-T',
  '--timeout',
  '--header',
  '--method',
  '--body-data',
  '--body-file',
  '--post-data',
  '--post-file',
  '--user',
  '--password',
  '--http-user',
  '--http-password',
  '--proxy-user',
  '--proxy-password',
]);

function wgetRequest(call: Call): HttpRequest | { unknown: string } {
  const urls: Word[] = [];
  const headers: (string | undefined)[] = [];
  const outputs: string[] = [];
  let method: string | undefined;
  let body: string | undefined | null;
  let user: string | undefined;
  let password: string | undefined;
  const args = call.args;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const text = word.value;
    if (text === undefined || !text.startsWith('-')) {
      urls.push(word);
      continue;
    }
    const eq = text.indexOf('=');
    const name =
      text.startsWith('--') && eq > 0
        ? text.slice(0, eq)
        : text.length > 2 && !text.startsWith('--') && WGET_VALUE_OPTIONS.has(text.slice(0, 2))
          ? text.slice(0, 2)
          : text;
    if (!WGET_VALUE_OPTIONS.has(name)) continue;
    const v = text.startsWith('--') && eq > 0 ? text.slice(eq + 1) : name !== text ? text.slice(2) : args[++i]?.value;
    switch (name) {
      case '--method':
        if (v === undefined) return { unknown: 'the method is only known when it runs' };
        method = v;
        break;
      case '--header':
        headers.push(v);
        break;
      case '--post-data':
      case '--body-data':
        body = v ?? null;
        method ??= name === '--post-data' ? 'POST' : undefined;
        break;
      case '--post-file':
      case '--body-file':
        body = null;
        method ??= name === '--post-file' ? 'POST' : undefined;
        break;
      case '--user':
      case '--http-user':
        user = v;
        break;
      case '--password':
      case '--http-password':
      case '--proxy-password':
        password = v;
        break;
      case '-O':
      case '--output-document':
        if (v !== undefined && v !== '-' && v !== '/dev/null') outputs.push(v);
        break;
      case '-i':
      case '--input-file':
      case '-e':
      case '--execute':
        return { unknown: 'wget reads URLs or commands from elsewhere' };
    }
  }
  if (password !== undefined) call.out.userPasswords.push(`${user ?? ''}:${password}`);
  for (const header of headers) if (header !== undefined) recordAuthorization(call, header);
  return { method: method ?? 'GET', urls, headers, body, outputs };
}

const HTTPIE_VALUE_OPTIONS = new Set([
  '-a',
  '--auth',
  '-A',
  '--auth-type',
  '-o',
  '--output',
  '--session',
  '--session-read-only',
  '--verify',
  '--cert',
  '--cert-key',
  '--proxy',
  '--timeout',
  '--raw',
  '--pretty',
  '-s',
  '--style',
  '-p',
  '--print',
  '--max-redirects',
  '--boundary',
  '--format-options',
  '--unsorted',
]);

/** `http [flags] [METHOD] URL [items…]` (HTTPie), and xh which reads the same way. */
function httpieRequest(call: Call): HttpRequest | { unknown: string } {
  const args = call.args;
  const positionals: Word[] = [];
  let raw: string | undefined | null;
  let auth: string | undefined;
  let authType: string | undefined;
  let form = false;
  const outputs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const text = word.value;
    if (text === undefined || !text.startsWith('-') || positionals.length > 0) {
      positionals.push(word);
      continue;
    }
    const eq = text.indexOf('=');
    const name = text.startsWith('--') && eq > 0 ? text.slice(0, eq) : text;
    if (name === '-f' || name === '--form' || name === '--multipart') form = true;
    if (!HTTPIE_VALUE_OPTIONS.has(name)) continue;
    const v = text.startsWith('--') && eq > 0 ? text.slice(eq + 1) : args[++i]?.value;
    if (name === '-a' || name === '--auth') auth = v;
    if (name === '-A' || name === '--auth-type') authType = v;
    if (name === '--raw') raw = v ?? null;
    if ((name === '-o' || name === '--output') && v !== undefined) outputs.push(v);
  }
  if (auth !== undefined) {
    if (authType?.toLowerCase() === 'bearer') call.out.tokens.push(auth);
    else call.out.userPasswords.push(auth);
  }
  let method: string | undefined;
  if (positionals[0]?.value !== undefined && /^[A-Z]+$/.test(positionals[0].value)) method = positionals.shift()!.value;
  const url = positionals.shift();
  if (!url) return { method: method ?? 'GET', urls: [], headers: [], body: undefined, outputs };
  const scheme = call.tool === 'https' || call.tool === 'xhs' ? 'https' : 'http';
  const target = url.value === undefined ? url : normaliseHttpieUrl(url, scheme);
  const headers: string[] = [];
  const fields: Record<string, unknown> = {};
  const query = new URLSearchParams();
  let dynamicBody = false;
  for (const item of positionals) {
    const text = item.value;
    if (text === undefined) {
      dynamicBody = true;
      continue;
    }
    const m = /^([^:=@]*?)(==|:=@|:=|=@|@|=|:)(.*)$/s.exec(text);
    if (!m) continue;
    const [, key, sep, value] = m as unknown as [string, string, string, string];
    if (sep === ':') headers.push(`${key}: ${value}`);
    else if (sep === '==') query.append(key, value);
    else if (sep === '=') fields[key] = value;
    else if (sep === ':=') {
      try {
        fields[key] = JSON.parse(value) as unknown;
      } catch {
        return { unknown: `the JSON value of ${key} does not parse` };
      }
    } else dynamicBody = true; // @file, =@file, :=@file
  }
  for (const header of headers) recordAuthorization(call, header);
  const hasFields = Object.keys(fields).length > 0;
  const body =
    raw !== undefined
      ? raw
      : dynamicBody
        ? null
        : hasFields
          ? form
            ? new URLSearchParams(fields as Record<string, string>).toString()
            : JSON.stringify(fields)
          : undefined;
  const urlWithQuery =
    query.size > 0 && target.value !== undefined ? { ...target, value: `${target.value}${target.value.includes('?') ? '&' : '?'}${query}` } : target;
  return {
    method: method ?? (body !== undefined ? 'POST' : 'GET'),
    urls: [urlWithQuery],
    headers,
    body,
    outputs,
    ...(body !== undefined ? { defaultContentType: form ? 'application/x-www-form-urlencoded' : 'application/json' } : {}),
  };
}

function normaliseHttpieUrl(url: Word, scheme: string): Word {
  let text = url.value!;
  if (text.startsWith(':')) text = `http://localhost${text}`;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `${scheme}://${text}`;
  return { ...url, value: text, raw: text, prefix: text };
}

function httpClient(read: (call: Call) => HttpRequest | { unknown: string }): Handler {
  return (call) => {
    const request = read(call);
    if ('unknown' in request) {
      call.unknown(`shell:${call.tool}`, unknownWhy(request.unknown));
      return;
    }
    judgeRequest(call, request);
  };
}

/** Classifies each URL of a request: by its upstream, by Airlock itself, or by its shape. */
export function judgeRequest(call: Call, request: HttpRequest): void {
  const explicit = headerValue(request.headers, 'content-type');
  // curl labels `-d` bodies as a form, but servers often read a JSON body whatever the label;
  // judge such a body as the JSON it is.
  const contentType = explicit ?? (typeof request.body === 'string' && isJson(request.body) ? 'application/json' : request.defaultContentType);
  for (const output of request.outputs) call.part({ action: 'shell:write-file', class: 'write', resources: [output], why: `${call.tool} saves the response` });
  const urls = request.urls.length > 0 ? request.urls : [];
  if (urls.length === 0) {
    call.part({ action: `shell:${call.tool}`, class: 'read', why: 'no URL' });
    return;
  }
  for (const word of urls) {
    const text = word.value ?? word.prefix;
    const url = safeUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    const knownHost = url !== undefined && (word.value !== undefined || /^[a-z][a-z0-9+.-]*:\/\/[^/]+\//i.test(text));
    if (!url || !knownHost) {
      judgeShape(call, request, contentType, undefined, `a URL only known when it runs (${word.raw})`);
      continue;
    }
    if (call.context.airlockHosts?.some((h) => hostMatches(url, h))) {
      call.part({
        action: `shell:${call.tool} airlock`,
        class: 'read',
        reach: 'local',
        resources: [url.pathname],
        why: "goes through Airlock's own door, which judges the request itself",
      });
      continue;
    }
    const upstream = upstreamForUrl(url, call.context.upstreams);
    if (upstream) {
      if (request.body === null) {
        call.part({
          action: `shell:${call.tool}`,
          class: 'destructive',
          reach: 'remote',
          upstream: upstream.name,
          why: unknownWhy(`sends upstream ${upstream.name} a body only known when it runs`),
        });
        continue;
      }
      const shape: HttpRequestShape = { method: request.method, url, contentType, body: request.body };
      addClassified(call, classifyHttpForUpstream(upstream, shape), upstream.name, `${call.tool} to upstream ${upstream.name}`);
      continue;
    }
    judgeShape(call, request, contentType, url, undefined);
  }
}

function judgeShape(call: Call, request: HttpRequest, contentType: string | undefined, url: URL | undefined, unknownTarget: string | undefined): void {
  const reach = url && isLocalHost(url.hostname) ? 'local' : 'remote';
  const where = url ? url.host : unknownTarget!;
  if (request.body === null && request.method !== 'GET' && request.method !== 'HEAD') {
    call.part({
      action: `shell:${call.tool} ${request.method}`,
      class: 'write',
      reach,
      resources: [where],
      why: `sends a body only known when it runs to ${where}`,
    });
    return;
  }
  const body = request.body ?? undefined;
  const target = url ?? new URL('http://unknown.invalid/');
  if (looksLikeGraphQL(body, target)) {
    const result = classifyGraphQLAt({ method: request.method, url: target, contentType, body }, {});
    if (result.ok) {
      addClassified(call, result, undefined, `${call.tool} to ${where}, not an upstream Airlock guards`);
      return;
    }
  }
  const result = restOrFailure(request.method, url ? url.pathname + url.search : '/');
  if (!result.ok) {
    call.unknown(`shell:${call.tool}`, unknownWhy(result.error));
    return;
  }
  for (const part of result.parts) {
    call.part({
      action: `shell:${call.tool} ${request.method}`,
      class: part.class,
      reach,
      resources: [where, ...part.resources],
      why: `${part.why ?? part.class} (${where} is not an upstream Airlock guards)`,
    });
  }
}

/** A classifier that throws has not judged the request: its effect is unknown. */
function restOrFailure(method: string, path: string): ClassifyResult {
  try {
    return classifyRest(method, path);
  } catch (error) {
    // The root path names nothing to read words from: the method alone says what it does.
    if (path === '/' || path.startsWith('/?')) {
      const cls = method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : method === 'DELETE' ? 'destructive' : 'write';
      return {
        ok: true,
        parts: [{ action: `rest:${method} /`, class: cls, resources: [], why: `${method} to the root of a host`, text: `${method} ${path}` }],
      };
    }
    return { ok: false, error: `the REST classifier failed (${(error as Error).message})` };
  }
}

function addClassified(call: Call, result: ClassifyResult, upstream: string | undefined, how: string): void {
  if (!result.ok) {
    call.part({
      action: `shell:${call.tool}`,
      class: 'destructive',
      reach: 'remote',
      ...(upstream ? { upstream } : {}),
      why: unknownWhy(`${how}: ${result.error}`),
    });
    return;
  }
  for (const part of result.parts) {
    call.part({
      action: part.action,
      class: part.class,
      reach: 'remote',
      resources: part.resources,
      why: part.why ? `${part.why} (${how})` : how,
      ...(upstream ? { upstream } : {}),
      text: call.invocation.text,
    });
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function headerValue(headers: readonly (string | undefined)[], name: string): string | undefined {
  for (const header of headers) {
    if (!header) continue;
    const colon = header.indexOf(':');
    if (colon > 0 && header.slice(0, colon).trim().toLowerCase() === name) return header.slice(colon + 1).trim();
  }
  return undefined;
}

/** `gh api [flags] endpoint`: GitHub's REST or GraphQL API with gh's own login. */
export const ghApi: Handler = (call) => {
  const args = call.args.slice(1);
  let method: string | undefined;
  let endpoint: Word | undefined;
  const fields: Record<string, string> = {};
  let dynamic = false;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === undefined) {
      dynamic = true;
      continue;
    }
    if (v === '-X' || v === '--method') method = args[++i]?.value;
    else if (v === '-f' || v === '-F' || v === '--field' || v === '--raw-field') {
      const field = args[++i]?.value;
      if (field === undefined) dynamic = true;
      else if (field.includes('=')) fields[field.slice(0, field.indexOf('='))] = field.slice(field.indexOf('=') + 1);
    } else if (
      v === '-H' ||
      v === '--header' ||
      v === '--hostname' ||
      v === '-q' ||
      v === '--jq' ||
      v === '-t' ||
      v === '--template' ||
      v === '--input' ||
      v === '--cache'
    ) {
      if (v === '--input') dynamic = true;
      i++;
    } else if (!v.startsWith('-') && !endpoint) endpoint = args[i];
  }
  if (!endpoint?.value) {
    call.unknown('shell:gh api', unknownWhy('the endpoint is only known when it runs'));
    return;
  }
  const hasFields = Object.keys(fields).length > 0;
  const resolvedMethod = (method ?? (hasFields ? 'POST' : 'GET')).toUpperCase();
  const path = endpoint.value.startsWith('/') ? endpoint.value : `/${endpoint.value}`;
  const url = new URL(`https://api.github.com${path === '/graphql' ? '/graphql' : path}`);
  const { query, ...variables } = fields;
  const body = dynamic ? null : path === '/graphql' ? JSON.stringify({ query, variables }) : hasFields ? JSON.stringify(fields) : undefined;
  judgeRequest(call, {
    method: resolvedMethod,
    urls: [{ raw: url.href, value: url.href, prefix: url.href, glob: false, tilde: false }],
    headers: [],
    body,
    defaultContentType: 'application/json',
    outputs: [],
  });
};

export const HTTP_HANDLERS: Record<string, Handler> = {
  curl: httpClient(curlRequest),
  wget: httpClient(wgetRequest),
  http: httpClient(httpieRequest),
  https: httpClient(httpieRequest),
  xh: httpClient(httpieRequest),
  xhs: httpClient(httpieRequest),
};
