/** src/core: pure TypeScript diffusion math (no tfjs, no React). See DESIGN.md for the layers. */
export * from './schedule.ts';
export * from './drift.ts';
export * from './samplers.ts';
export * from './rng.ts';
export * from './metrics.ts';
export * from './stats.ts';
export * from './step-metrics.ts';
export * from './latent-edit.ts';
