import { usePulse } from '../../core/pulse'

/** 200 while the broker can carry events, 503 while it cannot (load balancers read this). */
export default defineEventHandler((event) => {
  const { broker, hub } = usePulse()
  const state = broker.state()
  setResponseHeader(event, 'Cache-Control', 'no-store')
  setResponseStatus(event, state === 'ready' ? 200 : 503)
  return { status: state === 'ready' ? 'ok' : 'down', broker: { kind: broker.kind, state }, connectedClients: hub.size }
})
