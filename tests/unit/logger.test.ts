import { consola } from 'consola'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/core/logger'

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
