import { getCookie, getRequestHeader, setResponseHeader, setResponseHeaders } from 'h3'
import type { H3Event } from 'h3'
import { useSecurity } from '../core/auth/security'
import { routePath } from '../core/auth/paths'
import { chooseEncoding } from '../core/answers/encoding'
import type { SharedPage } from '../core/answers/shared-pages'
import { useReadPath } from '../core/history/read-path'

/** The dashboard; the sign-in page is cheap and not worth sharing. */
const SHARED_PATH = '/'
/** Longer URLs are rendered for their request alone. */
const MAX_URL_LENGTH = 512

/**
 * Everybody opening the dashboard in the same second gets one render
 * (`SharedPages`): the page depends only on its URL, the theme cookie and
 * whether the viewer is signed in, so those make the key. Not in
 * development, where pages are rebuilt as files change.
 */
export default defineEventHandler(async (event) => {
  if (import.meta.dev || event.method !== 'GET' || routePath(event.path) !== SHARED_PATH) return
  if (event.path.length > MAX_URL_LENGTH) return
  const { sessions } = useSecurity()
  const signedIn = sessions ? await sessions.isSignedIn(event) : false
  const theme = getCookie(event, 'pulseboard-theme') === 'light' ? 'light' : 'dark'
  const key = `${signedIn ? 'signed-in' : 'anonymous'} ${theme} ${event.path}`
  const { pages } = useReadPath()
  const shared = pages.lookup(key)
  if (shared) {
    const page = await shared
    // The render it waited for could not be shared (not a 200): render this one too.
    if (page) return sendSharedPage(event, page)
    return
  }
  const claim = pages.claim(key)
  event.context.pageClaim = claim
  // A request that ends without a rendered page (client gone, error) releases the waiters.
  event.node.res.on('close', () => claim.settle(null))
})

async function sendSharedPage(event: H3Event, page: SharedPage): Promise<Buffer> {
  const coding = chooseEncoding(getRequestHeader(event, 'accept-encoding'))
  const body = await page.answer.body(coding)
  setResponseHeaders(event, page.headers)
  setResponseHeader(event, 'vary', 'Accept-Encoding')
  setResponseHeader(event, 'content-length', body.length)
  if (coding) setResponseHeader(event, 'content-encoding', coding)
  return body
}
