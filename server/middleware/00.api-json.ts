import { isApiPath, routePath } from '../core/auth/paths'

const MACHINE_PATHS = [/^\/metrics$/, /^\/health(?:\/|$)/]

/**
 * API, health and metrics errors are JSON for every client. Nuxt renders an
 * HTML error page (through the app, whose page guard redirects to /login)
 * for any request it does not recognise as asking for JSON, which includes
 * requests without an `Accept` header to `/api` or `/metrics`. Saying here
 * that the client accepts JSON is what Nuxt's error handler looks at.
 */
export default defineEventHandler((event) => {
  const path = routePath(event.path)
  if (!isApiPath(path) && !MACHINE_PATHS.some(pattern => pattern.test(path))) return
  event.node.req.headers.accept = 'application/json'
})
