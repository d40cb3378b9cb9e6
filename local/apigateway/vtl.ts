/**
 * API Gateway's mapping-template language, as far as the stack's templates use it: velocityjs with the
 * `$input`, `$util` and `$context` variables API Gateway gives a template. Local mode renders the stack's
 * own `/data` templates with it, so a template that would break on AWS breaks here too.
 */
import { Compile, parse } from 'velocityjs';

export interface MappingTemplateInput {
  /** The raw request (or integration response) body. */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly queryString?: Readonly<Record<string, string>>;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
}

export interface RenderedTemplate {
  readonly body: string;
  /** `#set($context.responseOverride.status = ...)` in a response template. */
  readonly statusOverride?: number;
  readonly headerOverrides: Readonly<Record<string, string>>;
}

/** Renders a mapping template as API Gateway does. Throws on a template velocityjs cannot parse. */
export function renderMappingTemplate(template: string, input: MappingTemplateInput): RenderedTemplate {
  const parsed = parseJsonOrUndefined(input.body);
  const responseOverride: { status?: unknown; header: Record<string, string> } = { header: {} };
  const context = {
    input: {
      body: input.body,
      json: (path: string): string => {
        const value = evaluateJsonPath(parsed, path);
        return value === undefined ? '' : JSON.stringify(value);
      },
      path: (path: string): unknown => evaluateJsonPath(parsed, path) ?? '',
      params: (name?: string): unknown => {
        const all = { header: input.headers ?? {}, querystring: input.queryString ?? {}, path: {} };
        if (name === undefined) return all;
        return input.headers?.[name] ?? input.queryString?.[name] ?? '';
      },
    },
    util: {
      base64Encode: (value: unknown): string => Buffer.from(textOf(value), 'utf8').toString('base64'),
      base64Decode: (value: unknown): string => Buffer.from(textOf(value), 'base64').toString('utf8'),
      escapeJavaScript,
      parseJson: (value: string): unknown => JSON.parse(value),
      urlEncode: (value: unknown): string => encodeURIComponent(textOf(value)),
      urlDecode: (value: unknown): string => decodeURIComponent(textOf(value)),
    },
    context: { ...input.context, responseOverride },
    stageVariables: input.stageVariables ?? {},
  };
  const body = new Compile(parsedTemplate(template), {
    escape: false,
    customMethodHandlers: JAVA_STRING_METHODS,
  }).render(context);
  const status = Number(responseOverride.status);
  return {
    body,
    ...(Number.isInteger(status) && status > 0 ? { statusOverride: status } : {}),
    headerOverrides: responseOverride.header,
  };
}

type TemplateSyntax = ReturnType<typeof parse>;

/** Templates parsed once: the stack's few templates are rendered on every request, and parsing was most of that. */
const parsedTemplates = new Map<string, TemplateSyntax>();
const PARSED_TEMPLATES_KEPT = 64;

function parsedTemplate(template: string): TemplateSyntax {
  let syntax = parsedTemplates.get(template);
  if (!syntax) {
    syntax = parse(template);
    if (parsedTemplates.size >= PARSED_TEMPLATES_KEPT) parsedTemplates.clear();
    parsedTemplates.set(template, syntax);
  }
  return syntax;
}

/** API Gateway's VTL runs on Java: templates call java.lang.String methods that JavaScript strings lack. */
const JAVA_STRING_METHODS = Object.entries({
  contains: (text: string, [part]: unknown[]) => text.includes(String(part)),
  equals: (text: string, [other]: unknown[]) => text === other,
  equalsIgnoreCase: (text: string, [other]: unknown[]) => text.toLowerCase() === String(other).toLowerCase(),
  isEmpty: (text: string) => text.length === 0,
  length: (text: string) => text.length,
  matches: (text: string, [pattern]: unknown[]) => new RegExp(`^(?:${String(pattern)})$`).test(text),
  replaceAll: (text: string, [pattern, replacement]: unknown[]) =>
    text.replace(new RegExp(String(pattern), 'g'), String(replacement)),
  /** Java's substring(begin[, end]) in UTF-16 units, as JavaScript's; Java throws out of range. */
  substring: (text: string, [begin, end]: unknown[]) => {
    const from = Number(begin);
    const to = end === undefined ? text.length : Number(end);
    if (!(from >= 0 && from <= to && to <= text.length)) {
      throw new RangeError(
        `StringIndexOutOfBoundsException: begin ${from}, end ${to}, length ${text.length}`,
      );
    }
    return text.substring(from, to);
  },
}).map(([name, method]) => ({
  uid: `java.lang.String#${name}`,
  match: ({ property, context }: { property: string; context: unknown }) =>
    property === name && typeof context === 'string',
  resolve: ({ context, params }: { context: string; params: unknown[] }) => method(context, params ?? []),
}));

/**
 * `$util.escapeJavaScript`: API Gateway uses Apache Commons' StringEscapeUtils.escapeJavaScript, which
 * escapes quotes (both kinds), backslash, `/`, control characters and everything outside ASCII.
 */
/** A template value as text: null and undefined empty, a string as it is, a number or boolean as String() writes it, a structure as JSON. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

export function escapeJavaScript(value: unknown): string {
  const text = textOf(value);
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    switch (char) {
      case '"':
        out += '\\"';
        break;
      case "'":
        out += "\\'";
        break;
      case '\\':
        out += '\\\\';
        break;
      case '/':
        out += '\\/';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        if (code < 0x20 || code > 0x7e) {
          // Astral characters become their UTF-16 surrogate pair, as Java strings hold them.
          for (let i = 0; i < char.length; i += 1) {
            out += `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
          }
        } else {
          out += char;
        }
    }
  }
  return out;
}

/**
 * The JSONPath subset mapping templates use: `$`, `$.a.b`, `$['a-b']`, `$.list[0]`. Returns undefined
 * when the path does not resolve.
 */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  const trimmed = path.trim();
  if (!trimmed.startsWith('$')) throw new Error(`JSONPath must start with $: ${path}`);
  const segments: string[] = [];
  const pattern = /\.([^.[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]/gy;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < trimmed.length) {
    const match = pattern.exec(trimmed);
    if (!match) throw new Error(`Unsupported JSONPath: ${path}`);
    const segment = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (segment === undefined) throw new Error(`Unsupported JSONPath: ${path}`);
    segments.push(segment);
  }
  let current: unknown = document;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function parseJsonOrUndefined(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
