import { describe, expect, it } from 'vitest';
import { typedNumber } from './typed.ts';

describe('typedNumber', () => {
  const steps = { min: 1, max: 1000, integer: true };
  it('keeps a value in range without a message', () => {
    expect(typedNumber('Steps', '250', steps, 50)).toEqual({ value: 250, message: null });
  });
  it('clamps an out-of-range value and says so', () => {
    expect(typedNumber('Steps', '1001', steps, 50)).toEqual({ value: 1000, message: 'Steps 1001 is out of range (1..1000); using 1000.' });
    expect(typedNumber('Seed', '99999999999', { min: 0, max: 4294967295, integer: true }, 42).value).toBe(4294967295);
    expect(typedNumber('Steps', '-3', steps, 50).value).toBe(1);
  });
  it('rounds a fraction of a whole-number field and says so', () => {
    expect(typedNumber('Steps', '20.4', steps, 50)).toEqual({ value: 20, message: 'Steps 20.4 is not a whole number; using 20.' });
  });
  it('keeps the old value for a text that is not a number', () => {
    expect(typedNumber('Seed', 'abc', steps, 42)).toEqual({ value: null, message: 'Seed "abc" is not a number; keeping 42.' });
    expect(typedNumber('Seed', '', steps, 42).value).toBeNull();
  });
});
