/** App-wide commands that keyboard shortcuts trigger and views implement (e.g. the Floor's fit). */
type Handler = () => void;
const handlers = new Map<string, Handler>();

export const commands = {
  /** Registers the implementation of a command; returns the unregister. */
  provide(name: 'fit', h: Handler): () => void {
    handlers.set(name, h);
    return () => {
      if (handlers.get(name) === h) handlers.delete(name);
    };
  },
  run(name: 'fit'): boolean {
    const h = handlers.get(name);
    h?.();
    return !!h;
  },
};
