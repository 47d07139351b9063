/** Liveness: the process serves requests. Says nothing about Redis on purpose. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { status: 'ok' }
})
