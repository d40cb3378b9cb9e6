/**
 * How deeply a JSON text nests, counted without parsing or recursion: a body nested thousands of levels
 * deep overflows the stack of whatever walks it recursively (JSON.stringify in a mapping template, a
 * validator), so the gateway measures it first.
 */

/**
 * The deepest nesting local mode's gateway accepts in a request body. API Gateway documents no such limit;
 * no request of this API nests past four levels, and 32 leaves room for any extra field a caller keeps.
 */
export const MAX_JSON_DEPTH = 32;

/** Deepest nesting of arrays and objects in a JSON text (strings and their escapes skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return deepest;
}
