import { describe, expect, it } from 'vitest';
import { EngineError, isEngineErrorInfo, toEngineError, toEngineErrorInfo } from './errors.ts';

describe('engine errors', () => {
  it('keep their kind and step across a plain-data round trip', () => {
    const info = new EngineError('numerics', 'NaN in frame 3', { step: 3 }).toInfo();
    expect(info).toEqual({ kind: 'numerics', message: 'NaN in frame 3', step: 3 });
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
    const back = toEngineError(info);
    expect(back).toBeInstanceOf(EngineError);
    expect(back).toMatchObject({ kind: 'numerics', message: 'NaN in frame 3', step: 3 });
  });

  it('classify foreign errors', () => {
    const weights = Object.assign(new Error('model.json: HTTP 404'), { name: 'WeightsError', kind: 'http' });
    expect(toEngineErrorInfo(weights)).toEqual({ kind: 'weights', message: 'model.json: HTTP 404', detail: 'http' });
    expect(toEngineError(toEngineErrorInfo(weights)).detail).toBe('http');
    const aborted = Object.assign(new Error('loading weights was cancelled'), { name: 'WeightsError', kind: 'cancelled' });
    expect(toEngineErrorInfo(aborted).kind).toBe('cancelled');
    expect(toEngineErrorInfo(new RangeError('seed must be an integer'))).toEqual({ kind: 'input', message: 'seed must be an integer' });
    expect(toEngineErrorInfo(new TypeError('x is undefined'))).toEqual({ kind: 'internal', message: 'TypeError: x is undefined' });
    expect(toEngineErrorInfo('boom')).toEqual({ kind: 'internal', message: 'boom' });
    expect(isEngineErrorInfo({ kind: 'device-lost', message: 'gone' })).toBe(true);
    expect(isEngineErrorInfo({ kind: 'nope', message: 'x' })).toBe(false);
  });
});
