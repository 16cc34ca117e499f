// A tiny runtime schema language: each message shape is declared once as a Schema, its TypeScript type is
// derived with Infer<>, and parse() rejects anything else (wrong types, extra keys, oversize strings) with a path.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface Schema<T> {
  /** Returns the value typed, or throws ProtocolError naming the offending path. */
  parse(value: unknown, path?: string): T;
  readonly describe: string;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, want: string, got: unknown): never {
  let shown: string;
  if (got === null) shown = 'null';
  else if (Array.isArray(got)) shown = `an array of ${got.length}`;
  else if (typeof got === 'string') shown = `'${got.length > 40 ? `${got.slice(0, 40)}…` : got}'`;
  else if (typeof got === 'object') shown = 'an object';
  else shown = String(got);
  throw new ProtocolError(`${path || 'message'}: expected ${want}, got ${shown}`);
}

export function str(opts: { max?: number; pattern?: RegExp } = {}): Schema<string> {
  const max = opts.max ?? 4096;
  return {
    describe: 'string',
    parse(v, path = '') {
      if (typeof v !== 'string') fail(path, 'a string', v);
      if (v.length > max) throw new ProtocolError(`${path}: string of ${v.length} characters exceeds ${max}`);
      if (opts.pattern && !opts.pattern.test(v)) fail(path, `a string matching ${opts.pattern}`, v);
      return v;
    },
  };
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return {
    describe: 'integer',
    parse(v, path = '') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(path, `an integer in [${min}, ${max}]`, v);
      return v;
    },
  };
}

/** A finite JSON number. */
export const num: Schema<number> = {
  describe: 'number',
  parse(v, path = '') {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a finite number', v);
    return v;
  },
};

export const bool: Schema<boolean> = {
  describe: 'boolean',
  parse(v, path = '') {
    if (typeof v !== 'boolean') fail(path, 'a boolean', v);
    return v;
  },
};

export function literal<const L extends string | number | boolean>(l: L): Schema<L> {
  return {
    describe: JSON.stringify(l),
    parse(v, path = '') {
      if (v !== l) fail(path, JSON.stringify(l), v);
      return l;
    },
  };
}

export function oneOf<const L extends readonly string[]>(ls: L): Schema<L[number]> {
  return {
    describe: ls.join(' | '),
    parse(v, path = '') {
      if (typeof v !== 'string' || !ls.includes(v)) fail(path, `one of ${ls.join(', ')}`, v);
      return v as L[number];
    },
  };
}

export function array<T>(item: Schema<T>, opts: { max?: number; min?: number } = {}): Schema<T[]> {
  const max = opts.max ?? 1024;
  const min = opts.min ?? 0;
  return {
    describe: `${item.describe}[]`,
    parse(v, path = '') {
      if (!Array.isArray(v)) fail(path, 'an array', v);
      if (v.length > max || v.length < min) throw new ProtocolError(`${path}: array of ${v.length} items, expected ${min}..${max}`);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
  };
}

export function nullable<T>(s: Schema<T>): Schema<T | null> {
  return {
    describe: `${s.describe} | null`,
    parse(v, path = '') {
      return v === null ? null : s.parse(v, path);
    },
  };
}

/** Marks an object field that may be absent (undefined); null is still rejected unless nullable. */
export interface Optional<T> extends Schema<T | undefined> {
  readonly optional: true;
}

export function optional<T>(s: Schema<T>): Optional<T> {
  return {
    optional: true,
    describe: `${s.describe}?`,
    parse(v, path = '') {
      return v === undefined ? undefined : s.parse(v, path);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A plain object with exactly these keys (unknown keys are rejected: nothing unexpected rides along). */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> & { readonly shape: S } {
  return {
    shape,
    describe: `{${Object.keys(shape).join(', ')}}`,
    parse(v, path = '') {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      for (const k of Object.keys(v)) if (!Object.prototype.hasOwnProperty.call(shape, k)) throw new ProtocolError(`${path || 'message'}: unexpected field '${k.slice(0, 40)}'`);
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(shape)) {
        const x = s.parse(v[k], path ? `${path}.${k}` : k);
        if (x !== undefined) out[k] = x;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** A union told apart by the string field `tag`. */
export function tagged<const K extends string, const M extends Record<string, Schema<unknown>>>(
  tag: K,
  members: M,
): Schema<{ [T in keyof M]: Infer<M[T]> }[keyof M]> {
  return {
    describe: `${tag}: ${Object.keys(members).join(' | ')}`,
    parse(v, path = '') {
      if (!isPlainObject(v)) fail(path, 'an object', v);
      const t = v[tag];
      if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(members, t))
        fail(path ? `${path}.${tag}` : tag, `one of ${Object.keys(members).join(', ')}`, t);
      return members[t].parse(v, path) as { [T in keyof M]: Infer<M[T]> }[keyof M];
    },
  };
}

/**
 * `s` plus a check across its fields (e.g. a tile's byte length against its shape); `check` returns what is wrong, or
 * null. Keeps the fields of `s` (an object schema's `shape`) so that callers can still read them.
 */
export function refine<T, S extends Schema<T>>(s: S, check: (v: T) => string | null): S {
  return {
    ...s,
    parse(v: unknown, path = '') {
      const out = s.parse(v, path);
      const wrong = check(out);
      if (wrong !== null) throw new ProtocolError(`${path || 'message'}: ${wrong}`);
      return out;
    },
  };
}
