/**
 * App-wide commands that keyboard shortcuts trigger and views implement (e.g. the Floor's fit).
 * A handler returns false when it had nothing to do (e.g. `up` at the plant overview).
 */
type Handler = () => boolean | void;
type Name = 'fit' | 'up';
const handlers = new Map<string, Handler>();

export const commands = {
  /** Registers the implementation of a command; returns the unregister. */
  provide(name: Name, h: Handler): () => void {
    handlers.set(name, h);
    return () => {
      if (handlers.get(name) === h) handlers.delete(name);
    };
  },
  /** Runs a command; true when a handler ran and did something. */
  run(name: Name): boolean {
    const h = handlers.get(name);
    if (!h) return false;
    return h() !== false;
  },
};
