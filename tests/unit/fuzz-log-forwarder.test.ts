import { consola } from 'consola'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppLogForwarder } from '../../server/core/sources/app-log-forwarder'
import { createLogger } from '../../server/core/logger'
import { MAX_LOG_LINE } from '../../server/core/log-text'
import type { LogInput } from '../../shared/events'

const WINDOW_MS = 60_000
// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/
/** Room for " (repeated 123456× in the last 60 s)" after a bounded line. */
const MAX_FORWARDED = MAX_LOG_LINE + 64

/** Hostile text: any code unit (lone surrogates too), controls, line breaks, very long lines. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom('\n', '\r', '\t', '\u0000', '\u001B', '\u007F', '\u0085', '\u2028', '\u2029', 'a', '\uD800'), maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer({ min: MAX_LOG_LINE - 5, max: 3 * MAX_LOG_LINE }).chain(n => fc.constantFrom('x', '\n', '\uD83D\uDE00').map(c => c.repeat(n))),
  fc.constant(''),
)
/** A few lines used many times, so repeats within the window are the rule. */
const messages = fc.array(hostile, { minLength: 1, maxLength: 6 })
  .chain(pool => fc.array(fc.tuple(fc.constantFrom(...pool), fc.constantFrom<'warn' | 'error'>('warn', 'error'), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 80 }))

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function expectSafe(text: string) {
  expect(text).not.toMatch(RAW_CONTROL)
  expect(text.length).toBeLessThanOrEqual(MAX_FORWARDED)
}

describe('property: the app-log forwarder', () => {
  it('never throws, forwards only escaped bounded lines, and counts identical lines within the window', () => {
    fc.assert(fc.property(messages, (lines) => {
      const published: LogInput[] = []
      // No rate limit here: only the repeat window decides.
      const forward = createAppLogForwarder({ publish: async line => void published.push(line), perSecond: 1e9, repeatWindowMs: WINDOW_MS })
      const start = Date.now()
      for (const [message, level, pauseMs] of lines) {
        vi.advanceTimersByTime(pauseMs)
        expect(() => forward({ level, message, fields: { tag: 'fuzz' } })).not.toThrow()
      }
      // Every line fell within one window (80 × 400 ms < 60 s): each distinct line once.
      expect(Date.now() - start).toBeLessThan(WINDOW_MS)
      const firsts = published.map(line => `${line.level} ${line.message}`)
      expect(new Set(firsts).size).toBe(firsts.length)
      published.forEach(line => expectSafe(line.message))
      // Once its window ends, each repeated line is summarised once with its count
      // (by the window's timer, which runs every window length: at most two windows).
      vi.advanceTimersByTime(2 * WINDOW_MS)
      const summaries = published.slice(firsts.length)
      summaries.forEach(line => expectSafe(line.message))
      const repeated = summaries.reduce((sum, line) => sum + Number(/\(repeated (\d+)× in the last 60 s\)$/.exec(line.message)?.[1]), 0)
      expect(firsts.length + repeated).toBe(lines.length)
      expect(summaries.every(line => /\(repeated \d+× in the last 60 s\)$/.test(line.message))).toBe(true)
    }), { numRuns: 300 })
  })

  it('holds a log storm of hostile lines to the rate limit plus one summary per second', () => {
    fc.assert(fc.property(fc.array(hostile, { minLength: 1, maxLength: 200 }), (storm) => {
      const published: LogInput[] = []
      const forward = createAppLogForwarder({ publish: async line => void published.push(line), perSecond: 20 })
      storm.forEach((message, i) => forward({ level: 'warn', message: `${i} ${message}` }))
      vi.advanceTimersByTime(1000)
      forward({ level: 'warn', message: 'after the storm' })
      published.forEach(line => expectSafe(line.message))
      expect(published.length).toBeLessThanOrEqual(20 + 2)
      if (storm.length > 20) expect(published.map(line => line.message)).toContain(`${storm.length - 20} log lines not forwarded (rate limit)`)
    }), { numRuns: 200 })
  })
})

describe('property: the logger feeding the forwarder', () => {
  it('writes only escaped bounded lines, whatever it is given, and never throws', () => {
    const written: string[] = []
    const reporter = { log: (entry: { args: unknown[] }) => void written.push(entry.args.map(String).join(' ')) }
    const reporters = consola.options.reporters
    consola.setReporters([reporter])
    try {
      fc.assert(fc.property(messages, (lines) => {
        written.length = 0
        const log = createLogger('fuzz', { perSecond: 1e9 })
        for (const [message, level, pauseMs] of lines) {
          vi.advanceTimersByTime(pauseMs)
          expect(() => log[level](message)).not.toThrow()
        }
        vi.advanceTimersByTime(2 * WINDOW_MS)
        expect(written.length).toBeGreaterThan(0)
        written.forEach(expectSafe)
      }), { numRuns: 300 })
    }
    finally {
      consola.setReporters(reporters)
    }
  })
})
