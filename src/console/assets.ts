import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's stylesheet, script and icon, served by Airlock itself (no CDN), read once at
 * start. They are plain files in src/console/assets/ so that they are easy to edit; the build
 * copies them beside the compiled code (dist/console/assets/), where they are read from.
 */
const folder = join(dirname(fileURLToPath(import.meta.url)), 'assets');

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** Content hash: URLs carry it, so an asset can be cached for ever and still change. */
  readonly version: string;
}

const assets = new Map<string, Asset>();
if (existsSync(folder)) {
  for (const name of readdirSync(folder)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(folder, name));
    assets.set(name, { body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });
  }
}

export function asset(name: string): Asset | undefined {
  return assets.get(name);
}

export function assetUrl(name: string): string {
  return `/console/assets/${name}?v=${assets.get(name)?.version ?? '0'}`;
}
