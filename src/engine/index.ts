/** src/engine: backend choice, the inference worker and its page-side client, the trajectory runner. */
export { createEngine, type EngineClient } from './client.ts';
export { EngineError, isEngineErrorInfo, toEngineError } from './errors.ts';
export type { EngineEvent } from './api.ts';
export * from './protocol.ts';
