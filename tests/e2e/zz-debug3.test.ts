import { it } from 'vitest'
import { RedisBroker } from '../../server/core/broker/redis-broker'
import { startClusterTopology } from '../helpers/redis-topology-cluster'
it('debug3', async () => {
  const t = await startClusterTopology()
  const t0 = Date.now()
  const log = (...a: unknown[]) => console.log(Date.now() - t0, ...a)
  const logger = { info: (m: string) => log('info', m), warn: (m: string) => log('warn', m), error: (m: string) => log('error', m), debug: () => {} }
  const broker = new RedisBroker({ target: { kind: 'cluster', nodes: t.nodes.map(n => ({ host: '127.0.0.1', port: n.port })) }, prefix: 'dashboard', durability: { replicas: 1, timeoutMs: 500 }, retention: { maxAgeMs: 1800000, maxEvents: 100000 }, limits: { eventMaxBytes: 16384, idempotencyTtlS: 86400 }, logger: logger as never })
  broker.setConsumer(m => log('msg', m.id))
  broker.start()
  const pub = async (n: number) => { try { const r = await broker.publishBatch('alerts', [JSON.stringify({ level: 'info', message: `m${n}` })], { idempotencyKey: `k${n}`, waitMs: 2000 }); log('pub ok', n, r.ids) } catch (e) { log('pub fail', n, String(e)) } }
  for (let i = 0; i < 20 && broker.state() !== 'ready'; i++) await new Promise(r => setTimeout(r, 200))
  await pub(1)
  const owner = await t.ownerOf('{dashboard}:log')
  log('kill'); await owner.kill()
  for (let i = 0; i < 12; i++) { log('state', broker.state()); await pub(2); await new Promise(r => setTimeout(r, 500)) }
  log('restart'); await owner.start()
  for (let i = 0; i < 12; i++) { log('state', broker.state()); await pub(3 + i); await new Promise(r => setTimeout(r, 500)) }
  await broker.close(); await t.stop()
}, 120000)
