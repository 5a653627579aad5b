/**
 * The three Reflect metadata functions @peculiar/x509's dependency injection (tsyringe) asks
 * for at load time, and nothing more: Airlock runs no decorator metadata of its own. Imported
 * before @peculiar/x509 everywhere it is used; the `reflect-metadata` package would do the same.
 */
type Target = object;
type MetadataReflect = typeof Reflect & {
  getMetadata?: (key: unknown, target: Target) => unknown;
  getOwnMetadata?: (key: unknown, target: Target) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target) => void;
};

const reflect = Reflect as MetadataReflect;
if (!reflect.getMetadata) {
  const store = new WeakMap<Target, Map<unknown, unknown>>();
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let at: Target | null = target; at; at = Object.getPrototypeOf(at) as Target | null) {
      const found = store.get(at);
      if (found?.has(key)) return found.get(key);
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    const own = store.get(target) ?? new Map<unknown, unknown>();
    store.set(target, own);
    own.set(key, value);
  };
}
