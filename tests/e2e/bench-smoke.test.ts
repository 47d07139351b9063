import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

interface Results {
  runs: Array<Record<string, Record<string, Record<string, unknown> & { error?: string }>>>
}

const SERVERS = ['pulseboard', 'naive', 'floor'] as const
/** Socket.IO (raw engine.io framing in the load clients) and better-sse: fan-out, memory and latency only. */
const PEERS = ['socketio', 'better-sse'] as const

/**
 * Keeps `npm run bench` from rotting: a quick run (a few hundred clients, one
 * run) of four scenarios against the built app, both reference servers and
 * the two peers (which sit the storm out).
 * It checks that every scenario produced numbers for every server, not what
 * the numbers are (speed lives in bench/RESULTS.md, not in tests), except
 * for one correctness figure: Pulseboard loses nothing in the reconnect storm.
 */
describe('benchmark harness smoke run', () => {
  const out = mkdtempSync(join(tmpdir(), 'pulseboard-bench-smoke-'))
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('runs fan-out, memory, latency and a reconnect storm end to end and writes results, report and chart', async () => {
    const child = spawn(process.execPath, ['bench/run.mjs', '--quick', '--only', 'fanout,memory,latency,storm', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(code, output).toBe(0)

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results
    const run = results.runs[0]!
    for (const server of [...SERVERS, ...PEERS]) {
      const scenarios = (SERVERS as readonly string[]).includes(server) ? ['fanout', 'memory', 'latency', 'storm'] : ['fanout', 'memory', 'latency']
      for (const scenario of scenarios) expect(run[scenario]![server]!.error, `${scenario} ${server}`).toBeUndefined()
      const fanout = run.fanout![server] as unknown as Array<{ complete: boolean, deliveriesPerSecond: number, delivered: number, clients: number, events: number }>
      for (const step of fanout) {
        expect(step.complete).toBe(true)
        expect(step.delivered).toBe(step.clients * step.events)
        expect(step.deliveriesPerSecond).toBeGreaterThan(0)
      }
      const memory = run.memory![server] as unknown as Array<{ rss: number, baselineRss: number }>
      expect(memory[0]!.rss).toBeGreaterThan(memory[0]!.baselineRss)
      const [latency] = run.latency![server] as unknown as Array<{ samples: number, expectedProbeSamples: number, p99: number, deliveries: number, sent: number, clients: number, serverCpuSeconds: number }>
      expect(latency!.samples).toBe(latency!.expectedProbeSamples)
      expect(latency!.p99).toBeGreaterThan(0)
      expect(latency!.deliveries).toBe(latency!.sent * latency!.clients)
      expect(latency!.serverCpuSeconds).toBeGreaterThanOrEqual(0)
      if (!scenarios.includes('storm')) {
        expect(run.storm![server]).toMatchObject({ skipped: expect.any(String) })
        continue
      }
      const storm = run.storm![server] as { clients: number, reconnected: number }
      expect(storm.reconnected).toBe(storm.clients)
    }
    expect(run.storm!.pulseboard).toMatchObject({ lostEvents: 0, duplicates: 0 })

    const report = readFileSync(join(out, 'RESULTS.md'), 'utf8')
    expect(report).toContain('| Figure | Pulseboard | naive (h3 push) | floor (node:http) | Socket.IO 4 + Redis adapter | better-sse | Pulseboard ÷ naive | Pulseboard ÷ floor | Pulseboard ÷ socketio | Pulseboard ÷ better-sse |')
    expect(report).toContain('server CPU per delivery')
    const chart = readFileSync(join(out, 'bench.svg'), 'utf8')
    expect(chart.startsWith('<svg')).toBe(true)
    for (const name of ['Pulseboard', 'floor (node:http', 'naive (h3', 'Socket.IO 4', 'better-sse']) expect(chart).toContain(name)
  }, 120_000)

  it('runs the stampede (Pulseboard only: the references have no page or history) on an empty log and with history', async () => {
    const stampedeOut = join(out, 'stampede')
    const child = spawn(process.execPath, ['bench/run.mjs', '--quick', '--only', 'stampede', '--servers', 'pulseboard', '--out', stampedeOut], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(code, output).toBe(0)
    const results = JSON.parse(readFileSync(join(stampedeOut, 'results.json'), 'utf8')) as Results
    const stampede = results.runs[0]!.stampede!.pulseboard as unknown as { cases: Array<{ sources: number, viewers: number, completed: number, historyBytes: number }> }
    expect(stampede.cases.map(c => c.sources)).toEqual([0, 5])
    for (const c of stampede.cases) expect(c.completed).toBe(c.viewers)
    expect(stampede.cases[1]!.historyBytes).toBeGreaterThan(stampede.cases[0]!.historyBytes)
  }, 120_000)
})
