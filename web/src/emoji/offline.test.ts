import { describe, expect, it } from 'vitest'
import { isEmojiPicture, keepsEmojiPicture } from './offline'
import { emojiFile } from './images'

const origin = 'https://chat.example'
const get = (path: string) => ({ method: 'GET', url: `${origin}${path}` })

describe('emoji pictures offline', () => {
  it('keeps the files emoji/images.ts names, and nothing else', () => {
    expect(isEmojiPicture(get(emojiFile('🎉')), origin)).toBe(true)
    expect(isEmojiPicture(get(emojiFile('👨‍👩‍👧')), origin)).toBe(true)
    expect(isEmojiPicture(get(emojiFile('👍🏽')), origin)).toBe(true)
    expect(isEmojiPicture(get('/emoji/1f389.svg?x=1'), origin)).toBe(false)
    expect(isEmojiPicture(get('/emoji/../api/me'), origin)).toBe(false)
    expect(isEmojiPicture(get('/api/files/1'), origin)).toBe(false)
    expect(isEmojiPicture({ method: 'POST', url: `${origin}/emoji/1f389.svg` }, origin)).toBe(false)
    expect(isEmojiPicture({ method: 'GET', url: 'https://other.example/emoji/1f389.svg' }, origin)).toBe(
      false,
    )
  })

  it('stores only whole same-origin answers', () => {
    expect(keepsEmojiPicture({ status: 200, type: 'basic' })).toBe(true)
    expect(keepsEmojiPicture({ status: 404, type: 'basic' })).toBe(false)
    expect(keepsEmojiPicture({ status: 200, type: 'opaque' })).toBe(false)
  })
})
