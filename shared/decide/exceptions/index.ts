/**
 * Exceptions: business conditions detected from twin state (./detection.ts), run through the
 * ISA-18.2 alarm lifecycle (./lifecycle.ts), owned by the registry (./registry.ts).
 */
export * from './detection';
export * from './lifecycle';
export * from './registry';
export { exceptionRecordSchema } from './record';
