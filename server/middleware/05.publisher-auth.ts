import { usePulse } from '../core/pulse'
import { isIngestPath, routePath } from '../core/auth/paths'
import { requireBearer } from '../core/auth/secret-guard'

/**
 * The publisher token of `POST /api/ingest/:channel`, checked against the
 * address's failure budget before the route reads a byte of the body
 * (429 once spent). With no token set the route answers 403 itself.
 */
export default defineEventHandler((event) => {
  if (event.method !== 'POST' || !isIngestPath(routePath(event.path))) return
  const { publishToken } = usePulse().config
  if (!publishToken) return
  requireBearer(event, 'publish', publishToken, 'publisher token')
})
