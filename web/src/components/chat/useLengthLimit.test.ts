import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { MESSAGE_MAX_BYTES } from '../../protocol/limits'
import { lengthNote, useLengthLimit } from './useLengthLimit'

describe('the length of a message being written', () => {
  it('says nothing while far from the limit, counts near it, refuses past it', () => {
    expect(lengthNote(100)).toEqual({ tooLarge: false, note: null })
    expect(lengthNote(MESSAGE_MAX_BYTES)).toEqual({ tooLarge: false, note: '16,384 of 16,384 bytes' })
    expect(lengthNote(MESSAGE_MAX_BYTES + 1)).toEqual({
      tooLarge: true,
      note: 'Too long to send: 16,385 of 16,384 bytes. Shorten it, or share it as a file.',
    })
  })

  it('counts bytes of UTF-8 after trimming, not characters', () => {
    const text = ref(` ${'ü'.repeat(MESSAGE_MAX_BYTES / 2)}  `)
    const limit = useLengthLimit(text, () => true)
    expect(limit.tooLarge.value).toBe(false)
    text.value += 'ü'
    expect(limit.tooLarge.value).toBe(true)
  })

  it('refuses a text whose command would not fit in a frame', () => {
    const limit = useLengthLimit(ref('short'), () => false)
    expect(limit.tooLarge.value).toBe(true)
  })
})
