/**
 * The protocol's methods and streams: runtime schemas for what a client may send, and the
 * types of what the core answers. Feature areas add their entries here.
 */
import { z } from 'zod';
import type { Plant } from '../plant/schema';
import type { TwinDelta, TwinView } from '../twin/view';

const empty = z.object({}).strict().optional();
const instant = z.number().int().min(946684800000).max(4102444800000);

export const methodParams = {
  'core.info': empty,
  'plant.get': empty,
  'twin.view': z.object({ at: instant.optional() }).strict().optional(),
  'deadLetters.list': z.object({ limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) }).strict().optional(),
  'signals.ingest': z.object({ signals: z.array(z.unknown()).min(1).max(10000) }).strict(),
  'clock.setSpeed': z.object({ speed: z.number().min(1).max(600) }).strict(),
  /** Test and diagnostics aid: echoes after `ms`, reporting progress; cancellable. */
  'debug.echo': z.object({ value: z.unknown(), ms: z.number().int().min(0).max(60000).default(0) }).strict(),
} as const;

export const streamParams = {
  'twin.deltas': empty,
  'deadLetters.new': empty,
  'core.status': empty,
} as const;

export type MethodName = keyof typeof methodParams;
export type StreamName = keyof typeof streamParams;
export type ParamsOf<M extends MethodName> = z.input<(typeof methodParams)[M]>;
export type StreamParamsOf<S extends StreamName> = z.input<(typeof streamParams)[S]>;

export interface CoreInfo {
  core: string;
  version: string;
  protocol: number;
  plant: { id: string; name: string; file: string };
  clock: { now: number; speed: number; mode: 'live' | 'accelerated' | 'simulated' };
  journal: { position: number };
  source: string;
}

export interface DeadLetter {
  /** Sequence in the dead-letter list. */
  n: number;
  at: number;
  source: string;
  /** Connector-level origin, e.g. MQTT topic or HTTP path. */
  origin?: string;
  reason: string;
  path?: string;
  raw: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string; path?: string }[];
}

export interface CoreStatus {
  time: number;
  speed: number;
  position: number;
  signalsPerSecond: number;
  deadLetters: number;
  clients: number;
}

export interface MethodResults {
  'core.info': CoreInfo;
  'plant.get': Plant;
  'twin.view': TwinView;
  'deadLetters.list': { total: number; items: DeadLetter[] };
  'signals.ingest': IngestResult;
  'clock.setSpeed': { speed: number };
  'debug.echo': { value: unknown };
}

export interface StreamItems {
  /** First item is a full view (`{ view }`), then deltas. */
  'twin.deltas': { view: TwinView } | { delta: TwinDelta };
  'deadLetters.new': DeadLetter;
  'core.status': CoreStatus;
}
