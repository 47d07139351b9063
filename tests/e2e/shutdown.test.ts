import { describe, expect, it } from 'vitest'
import { startApp } from '../helpers/app-server'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

describe('SIGTERM', () => {
  it('ends every stream at once with a short jittered retry and exits well inside the shutdown timeout', async () => {
    // A shutdown timeout far above the wait below: exiting in time proves the streams were ended, not waited out.
    const app = await startApp({ env: { NITRO_SHUTDOWN_TIMEOUT: '30000' } })
    const streams = await Promise.all(Array.from({ length: 5 }, () => SseStream.open(`${app.url}/api/sse/dashboard`)))
    await waitFor(async () => (await (await fetch(`${app.url}/api/sse/stats`)).json()).connectedClients === 5, { what: 'five clients' })
    const retriesBefore = streams.map(s => s.retry)
    app.proc.kill('SIGTERM')
    for (const stream of streams) await stream.waitForEnd(5000)
    const code = await Promise.race([app.exited, new Promise(resolve => setTimeout(resolve, 8000, 'still running'))])
    expect(code).toBe(0)
    expect(retriesBefore.every(r => r === 3000)).toBe(true)
    for (const stream of streams) {
      expect(stream.retry).toBeGreaterThanOrEqual(250)
      expect(stream.retry).toBeLessThan(1250)
    }
  })
})
