import { describe, expect, it } from 'vitest'
import { emojiFile, onlyEmoji, splitEmoji } from './images'

describe('emojiFile', () => {
  it('names a single emoji by its code point', () => {
    expect(emojiFile('😀')).toBe('/emoji/1f600.svg')
  })
  it('drops the variation selector', () => {
    expect(emojiFile('❤️')).toBe('/emoji/2764.svg')
    expect(emojiFile('1️⃣')).toBe('/emoji/31-20e3.svg')
  })
  it('keeps skin tones and ZWJ sequences whole', () => {
    expect(emojiFile('👍🏽')).toBe('/emoji/1f44d-1f3fd.svg')
    expect(emojiFile('👨‍👩‍👧')).toBe('/emoji/1f468-200d-1f469-200d-1f467.svg')
    expect(emojiFile('🏳️‍🌈')).toBe('/emoji/1f3f3-200d-1f308.svg')
    expect(emojiFile('🧑🏿‍💻')).toBe('/emoji/1f9d1-1f3ff-200d-1f4bb.svg')
  })
  it('names a flag by its two regional indicators', () => {
    expect(emojiFile('🇩🇪')).toBe('/emoji/1f1e9-1f1ea.svg')
  })
})

describe('splitEmoji', () => {
  it('cuts text into runs and emoji, losing nothing', () => {
    const text = 'Hi 👋 all 👍🏽👨‍👩‍👧, from 🇩🇪 with ❤️!'
    const parts = splitEmoji(text)
    expect(parts.map((p) => (typeof p === 'string' ? p : p.emoji)).join('')).toBe(text)
    expect(parts.filter((p) => typeof p !== 'string').map((p) => (p as { emoji: string }).emoji)).toEqual([
      '👋',
      '👍🏽',
      '👨‍👩‍👧',
      '🇩🇪',
      '❤️',
    ])
  })
  it('leaves text-style symbols and digits as text', () => {
    expect(splitEmoji('© 2024 ™ #1 ❤')).toEqual(['© 2024 ™ #1 ❤'])
  })
  it('returns plain text untouched', () => {
    expect(splitEmoji('no emoji here')).toEqual(['no emoji here'])
    expect(splitEmoji('')).toEqual([])
  })
})

describe('onlyEmoji', () => {
  it('is true for a few emoji and spaces only', () => {
    expect(onlyEmoji('😂😂')).toBe(true)
    expect(onlyEmoji(' 👍🏽 ')).toBe(true)
    expect(onlyEmoji('😂 ok')).toBe(false)
    expect(onlyEmoji('😂😂😂😂')).toBe(false)
    expect(onlyEmoji('')).toBe(false)
  })
})

describe('the pictures the build copies', () => {
  it('include one for every emoji the picker offers', async () => {
    const { readdirSync } = await import('node:fs')
    const { createRequire } = await import('node:module')
    const { dirname, join } = await import('node:path')
    const dir = join(
      dirname(createRequire(import.meta.url).resolve('@discordapp/twemoji/package.json')),
      'dist/svg',
    )
    // As vite.config.ts names them in dist/emoji/.
    const served = new Set(readdirSync(dir).map((n) => `/emoji/${n.replace(/-fe0f/g, '')}`))
    const { emoji } = await import('./data')
    const missing = emoji.map((e) => e.char).filter((c) => !served.has(emojiFile(c)))
    expect(missing).toEqual([])
    for (const c of ['👍🏽', '👨‍👩‍👧', '🏳️‍🌈', '🇩🇪', '1️⃣', '❤️']) expect(served.has(emojiFile(c))).toBe(true)
  })
})
