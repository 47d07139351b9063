// A private redis-server on a free port for one harness run (never the
// shared one on 6379), without persistence.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './ports.mjs'
import { waitFor } from './wait.mjs'

export async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-bench-redis-'))
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxclients', '1000'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 })
  client.on('error', () => {})
  await waitFor(async () => {
    if (client.status === 'wait') await client.connect()
    return (await client.ping()) === 'PONG'
  }, { what: `redis-server on ${port}` })
  return {
    url,
    pid: proc.pid,
    /** The harness's own connection, used to publish. */
    client,
    async stop() {
      client.disconnect()
      if (proc.exitCode === null) {
        await new Promise((resolve) => {
          proc.once('exit', resolve)
          proc.kill('SIGKILL')
        })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
