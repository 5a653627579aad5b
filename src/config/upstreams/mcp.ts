import { z } from 'zod';
import { classSchema } from '../common.js';
import { secretRefSchema } from '../secret.js';
import { upstreamBase } from './base.js';

const valueOrSecret = z.union([z.string(), secretRefSchema]);

export const mcpUpstreamSchema = z.strictObject({
  ...upstreamBase,
  kind: z.literal('mcp'),
  transport: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('stdio'),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      /** Environment for the server process; secrets are injected here, never shown to the agent. */
      env: z.record(z.string(), valueOrSecret).default({}),
      cwd: z.string().optional(),
    }),
    z.strictObject({
      type: z.literal('http'),
      url: z.url({ protocol: /^https?$/ }),
      headers: z.record(z.string(), valueOrSecret).default({}),
    }),
  ]),
  /** Tool name → class, overriding the server's annotations and Airlock's argument rules. */
  tools: z.record(z.string(), classSchema).default({}),
});
export type McpUpstreamConfig = z.infer<typeof mcpUpstreamSchema>;
