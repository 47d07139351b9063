import { usePulse } from '../core/pulse'

/** Streams would count as one never-ending request each: they are left out of requests/s. */
const EXCLUDED = '/api/sse/dashboard'

export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('request', (event) => {
    if (event.path.startsWith(EXCLUDED)) return
    const res = event.node.res
    res.once('close', () => usePulse().requestStats.record(res.statusCode))
  })
})
