const CRLF = Buffer.from('\r\n')

/** `bytes` as one HTTP/1.1 chunk (RFC 9112, 7.1): size in hex, CRLF, data, CRLF. */
export function encodeChunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF])
}

/**
 * An SSE frame as it goes on the wire, encoded once and shared by every
 * client: the frame's bytes, and, built on first use, the same bytes as one
 * HTTP/1.1 chunk. Connections write that chunk straight to the socket, which
 * skips what `res.write()` does per call and per client (a size string, two
 * CRLFs and a cork, four buffers in the writev).
 */
export class WireFrame {
  private chunk: Buffer | null = null

  constructor(readonly bytes: Buffer) {}

  static of(text: string): WireFrame {
    return new WireFrame(Buffer.from(text))
  }

  get byteLength(): number {
    return this.bytes.length
  }

  /** The bytes for a response with chunked transfer encoding (HTTP/1.1) or without (HTTP/1.0). */
  wire(chunked: boolean): Buffer {
    if (!chunked) return this.bytes
    return this.chunk ??= encodeChunk(this.bytes)
  }
}
