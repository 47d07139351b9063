/**
 * What the log's Redis Function can decode: its JSON decoder refuses lone
 * UTF-16 surrogates (`"\ud800"`) and nesting past its own depth limit. The
 * schemas check the same here, so an event is refused with a 400 naming the
 * field instead of being accepted and then failing inside Redis (see README,
 * "Event contract").
 */

/** Deepest nesting allowed inside a log line's `fields` (the object itself is level 1). */
export const MAX_FIELDS_DEPTH = 8

/** Matches an unpaired surrogate: in `u` mode a valid pair is one code point and never matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

export interface ShapeProblem {
  path: (string | number)[]
  message: string
}

/**
 * The first place where `value` (parsed JSON) nests deeper than `maxDepth`
 * or holds a lone surrogate in a key or a string, or null. The walk stops at
 * `maxDepth`, so its own recursion is bounded whatever the input.
 */
export function findShapeProblem(value: unknown, maxDepth: number, path: (string | number)[] = [], depth = 1): ShapeProblem | null {
  if (typeof value === 'string') return hasLoneSurrogate(value) ? { path, message: 'contains a lone UTF-16 surrogate' } : null
  if (value === null || typeof value !== 'object') return null
  if (depth > maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` }
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value)
  for (const [key, item] of entries) {
    if (typeof key === 'string' && hasLoneSurrogate(key)) return { path, message: 'has a key with a lone UTF-16 surrogate' }
    const problem = findShapeProblem(item, maxDepth, [...path, key], depth + 1)
    if (problem) return problem
  }
  return null
}
