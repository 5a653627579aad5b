import { z } from 'zod';

/**
 * A host the egress door tunnels untouched: `registry.npmjs.org`, `*.pythonhosted.org` (any
 * subdomain, not the domain itself), with `:port` for a port other than 443 (and 80 for plain
 * HTTP).
 */
const allowedHostSchema = z
  .string()
  .regex(
    /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/,
    'a lower-case host name such as registry.npmjs.org or *.pythonhosted.org, optionally with :port',
  );

export const egressSchema = z.strictObject({
  allow: z.array(allowedHostSchema).default([]),
});
export type EgressConfig = z.infer<typeof egressSchema>;
