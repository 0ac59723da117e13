/**
 * The few globals shared/ may use: ones every runtime Takt runs in has (browsers, Node, workers),
 * declared by hand because shared/ compiles with neither the DOM nor Node's types
 * (shared/tsconfig.json). Only what shared/ uses is declared; the renderer and main projects see
 * the full DOM or Node declarations of the same objects instead.
 */
declare function structuredClone<T>(value: T): T;
declare function queueMicrotask(callback: () => void): void;

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare const AbortSignal: { prototype: AbortSignal };

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare const AbortController: { prototype: AbortController; new (): AbortController };
