import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { chooseEncoding } from '../../server/core/answers/encoding'
import { SharedAnswers } from '../../server/core/answers/shared-answers'

describe('chooseEncoding', () => {
  it('prefers brotli, honours q-values and ignores what it cannot read', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br')
    expect(chooseEncoding('gzip, deflate')).toBe('gzip')
    expect(chooseEncoding('br;q=0.5, gzip')).toBe('gzip')
    expect(chooseEncoding('br;q=0, gzip;q=0')).toBeNull()
    expect(chooseEncoding('identity')).toBeNull()
    expect(chooseEncoding('*')).toBe('br')
    expect(chooseEncoding(undefined)).toBeNull()
    // Pages are compressed per request: gzip, cheaper, unless the client prefers brotli.
    expect(chooseEncoding('gzip, deflate, br, zstd', 'page')).toBe('gzip')
    expect(chooseEncoding('br, gzip;q=0.5', 'page')).toBe('br')
    for (const bad of ['%%%', ';;;q=', 'br;q=abc', 'gzip;q=2', 'x'.repeat(5000), '\u0000br']) expect(() => chooseEncoding(bad)).not.toThrow()
  })
})

describe('SharedAnswers', () => {
  it('computes once for concurrent and same-second requests, again after the time to live', async () => {
    let clock = 0
    const counts = { computed: 0, shared: 0 }
    const answers = new SharedAnswers(counts, 32, () => clock)
    let runs = 0
    const compute = async () => {
      runs++
      await new Promise(resolve => setTimeout(resolve, 10))
      return { runs }
    }
    const [a, b, c] = await Promise.all([answers.get('k', 1000, compute), answers.get('k', 1000, compute), answers.get('k', 1000, compute)])
    expect(a).toBe(b)
    expect(b).toBe(c)
    clock += 999
    expect(await answers.get('k', 1000, compute)).toBe(a)
    expect(counts).toEqual({ computed: 1, shared: 3 })
    clock += 2
    expect(JSON.parse((await answers.get('k', 1000, compute)).bytes.toString())).toEqual({ runs: 2 })
    expect(JSON.parse((await answers.get('other', 1000, compute)).bytes.toString())).toEqual({ runs: 3 })
    expect(counts).toEqual({ computed: 3, shared: 3 })
  })

  it('compresses each coding once and forgets failures', async () => {
    const answers = new SharedAnswers({ computed: 0, shared: 0 })
    const answer = await answers.get('k', 1000, () => ({ hello: 'world'.repeat(100) }))
    const br = await answer.body('br')
    expect(await answer.body('br')).toBe(br)
    expect(JSON.parse(brotliDecompressSync(br).toString()).hello).toHaveLength(500)
    expect(JSON.parse(gunzipSync(await answer.body('gzip')).toString()).hello).toHaveLength(500)
    await expect(answers.get('bad', 1000, () => Promise.reject(new Error('down')))).rejects.toThrow('down')
    expect(await (await answers.get('bad', 1000, () => 1)).body(null)).toEqual(Buffer.from('1'))
  })

  it('holds a bounded number of keys', async () => {
    const counts = { computed: 0, shared: 0 }
    const answers = new SharedAnswers(counts, 2)
    for (const key of ['a', 'b', 'c', 'c', 'b', 'a']) await answers.get(key, 60_000, () => key)
    // 'a' was dropped to make room for 'c', so it is computed again.
    expect(counts).toEqual({ computed: 4, shared: 2 })
  })
})
