/**
 * Declarative settings, TensorFlow Playground style: each setting is a field with a type and a default, so
 * the same description drives the URL query string, local storage and validation of what a shared link says.
 */

export type Field<T> = {
  readonly default: T;
  /** Parses the URL text of this field; returns undefined when the text is not a valid value. */
  parse(text: string): T | undefined;
  format(value: T): string;
};

export type Schema = Record<string, Field<unknown>>;
export type ValuesOf<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

export function enumField<const T extends string>(
  options: readonly T[],
  defaultValue: T,
): Field<T> & { options: readonly T[] } {
  return {
    default: defaultValue,
    options,
    parse: (text) => ((options as readonly string[]).includes(text) ? (text as T) : undefined),
    format: (value) => value,
  };
}

export function numberField(
  defaultValue: number,
  range: { min?: number; max?: number; integer?: boolean } = {},
): Field<number> {
  return {
    default: defaultValue,
    parse: (text) => {
      if (text.trim() === '') return undefined;
      const value = Number(text);
      if (!Number.isFinite(value)) return undefined;
      if (range.integer && !Number.isInteger(value)) return undefined;
      if (range.min !== undefined && value < range.min) return undefined;
      if (range.max !== undefined && value > range.max) return undefined;
      return value;
    },
    format: (value) => String(value),
  };
}

export function booleanField(defaultValue: boolean): Field<boolean> {
  return {
    default: defaultValue,
    parse: (text) =>
      text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined,
    format: (value) => (value ? 'true' : 'false'),
  };
}

export function stringField(defaultValue: string, maxLength = 200): Field<string> {
  return {
    default: defaultValue,
    parse: (text) => (text.length <= maxLength ? text : undefined),
    format: (value) => value,
  };
}

export function defaultsOf<S extends Schema>(schema: S): ValuesOf<S> {
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) values[key] = field.default;
  return values as ValuesOf<S>;
}

export interface DecodeResult<S extends Schema> {
  values: Partial<ValuesOf<S>>;
  /** Keys in the text that were recognised but invalid, with the offending text. */
  rejected: { key: string; text: string }[];
}

/** Reads the fields of `schema` from query parameters, each under `prefix + key`. Unknown keys are ignored. */
export function decodeParams<S extends Schema>(
  schema: S,
  params: URLSearchParams,
  prefix = '',
): DecodeResult<S> {
  const values: Record<string, unknown> = {};
  const rejected: { key: string; text: string }[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const text = params.get(prefix + key);
    if (text === null) continue;
    const value = field.parse(text);
    if (value === undefined) rejected.push({ key: prefix + key, text });
    else values[key] = value;
  }
  return { values: values as Partial<ValuesOf<S>>, rejected };
}

/** Writes the fields that differ from their defaults, so a shared URL stays short and readable. */
export function encodeParams<S extends Schema>(
  schema: S,
  values: ValuesOf<S>,
  params: URLSearchParams,
  prefix = '',
): void {
  for (const [key, field] of Object.entries(schema)) {
    const value = (values as Record<string, unknown>)[key];
    if (value === field.default || value === undefined) params.delete(prefix + key);
    else params.set(prefix + key, field.format(value));
  }
}
