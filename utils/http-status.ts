/** The HTTP status of a failed `$fetch` (ofetch's FetchError), if it has one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: number, status?: number, response?: { status?: number } }
  return e?.statusCode ?? e?.status ?? e?.response?.status
}
