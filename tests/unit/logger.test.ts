import { consola } from 'consola'
import { afterEach, describe, expect, it } from 'vitest'
import type { LogObject } from 'consola'
import { createLogger } from '../../server/core/logger'
import type { LoggerEntryMarks } from '../../server/core/logger'
import { loggedPath, MAX_LOGGED_PATH } from '../../server/core/log-text'

const lines: string[] = []
const reporter = { log: (entry: { args: unknown[] }) => lines.push(entry.args.join(' ')) }

afterEach(() => {
  consola.removeReporter(reporter)
  lines.length = 0
})

describe('throttled logger', () => {
  it('limits each kind of message per second and summarises what it suppressed', () => {
    consola.addReporter(reporter)
    let now = 0
    const log = createLogger('test', { perSecond: 2, now: () => now })
    for (let i = 0; i < 10; i++) log.warn(`400 GET /x: bad id ${i}`)
    log.warn('401 POST /y: wrong token')
    expect(lines.filter(l => l.includes('400 GET'))).toHaveLength(2)
    expect(lines.some(l => l.includes('401 POST'))).toBe(true)
    now = 1000
    log.warn('400 GET /x: again')
    expect(lines).toContain('8 more "400 GET /x" lines suppressed')
    expect(lines.at(-1)).toBe('400 GET /x: again')
  })

  it('reaches reporters added after the logger was created (loggers are made at import time)', () => {
    const log = createLogger('early')
    consola.addReporter(reporter)
    log.warn('401 GET /api/sse/dashboard: wrong viewer token')
    expect(lines).toContain('401 GET /api/sse/dashboard: wrong viewer token')
  })
})

describe('log lines an operator can trust', () => {
  it('escapes control characters and bounds request paths', () => {
    consola.addReporter(reporter)
    const log = createLogger('test')
    log.warn('line one\nfake line\r\u001b[31m\u2028end')
    expect(lines.at(-1)).toBe('line one\\nfake line\\r\\x1b[31m\\u2028end')
    const path = loggedPath(`/api/\u26A0 URGENT: payroll DB compromised\nfake line${'x'.repeat(500)}?token=secret`)
    expect(path).toMatch(/^\/api\/%E2%9A%A0%20URGENT:%20payroll%20DB%20compromised%0Afake%20linex+…$/)
    expect(path.length).toBeLessThanOrEqual(MAX_LOGGED_PATH)
    expect(loggedPath('/a\uD800b')).toBe('/a%EF%BF%BDb')
  })

  it('counts a repeated line within the window and summarises it once', () => {
    consola.addReporter(reporter)
    let now = 0
    const log = createLogger('test', { now: () => now, repeatWindowMs: 60_000 })
    for (let i = 0; i < 38; i++) {
      now += 1000
      log.warn('dropped invalid event (log entry 5-0): field `timestamp`: Too big')
    }
    expect(lines).toEqual(['dropped invalid event (log entry 5-0): field `timestamp`: Too big'])
    now += 60_000
    log.warn('dropped invalid event (log entry 5-0): field `timestamp`: Too big')
    expect(lines).toContain('dropped invalid event (log entry 5-0): field `timestamp`: Too big (repeated 37× in the last 60 s)')
  })

  it('marks client-error lines so they stay off the dashboard', () => {
    const entries: LoggerEntryMarks[] = []
    const marker = { log: (entry: LogObject) => void entries.push(entry as LogObject & LoggerEntryMarks) }
    consola.addReporter(marker)
    createLogger('http', { toDashboard: false }).warn('401 GET /x: not signed in')
    createLogger('broker').warn('reading the log failed')
    consola.removeReporter(marker)
    expect(entries.map(entry => entry.stdoutOnly)).toEqual([true, undefined])
  })
})
