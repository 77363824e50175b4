/**
 * A number typed into a field, read by the same rules as a link's (url.ts: a finite number, clamped to the
 * field's range, rounded when the field takes whole numbers): the value to use and, when it is not the text
 * typed, one sentence that says what was used instead. A text that is not a number keeps the old value.
 */
export interface TypedNumber {
  /** The value to commit, or null to keep the current one. */
  readonly value: number | null;
  /** Why the value differs from the text (shown beside the field and as a notice), or null. */
  readonly message: string | null;
}

export function typedNumber(label: string, text: string, range: { min: number; max: number; integer?: boolean }, current: number): TypedNumber {
  const trimmed = text.trim();
  const n = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(n)) return { value: null, message: `${label} ${JSON.stringify(trimmed.slice(0, 24))} is not a number; keeping ${current}.` };
  const rounded = range.integer ? Math.round(n) : n;
  const value = Math.min(range.max, Math.max(range.min, rounded));
  if (value === n) return { value, message: null };
  const why = value !== rounded ? `out of range (${range.min}..${range.max})` : 'not a whole number';
  return { value, message: `${label} ${trimmed} is ${why}; using ${value}.` };
}
