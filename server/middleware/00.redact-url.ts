import { redactUrl } from '../core/auth/redact'

/**
 * First of all: take credentials (`?token=`, `?ticket=`) out of the URL that
 * error bodies and Nitro's error log print (`originalUrl`). The routes still
 * read the query they were given; nothing else ever sees the secret.
 */
export default defineEventHandler((event) => {
  const req = event.node.req
  const url = req.originalUrl ?? req.url
  if (url?.includes('?')) req.originalUrl = redactUrl(url)
})
