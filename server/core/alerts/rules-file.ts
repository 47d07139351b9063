import { readFileSync } from 'node:fs'
import { isNode, LineCounter, parseDocument } from 'yaml'
import { z } from 'zod'
import { METRIC_FIELDS } from '../../../shared/channels'
import type { AlertRule, WebhookTarget } from './rules'
import { defaultClearLevel } from './rules'

/** A rules file that cannot be used; the message names the file and line. */
export class RulesFileError extends Error {
  override name = 'RulesFileError'
}

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  format: z.enum(['json', 'slack']).default('json'),
})

const ruleSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'use 1–64 letters, digits, `_`, `.` or `-`').optional(),
  metric: z.enum(METRIC_FIELDS),
  comparison: z.enum(['>', '>=', '<', '<=']).default('>'),
  threshold: z.number().finite(),
  holdSamples: z.number().int().min(1).max(3600).optional(),
  clear: z.number().finite().optional(),
  level: z.enum(['warning', 'critical']).default('critical'),
  scope: z.enum(['source', 'host']).default('source'),
  source: z.string().min(1).max(128).optional(),
  minRps: z.number().finite().nonnegative().optional(),
  webhook: webhookSchema.optional(),
})

const fileSchema = z.strictObject({
  webhook: webhookSchema.optional(),
  rules: z.array(ruleSchema).min(1, 'list at least one rule'),
})

export interface RulesFile {
  rules: AlertRule[]
  /** Receives every rule's transitions. */
  webhook?: WebhookTarget
}

export interface RuleFileDefaults {
  holdSamples: number
  clearRatio: number
}

/**
 * Reads the rules file named by `NUXT_ALERT_RULES_FILE`. YAML and JSON are both
 * read by the YAML parser (JSON is YAML), which also tells the line of every
 * value, so a mistake is reported as `rules.yaml:7: rules[1].threshold: …`.
 */
export function loadRulesFile(path: string, defaults: RuleFileDefaults): RulesFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  }
  catch (error) {
    throw new RulesFileError(`NUXT_ALERT_RULES_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  return parseRules(text, path, defaults)
}

export function parseRules(text: string, fileName: string, defaults: RuleFileDefaults): RulesFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const lineOf = (offset: number) => lines.linePos(offset).line
  const syntax = doc.errors[0]
  if (syntax) throw new RulesFileError(`${fileName}:${lineOf(syntax.pos[0])}: ${syntax.message.split('\n')[0]}`)

  const parsed = fileSchema.safeParse(doc.toJS())
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = issue.path.filter(key => typeof key !== 'symbol')
    // A misspelt key is best shown on its own line, not its rule's.
    const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path
    throw new RulesFileError(`${fileName}:${lineAt(doc, at, lineOf)}: ${describePath(path)}${issue.message}`)
  }

  const names = new Set<string>()
  const rules = parsed.data.rules.map((entry, index): AlertRule => {
    const name = entry.name ?? `${entry.metric}${entry.comparison}${entry.threshold}${entry.source ? `@${entry.source}` : ''}`
    if (names.has(name)) throw new RulesFileError(`${fileName}:${lineAt(doc, ['rules', index], lineOf)}: rules[${index}]: the rule name "${name}" is used twice`)
    names.add(name)
    const clear = entry.clear ?? defaultClearLevel(entry.comparison, entry.threshold, defaults.clearRatio)
    const above = entry.comparison.startsWith('>')
    if (above ? clear > entry.threshold : clear < entry.threshold) {
      throw new RulesFileError(`${fileName}:${lineAt(doc, ['rules', index, 'clear'], lineOf)}: rules[${index}].clear: must be ${above ? 'at most' : 'at least'} the threshold (${entry.threshold}), or the alert would clear while still past it`)
    }
    return {
      name,
      metric: entry.metric,
      comparison: entry.comparison,
      threshold: entry.threshold,
      holdSamples: entry.holdSamples ?? defaults.holdSamples,
      clear,
      level: entry.level,
      scope: entry.scope,
      source: entry.source,
      minRps: entry.minRps,
      webhook: entry.webhook,
    }
  })
  return { rules, webhook: parsed.data.webhook }
}

/** Line of the deepest node along `path` that exists (the offending value, or its rule). */
function lineAt(doc: ReturnType<typeof parseDocument>, path: PropertyKey[], lineOf: (offset: number) => number): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)
    if (isNode(node) && node.range) return lineOf(node.range[0])
  }
  return 1
}

function describePath(path: PropertyKey[]): string {
  if (path.length === 0) return ''
  const text = path.map((key, i) => typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`).join('')
  return `${text}: `
}
