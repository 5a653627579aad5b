import picomatch from 'picomatch';

export const PRODUCTION = 'production';

/** The parts of an upstream's config that place its resources in environments. */
export interface EnvironmentMap {
  /** For resources nothing more specific places; production unless configured. */
  readonly environment: string;
  /** Resource-id glob → environment, first match wins. */
  readonly environments: Readonly<Record<string, string>>;
}

const compiled = new WeakMap<object, [(id: string) => boolean, string][]>();

function rulesOf(map: EnvironmentMap): [(id: string) => boolean, string][] {
  let rules = compiled.get(map.environments);
  if (!rules) {
    rules = Object.entries(map.environments).map(([glob, env]) => [picomatch(glob, { dot: true }), env]);
    compiled.set(map.environments, rules);
  }
  return rules;
}

/**
 * The environment Airlock establishes for an operation, never the one an agent claims.
 * Each resource is placed by the first matching rule, then by `known` (e.g. a resolver's cached
 * answer), then the upstream's own environment. An operation whose resources fall in different
 * environments cannot be given one, and is treated as production; so is one with no upstream
 * configuration at all.
 */
export function resolveEnvironment(
  map: EnvironmentMap | undefined,
  resources: readonly string[],
  known: (resource: string) => string | undefined = () => undefined,
): string {
  if (!map) return PRODUCTION;
  if (resources.length === 0) return map.environment;
  const rules = rulesOf(map);
  const found = new Set<string>();
  for (const resource of resources) {
    const rule = rules.find(([matches]) => matches(resource));
    found.add(rule?.[1] ?? known(resource) ?? map.environment);
  }
  return found.size === 1 ? [...found][0]! : PRODUCTION;
}
