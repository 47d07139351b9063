import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { freePort } from './ports'
import { waitFor } from './wait'

export interface AppServer {
  port: number
  url: string
  proc: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>
  exited: Promise<number | string>
}

export interface AppOptions {
  env?: Record<string, string | undefined>
  host?: string
  port?: number
}

export const SERVER_ENTRY = resolve('.output/server/index.mjs')

/**
 * Runs the built server (`node .output/server/index.mjs`) as production does.
 * TEST is removed: Nitro (std-env) skips scheduled tasks whenever TEST is
 * non-empty, so even TEST=false would disable the metrics task.
 */
export async function startApp({ env = {}, host = '127.0.0.1', port }: AppOptions = {}): Promise<AppServer> {
  const listenPort = port ?? await freePort()
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    VITEST: undefined,
    VITEST_WORKER_ID: undefined,
    VITEST_POOL_ID: undefined,
    NODE_ENV: 'production',
    TEST: undefined,
    HOST: host,
    PORT: String(listenPort),
    NITRO_SHUTDOWN_TIMEOUT: '10000',
    ...env,
  }
  const proc = spawn(process.execPath, [SERVER_ENTRY], { env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  proc.stdout!.on('data', collect)
  proc.stderr!.on('data', collect)
  const exited = new Promise<number | string>(resolveExit => proc.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')))
  const url = `http://${host}:${listenPort}`
  let gone = false
  void exited.then(() => {
    gone = true
  })
  await waitFor(async () => {
    if (gone) throw new Error(`server exited during start-up:\n${output}`)
    const response = await fetch(`${url}/health/live`)
    return response.ok
  }, { timeout: 30_000, what: `server on ${url}` })
  return {
    port: listenPort,
    url,
    proc,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      return exited
    },
  }
}
