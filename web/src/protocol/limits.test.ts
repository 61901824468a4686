import { describe, expect, it } from 'vitest'
import { FRAME_MAX_BYTES, frameBytes, utf8Bytes } from './limits'

describe('utf8Bytes', () => {
  it('counts the bytes TextEncoder makes', () => {
    for (const s of ['', 'plain', 'café', '日本語', '👍🏽 ok', 'a\u{10FFFF}b']) {
      expect(utf8Bytes(s)).toBe(new TextEncoder().encode(s).length)
    }
  })

  it('counts a lone surrogate as the three bytes of U+FFFD it is sent as', () => {
    expect(utf8Bytes('a\ud800b')).toBe(new TextEncoder().encode('a\ud800b').length)
  })
})

describe('frameBytes', () => {
  it('measures the command as sent, escapes included', () => {
    const text = '"'.repeat(FRAME_MAX_BYTES / 2) // each quote goes out as two bytes
    expect(frameBytes({ type: 'post', cid: 'c', room: 1, text })).toBeGreaterThan(FRAME_MAX_BYTES)
  })
})
