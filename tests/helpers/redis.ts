import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './ports'
import { waitFor } from './wait'

export interface RedisServer {
  port: number
  url: string
  /** A client for the test itself (publish raw messages, inspect the log). */
  client(): Redis
  /** SIGKILL: the server disappears without a goodbye. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty unless `appendOnly`). */
  restart(): Promise<void>
  /** SIGSTOP: the server stops answering but keeps its sockets open (a partition, a frozen host). */
  pause(): void
  /** SIGCONT after `pause()`. */
  resume(): void
  stop(): Promise<void>
}

export interface RedisOptions {
  /** A fixed port (default: a free one). */
  port?: number
  /**
   * Keep the log across kill/restart with an append-only file (fsync every
   * second, as docker-compose.yml runs it). Without it a restart is empty.
   */
  appendOnly?: boolean
}

/**
 * A private redis-server on a free port, so tests can kill and restart it
 * without touching any other Redis on the machine.
 */
export async function startRedis({ port: wanted, appendOnly = false }: RedisOptions = {}): Promise<RedisServer> {
  const port = wanted ?? await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-redis-'))
  let proc: ChildProcess | null = null
  const clients: Redis[] = []

  async function launch() {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--dir', dir], { stdio: 'ignore' })
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    await waitFor(async () => {
      try {
        if (probe.status !== 'ready') await probe.connect()
        return (await probe.ping()) === 'PONG'
      }
      catch {
        probe.disconnect()
        return false
      }
    }, { what: `redis-server on ${port}` })
    probe.disconnect()
  }

  async function kill() {
    const running = proc
    if (!running || running.exitCode !== null) return
    running.kill('SIGCONT')
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGKILL')
    })
  }

  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client() {
      const client = new Redis({ port, host: '127.0.0.1' })
      client.on('error', () => {})
      clients.push(client)
      return client
    },
    kill,
    restart: launch,
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    async stop() {
      for (const client of clients) client.disconnect()
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
