// Reconnect storm: N clients receive a steady stream; all drop at once and
// come straight back, each with the Last-Event-ID it last saw, while events
// keep flowing. Afterwards every client must have every event from its first
// one to the last one published: the sum of the gaps is the loss.
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { sleep, waitFor } from '../lib/wait.mjs'

export async function storm(kind, { redis, nodeArgs, clients, perSecond, timeoutMs = 60_000 }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs })
  const pool = LoadPool.forConnections(clients)
  const feeder = new Feeder(redis.client, kind)
  let stream = null
  try {
    const opened = await pool.open(server.target(['alerts']), clients)
    if (opened.failed) throw new Error(`${kind}: ${opened.failed} connections failed`)
    await pool.reset(1)
    stream = feeder.stream(perSecond)
    // Everyone is live and has an id to resume from.
    await waitFor(async () => (await pool.stats()).reached === clients, { what: 'a live event for every client' })
    const reconnect = await pool.dropAndReconnect()
    const resumed = await waitFor(async () => {
      const s = await pool.stats()
      return s.resumed === reconnect.ok ? s : null
    }, { timeout: timeoutMs, what: 'every client to resume' }).catch(() => pool.stats())
    // A little more live traffic, then stop and let the last event arrive.
    await sleep(1000)
    const sent = await stream.stop()
    stream = null
    const lastSeq = feeder.seq
    const final = await waitFor(async () => {
      const s = await pool.stats()
      return s.minExpectNext > lastSeq ? s : null
    }, { timeout: 15_000, what: 'the last event everywhere' }).catch(() => pool.stats())
    // Whatever a client never got up to the last event is lost too, and so is
    // everything after its last event for a client that never came back.
    const { missingTail } = await pool.tail(lastSeq)
    return {
      clients,
      perSecond,
      eventsPublished: sent,
      reconnected: reconnect.ok,
      reconnectFailures: reconnect.failed,
      allReconnectedSeconds: (resumed.lastHeadersUs - reconnect.droppedAtUs) / 1e6,
      allResumedSeconds: resumed.resumed === reconnect.ok ? (resumed.lastResumedUs - reconnect.droppedAtUs) / 1e6 : null,
      resumedClients: resumed.resumed,
      lostEvents: final.lost + missingTail,
      duplicates: final.duplicates,
      failureReasons: final.closeReasons,
    }
  }
  finally {
    await stream?.stop()
    await pool.stop()
    await server.stop()
  }
}
