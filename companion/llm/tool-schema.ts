// Tool schemas for the embedded model (issue 16). node-llama-cpp constrains a function call's
// arguments with a grammar built from a subset of JSON Schema; this keeps what it understands
// (types, const, enum, oneOf, object properties and required, arrays, string lengths) and drops
// the rest (patterns, numeric bounds, defaults: the executor checks those against the real
// schema). Strings get a length cap so a small model's argument always ends.
import type { ToolSpec } from './types';

/** Longest string argument the grammar lets a model write when the schema gives no bound. */
const STRING_CAP = 300;

type Json = Record<string, unknown>;

export function toGbnfSchema(schema: unknown): Json {
  if (!schema || typeof schema !== 'object') return { type: 'string', maxLength: STRING_CAP };
  const s = schema as Json;
  const out: Json = {};
  if (typeof s.description === 'string') out.description = s.description.slice(0, 200);
  if ('const' in s) return { ...out, const: s.const };
  if (Array.isArray(s.enum)) return { ...out, enum: s.enum };
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return { ...out, oneOf: alternatives.map(toGbnfSchema) };
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      out.type = 'object';
      out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toGbnfSchema(v)]));
      if (Array.isArray(s.required)) out.required = s.required.filter((k) => typeof k === 'string' && k in props);
      out.additionalProperties = false;
      return out;
    }
    case 'array':
      return { ...out, type: 'array', items: toGbnfSchema(s.items), maxItems: Math.min(Number(s.maxItems ?? 20), 20) };
    case 'string':
      return {
        ...out,
        type: 'string',
        ...(typeof s.minLength === 'number' ? { minLength: s.minLength } : {}),
        maxLength: Math.min(typeof s.maxLength === 'number' ? s.maxLength : STRING_CAP, STRING_CAP),
      };
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return { ...out, type };
    default:
      return { ...out, type: 'string', maxLength: STRING_CAP };
  }
}

/**
 * The schema of "one call to one of these tools": `{"name": <tool>, "arguments": {...}}`, one
 * alternative per tool, so a grammar built from it makes even a tiny model write a valid call.
 */
export function requiredCallSchema(tools: readonly ToolSpec[]): Json {
  return {
    oneOf: tools.map((t) => ({
      type: 'object',
      properties: { name: { const: t.name }, arguments: toGbnfSchema(t.parameters) },
      required: ['name', 'arguments'],
      additionalProperties: false,
    })),
  };
}
