import { describe, expect, it } from 'vitest'
import { matches, snippet, type SnippetPart } from './snippet'

// A snippet written out with its marks in brackets.
const show = (parts: SnippetPart[]): string => parts.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('')

describe('search snippets', () => {
  it('marks each term, whatever its case, and leaves a short text whole', () => {
    expect(show(snippet('Deploy on FRIDAY, then deploy again', ['deploy', 'friday']))).toBe(
      '[Deploy] on [FRIDAY], then [deploy] again',
    )
  })

  it('finds Chinese, Japanese and Korean inside a run of characters', () => {
    expect(show(snippet('我们明天部署新版本', ['部署']))).toBe('我们明天[部署]新版本')
    expect(show(snippet('今日は東京で会議があります', ['東京で会']))).toBe('今日は[東京で会]議があります')
    expect(show(snippet('내일 배포합니다', ['배포합']))).toBe('내일 [배포합]니다')
  })

  it('marks a term of one or two characters at the start of a word only', () => {
    expect(show(snippet('go going ago', ['go']))).toBe('[go] [go]ing ago')
    // Anywhere when the query has a longer term too, or when it is Chinese, Japanese or Korean.
    expect(show(snippet('ago going', ['go', 'ing']))).toBe('a[go] [going]')
    expect(show(snippet('我住在日本东京', ['日本']))).toBe('我住在[日本]东京')
    // Nowhere at a word's start: marked where it is (the server matched it some way).
    expect(show(snippet('ago', ['go']))).toBe('a[go]')
  })

  it('marks a quoted phrase as one, and merges terms that overlap', () => {
    expect(show(snippet('we deploy\n friday  night', ['deploy friday']))).toBe('we [deploy friday] night')
    expect(show(snippet('alphabet', ['alpha', 'phabet']))).toBe('[alphabet]')
  })

  it('cuts a long text around the first match, between words, with ellipses', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`)
    words[50] = 'needle'
    const parts = snippet(words.join(' '), ['needle'])
    const text = show(parts)
    expect(text).toMatch(/^…word\d+ /) // whole words at both ends
    expect(text).toMatch(/ word\d+…$/)
    expect(text).toContain('[needle]')
    expect(text.length).toBeLessThanOrEqual(160 + 2 + 2)
    expect(text.indexOf('[needle]')).toBeLessThan(60) // the match comes early, with some context
  })

  it('starts at the beginning when nothing matches, and at the end when the match is there', () => {
    const long = 'a'.repeat(100) + ' ' + 'b'.repeat(100) + ' tail'
    expect(show(snippet(long, ['zzz'])).startsWith('aaaa')).toBe(true)
    const end = show(snippet(long, ['tail']))
    expect(end.endsWith('[tail]')).toBe(true)
    expect(end.startsWith('…')).toBe(true)
  })

  it('never cuts an emoji or a surrogate pair in half', () => {
    const family = '👨‍👩‍👧'
    for (let pad = 0; pad < 12; pad++) {
      const text = 'x'.repeat(pad) + `${family}🎉`.repeat(60) + ' needle ' + '😀'.repeat(80)
      const parts = snippet(text, ['needle'], 40)
      const joined = parts.map((p) => p.text).join('')
      // No lone surrogate, and every family emoji is whole.
      expect(joined).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
      expect(joined.replaceAll(family, '')).not.toMatch(/\u200d/)
      expect(show(parts)).toContain('[needle]')
    }
  })

  it('maps matches back through folds that change the length', () => {
    // `İ` lower-cases to two units; the mark still covers the right characters.
    expect(show(snippet('İstanbul trip', ['trip']))).toBe('İstanbul [trip]')
    expect(matches('ΟΔΟΣ οδος', ['οδος'])).toEqual([
      [0, 4],
      [5, 9],
    ])
  })
})
