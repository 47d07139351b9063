/** Publish → receive delays in µs, in a growable typed array (cheap to send over IPC). */
export class LatencyRecorder {
  enabled = false
  #values = new Float64Array(1 << 16)
  #length = 0

  record(us) {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2)
      grown.set(this.#values)
      this.#values = grown
    }
    this.#values[this.#length++] = us
  }

  clear() {
    this.#length = 0
  }

  samples() {
    return this.#values.slice(0, this.#length)
  }
}
