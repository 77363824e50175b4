/**
 * The one way untrusted JSON is read: a valibot schema (no eval, so the page's CSP allows it; the
 * TypeScript type is inferred from the schema) and one reading of its first issue as a sentence that
 * names the field.
 *
 * A schema's messages are written in one of two forms:
 *   - what the value must be ("an integer >= 1"), read as `<path> must be <message>, got <value>`;
 *   - a whole sentence after a '=' ("=shard path {got} is not a plain file name"), where {path} is the
 *     field, {parent} the object or array that holds it, {got} the value as JSON and {name} the `name`
 *     of the object that holds it.
 * `record` / `fields` mark an object whose keys must all be present: a missing key is reported with the
 * message of the key's own schema (valibot alone would use the object's).
 */
import * as v from 'valibot';

/** Any synchronous schema from untrusted input to T. */
export type Schema<T = unknown> = v.GenericSchema<unknown, T>;

type PathItem = v.IssuePathItem;

/** A value quoted for a message: JSON, cut at 80 characters. */
export function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `config.backbone.channels`, `weightsManifest[0].paths[1]`, `integrity['a-b.bin'].sha256`. */
export function pathText(root: string, items: readonly PathItem[]): string {
  let out = root;
  for (const item of items) {
    const key: unknown = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)?.replace(/^"(.*)"$/, "'$1'") ?? String(key)}]`;
  }
  return out;
}

/** What went wrong, as a sentence, and the `name` of the object that holds the field (when it has one). */
export interface SchemaFailure {
  readonly message: string;
  /** The field, as in the message (`config.imageSize`). */
  readonly path: string;
  readonly name?: string;
}

export interface DescribeOptions {
  /** The path's first word (`config`); '' when the value is the whole file. */
  readonly root: string;
  /**
   * Report an array's element as the whole array: `channels must be an array of 3 positive integers,
   * got [16,-1,96]` rather than `channels[1] ...`.
   */
  readonly wholeArrays?: boolean;
}

/** The sentence for a schema's first issue. */
export function describeIssue(issue: v.BaseIssue<unknown>, options: DescribeOptions): SchemaFailure {
  let items: readonly PathItem[] = issue.path ?? [];
  let got: unknown = issue.input;
  if (options.wholeArrays) {
    const at = items.findIndex((item) => item.type === 'array');
    if (at >= 0) {
      got = items[at]?.input;
      items = items.slice(0, at);
    }
  }
  const holder: unknown = items.at(-1)?.input;
  const name = typeof holder === 'object' && holder !== null && 'name' in holder && typeof holder.name === 'string' ? holder.name : undefined;
  const path = pathText(options.root, items);
  const text = issue.message;
  const message = text.startsWith('=')
    ? text
        .slice(1)
        .replace('{path}', path)
        .replace('{parent}', pathText(options.root, items.slice(0, -1)))
        .replace('{got}', show(got))
        .replace('{name}', name ?? '?')
    : `${path === '' ? 'the file' : path} must be ${text}, got ${show(got)}`;
  return { message, path, ...(name !== undefined ? { name } : {}) };
}

/** Parses `value` with `schema`; the output, or the first issue as a sentence. */
export function parseWith<T>(schema: Schema<T>, value: unknown, options: DescribeOptions): { ok: true; value: T } | { ok: false; failure: SchemaFailure } {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  return { ok: false, failure: describeIssue(issue, options) };
}

/**
 * An object schema whose every key is required: a missing key gets its own schema's message (and
 * `got undefined`). `message` is for a value that is not an object at all.
 */
export function record<const E extends v.ObjectEntries>(entries: E, message = 'an object'): v.ObjectSchema<E, v.ErrorMessage<v.ObjectIssue>> {
  return v.object(entries, (issue) => {
    const item = issue.path?.at(-1);
    if (item?.origin !== 'key') return message;
    const own = entries[item.key as keyof E];
    const missing = own === undefined ? undefined : v.safeParse(own, undefined, { abortEarly: true });
    return missing?.success === false ? missing.issues[0].message : message;
  });
}

/** Anything but an array (valibot's object and record schemas take one); put it first in a pipe. */
export const notArray = <T = Record<string, unknown>>(message = 'an object') => v.custom<T>((x) => !Array.isArray(x), message);

/** `record` that also refuses an array. */
export function fields<const E extends v.ObjectEntries>(entries: E, message = 'an object') {
  return v.pipe(notArray(message), record(entries, message));
}

// ---------------------------------------------------------------------------------------------
// Leaves with the wording the messages use.

/** A finite number, optionally checked further (`what` says how). */
export function finite(what = 'a finite number', check?: (n: number) => boolean): v.GenericSchema<unknown, number> {
  const base = v.pipe(v.number(what), v.finite(what));
  return check === undefined ? base : v.pipe(base, v.check(check, what));
}

/** An integer >= min. */
export function integer(min: number, what = `an integer >= ${min}`): v.GenericSchema<unknown, number> {
  return v.pipe(v.number(what), v.finite(what), v.integer(what), v.minValue(min, what));
}

/** A number in the open interval (lo, hi). */
export const inOpen = (lo: number, hi: number): v.GenericSchema<unknown, number> => finite(`a number in (${lo}, ${hi})`, (n) => n > lo && n < hi);

export const string = (what = 'a string'): v.GenericSchema<unknown, string> => v.string(what);

/** An array of strings (one message for the array and its elements). */
export const strings = (what = 'an array of strings'): v.GenericSchema<unknown, string[]> => v.array(v.string(what), what);

/** One of `values`, named in the message as 'a' or 'b'. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V, what = values.map((x) => `'${x}'`).join(' or ')): v.PicklistSchema<V, string> {
  return v.picklist(values, what);
}
