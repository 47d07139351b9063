import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { waitFor } from './wait'

/** One `redis-server` process on loopback that a test can kill, pause and start again. */
export interface RedisProcess {
  port: number
  /** `127.0.0.1:<port>` */
  address: string
  /** SIGKILL: gone without a goodbye (no final fsync, sockets reset). */
  kill(): Promise<void>
  /** SIGSTOP: alive with open sockets but silent, as in a network partition. */
  pause(): void
  /** SIGCONT after `pause`. */
  resume(): void
  /** Starts it again with the same arguments (same port, same directory). */
  start(): Promise<void>
  running(): boolean
  /** A one-off connection to this process alone (caller disconnects). */
  connect(): Redis
}

/**
 * Spawns `redis-server <args>` and waits until it answers PING. Sentinels are
 * the same binary with `--sentinel`; they answer PING too.
 */
export function redisProcess(port: number, args: string[]): RedisProcess {
  let proc: ChildProcess | null = null
  const running = () => proc !== null && proc.exitCode === null && proc.signalCode === null
  const connect = () => {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false })
    client.on('error', () => {})
    return client
  }
  return {
    port,
    address: `127.0.0.1:${port}`,
    running,
    connect,
    async start() {
      if (running()) return
      const started = spawn('redis-server', args, { stdio: 'ignore' })
      proc = started
      await waitFor(async () => {
        if (started.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} exited with ${started.exitCode}`)
        const probe = connect()
        try {
          await probe.connect()
          return (await probe.ping()) === 'PONG'
        }
        finally {
          probe.disconnect()
        }
      }, { what: `redis-server on ${port}`, timeout: 10_000 })
    },
    async kill() {
      const current = proc
      if (!current || !running()) return
      await new Promise<void>((resolve) => {
        current.once('exit', () => resolve())
        current.kill('SIGCONT') // a paused process would not die until continued
        current.kill('SIGKILL')
      })
    },
    pause() {
      proc?.kill('SIGSTOP')
    },
    resume() {
      proc?.kill('SIGCONT')
    },
  }
}

/** Runs one command on one process and disconnects. */
export async function ask<T = unknown>(node: RedisProcess, ...command: [string, ...(string | number)[]]): Promise<T> {
  const client = node.connect()
  try {
    await client.connect()
    return await client.call(...command) as T
  }
  finally {
    client.disconnect()
  }
}

/** `INFO replication` as a map. */
export async function replicationInfo(node: RedisProcess): Promise<Record<string, string>> {
  const text = await ask<string>(node, 'INFO', 'replication')
  return Object.fromEntries(text.split('\r\n').filter(line => line.includes(':')).map(line => line.split(':', 2) as [string, string]))
}
