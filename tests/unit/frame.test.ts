import { createParser } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { encodeComment, encodeFrame, encodeHeartbeat, encodeRetry } from '../../server/core/sse/frame'

function parse(wire: string) {
  const events: { id?: string, event?: string, data: string }[] = []
  const comments: string[] = []
  let retry: number | undefined
  const parser = createParser({
    onEvent: e => events.push({ id: e.id, event: e.event, data: e.data }),
    onComment: c => comments.push(c),
    onRetry: (ms) => {
      retry = ms
    },
  })
  parser.feed(wire)
  return { events, comments, retry }
}

describe('SSE frame encoding', () => {
  it('writes id, event and data lines and ends with a blank line', () => {
    expect(encodeFrame({ id: '5-0', event: 'alert', data: '{"a":1}' })).toBe('id: 5-0\nevent: alert\ndata: {"a":1}\n\n')
  })

  it.each([
    ['LF', 'a\nb'],
    ['CRLF', 'a\r\nb'],
    ['CR', 'a\rb'],
    ['blank lines', 'a\n\n\nb'],
    ['an injected event', 'x\n\nevent: alert\ndata: forged\nid: 999-0\n\n'],
    ['a trailing line break', 'end\n'],
  ])('keeps data with %s as one event, unchanged but for line endings', (_name, data) => {
    const { events } = parse(encodeFrame({ id: '1-0', event: 'log', data }))
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ id: '1-0', event: 'log', data: data.replace(/\r\n|\r/g, '\n') })
  })

  it('strips line breaks and NUL from id and event names so they cannot start new fields', () => {
    const wire = encodeFrame({ id: '1-0\n\nevent: x', event: 'alert\r\ndata: forged', data: 'ok' })
    const { events } = parse(wire)
    expect(events).toEqual([{ id: '1-0event: x', event: 'alertdata: forged', data: 'ok' }])
    expect(encodeFrame({ id: 'a\0b', data: '' })).toBe('id: ab\ndata: \n\n')
  })

  it('encodes comments, retry hints and the heartbeat', () => {
    const { events, comments, retry } = parse(encodeRetry(2500.7) + encodeComment('two\nlines') + encodeHeartbeat(42))
    expect(retry).toBe(2500)
    expect(comments).toEqual(['two', 'lines', 'heartbeat'])
    expect(events).toEqual([{ id: undefined, event: 'heartbeat', data: '42' }])
  })
})
