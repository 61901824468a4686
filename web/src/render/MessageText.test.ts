// @vitest-environment jsdom
// jsdom, not happy-dom, for anything security-related (docs: STACK-NOTES.md).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import MessageText from './MessageText.vue'

type Props = { text: string; me?: string; members?: ReadonlySet<string>; embeds?: boolean }

const mounted: { unmount(): void }[] = []
function render(props: Props) {
  const wrapper = mount(MessageText, { props })
  mounted.push(wrapper)
  return wrapper
}
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
  vi.restoreAllMocks()
})

describe('MessageText: hostile input', () => {
  it('shows a script tag as text and creates no script element', () => {
    const w = render({ text: '<script>alert(1)</script>' })
    expect(w.text()).toBe('<script>alert(1)</script>')
    expect(w.find('script').exists()).toBe(false)
    expect(w.element.querySelectorAll('script')).toHaveLength(0)
  })

  it('shows an img with onerror as text and creates no img', () => {
    const w = render({ text: '<img src=x onerror=alert(1)>', embeds: true })
    expect(w.text()).toBe('<img src=x onerror=alert(1)>')
    expect(w.find('img').exists()).toBe(false)
    expect(w.element.querySelector('[onerror]')).toBeNull()
  })

  it('keeps HTML as text inside formatting, quotes and mentions too', () => {
    const w = render({ text: '**<b>x</b>** _<i>y</i>_\n> <svg onload=alert(1)>' })
    expect(w.find('b').exists()).toBe(false)
    expect(w.find('i').exists()).toBe(false)
    expect(w.find('svg').exists()).toBe(false)
    expect(w.find('strong').text()).toBe('<b>x</b>')
    expect(w.find('blockquote').text()).toBe('<svg onload=alert(1)>')
  })

  it.each(['javascript:alert(1)', '[x](javascript:alert(1))', 'JaVaScRiPt:alert(1)', 'data:text/html,hi'])(
    'does not make a link of %s',
    (text) => {
      const w = render({ text })
      expect(w.find('a').exists()).toBe(false)
      expect(w.text()).toBe(text)
    },
  )

  it('makes no link of a URL with direction overrides, and isolates the message', () => {
    const text = 'https://example.org/\u202egnp.exe'
    const w = render({ text })
    expect(w.find('a').exists()).toBe(false)
    expect(w.text()).toBe(text)
    expect(w.attributes('dir')).toBe('auto')
    expect(w.classes()).toContain('message-text')
  })
})

describe('MessageText: links', () => {
  it('opens links in a new tab without opener or referrer', () => {
    const w = render({ text: 'see https://example.org/a?b=1.' })
    const a = w.get('a')
    expect(a.attributes('href')).toBe('https://example.org/a?b=1')
    expect(a.attributes('rel')).toBe('noopener noreferrer')
    expect(a.attributes('target')).toBe('_blank')
    expect(a.text()).toBe('https://example.org/a?b=1')
    expect(w.text()).toBe('see https://example.org/a?b=1.')
  })

  it('shows where a link with a look-alike host really goes', () => {
    const w = render({ text: 'https://y\u043eutube.com/watch?v=dQw4w9WgXcQ', embeds: true })
    expect(w.get('a').text()).toBe('https://xn--yutube-wqf.com/watch?v=dQw4w9WgXcQ')
    expect(w.get('a').attributes('href')).toBe('https://xn--yutube-wqf.com/watch?v=dQw4w9WgXcQ')
    expect(w.find('iframe').exists()).toBe(false)
  })

  it('makes no link or embed of a URL with userinfo', () => {
    const text = 'https://www.youtube.com@evil.example/watch?v=dQw4w9WgXcQ'
    const w = render({ text, embeds: true })
    expect(w.find('a').exists()).toBe(false)
    expect(w.find('iframe').exists()).toBe(false)
    expect(w.text()).toBe(text)
  })
})

describe('MessageText: formatting', () => {
  it('renders bold, italic, strike and inline code', () => {
    const w = render({ text: '**b** *i* _u_ ~~s~~ `**c**`' })
    expect(w.get('strong').text()).toBe('b')
    expect(w.findAll('em').map((e) => e.text())).toEqual(['i', 'u'])
    expect(w.get('s').text()).toBe('s')
    expect(w.get('p > code').text()).toBe('**c**')
    expect(w.findAll('strong')).toHaveLength(1)
  })

  it('keeps line breaks and splits paragraphs', () => {
    const w = render({ text: 'one\ntwo\n\nthree' })
    const ps = w.findAll('p')
    expect(ps).toHaveLength(2)
    expect(ps[0]?.findAll('br')).toHaveLength(1)
    expect(ps[0]?.element.childNodes).toHaveLength(3)
    expect(ps[1]?.text()).toBe('three')
  })

  it('renders quotes', () => {
    const w = render({ text: '> quoted *line*\n> second\nreply' })
    const q = w.get('blockquote')
    expect(q.text()).toBe('quoted linesecond')
    expect(q.find('em').text()).toBe('line')
    expect(q.findAll('br')).toHaveLength(1)
    expect(w.get('p').text()).toBe('reply')
  })

  it('shows at most 8 combining marks on a letter', () => {
    const w = render({ text: `Z${'\u0301'.repeat(50_000)}algo` })
    expect(w.text()).toBe(`Z${'\u0301'.repeat(8)}algo`)
  })

  it('renders 10,000 nested markers quickly and shallowly', () => {
    const start = performance.now()
    const w = render({ text: `${'*'.repeat(5_000)}x${'*'.repeat(5_000)}` })
    expect(performance.now() - start).toBeLessThan(1_000)
    expect(w.findAll('strong').length + w.findAll('em').length).toBeLessThanOrEqual(8)
    expect(w.text()).toContain('x')
  })
})

describe('MessageText: mentions', () => {
  it('marks mentions of others and of the reader', () => {
    const w = render({
      text: 'hi @bob and @Alice, mail bob@example.org',
      me: 'alice',
      members: new Set(['alice', 'bob']),
    })
    const mentions = w.findAll('span.mention')
    expect(mentions.map((m) => m.text())).toEqual(['@bob', '@Alice'])
    expect(mentions.map((m) => m.classes().includes('self'))).toEqual([false, true])
    expect(w.text()).toContain('bob@example.org')
  })
})

describe('MessageText: code blocks', () => {
  it('highlights a known language once highlight.js has loaded, as spans of text', async () => {
    const w = render({ text: '```js\nconst x = "<b>hi</b>" // <img src=x onerror=alert(1)>\n```' })
    const code = w.get('pre > code')
    expect(code.classes()).toEqual(expect.arrayContaining(['hljs', 'language-javascript']))
    expect(code.text()).toBe('const x = "<b>hi</b>" // <img src=x onerror=alert(1)>')
    await vi.waitFor(() => expect(w.find('.hljs-keyword').exists()).toBe(true), { timeout: 5_000 })
    expect(w.get('.hljs-keyword').text()).toBe('const')
    expect(w.get('.hljs-string').text()).toBe('"<b>hi</b>"')
    expect(w.get('.hljs-comment').text()).toBe('// <img src=x onerror=alert(1)>')
    expect(code.text()).toBe('const x = "<b>hi</b>" // <img src=x onerror=alert(1)>')
    expect(w.find('b').exists()).toBe(false)
    expect(w.find('img').exists()).toBe(false)
    for (const el of code.element.querySelectorAll('*')) {
      expect(el.tagName).toBe('SPAN')
      expect(el.getAttributeNames()).toEqual(['class'])
    }
  })

  it('keeps code with an unknown language or none plain', async () => {
    const w = render({ text: '```brainfuck\n+++<b>.\n```\n```\nplain <b>\n```' })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
    const codes = w.findAll('pre > code')
    expect(codes.map((c) => c.text())).toEqual(['+++<b>.', 'plain <b>'])
    expect(codes[0]?.classes()).toContain('language-brainfuck')
    expect(w.find('pre span').exists()).toBe(false)
    expect(w.find('b').exists()).toBe(false)
  })

  it('copies the code with the Copy button', async () => {
    const writeText = vi.fn(() => Promise.resolve())
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = render({ text: '```\nmake test\n```' })
    const button = w.get('button[aria-label="Copy code"]')
    expect(button.text()).toBe('Copy')
    await button.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith('make test')
    expect(button.text()).toBe('Copied')
  })

  it('says so when the clipboard is not available', async () => {
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })
    const w = render({ text: '```\nx\n```' })
    await w.get('button').trigger('click')
    await flushPromises()
    expect(w.get('button').text()).toBe('Copy failed')
  })
})

describe('MessageText: embeds', () => {
  const video = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'

  it('shows only the link when embeds are off', () => {
    const w = render({ text: `${video}\nhttps://x.org/cat.png` })
    expect(w.find('iframe').exists()).toBe(false)
    expect(w.find('img').exists()).toBe(false)
    expect(w.findAll('a')).toHaveLength(2)
  })

  it('embeds a YouTube-only message as a play button, then a sandboxed, privacy-enhanced frame', async () => {
    const w = render({ text: video, embeds: true })
    // Nothing from YouTube loads until the reader asks for the video.
    expect(w.find('iframe').exists()).toBe(false)
    await w.get('button[aria-label="Play YouTube video"]').trigger('click')
    const frame = w.get('iframe')
    expect(frame.attributes()).toMatchObject({
      src: 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1',
      title: 'YouTube video',
      referrerpolicy: 'strict-origin-when-cross-origin',
      sandbox: 'allow-scripts allow-same-origin allow-presentation',
    })
    // Playing at once is what the click asked for; nothing else is delegated to the frame.
    expect(frame.attributes('allow')).not.toMatch(/camera|microphone|geolocation/)
    expect(w.get('a').attributes('href')).toBe(video)
  })

  it('does not embed a YouTube link inside other text', () => {
    const w = render({ text: `watch ${video}`, embeds: true })
    expect(w.find('iframe').exists()).toBe(false)
  })

  it('shows links to this server’s files as lazy images, and never other servers’ files', () => {
    const own = `${window.location.origin}/api/files/7`
    const w = render({ text: `look ${own}`, embeds: true })
    expect(w.get('img').attributes()).toMatchObject({ src: own, alt: '', loading: 'lazy' })
    const other = render({ text: 'look https://x.org/api/files/7', embeds: true })
    expect(other.find('img').exists()).toBe(false)
  })

  it('does not load other URLs of this server as images, whatever they end in', () => {
    const origin = window.location.origin
    const w = render({ text: `${origin}/cat.png ${origin}/api/account/delete?x=.gif`, embeds: true })
    expect(w.find('img').exists()).toBe(false)
    expect(w.findAll('a')).toHaveLength(2)
  })

  it('drops the image of a linked file that is not a picture, keeping the link', async () => {
    const w = render({ text: `${window.location.origin}/api/files/8`, embeds: true })
    await w.get('img').trigger('error')
    expect(w.find('img').exists()).toBe(false)
    expect(w.find('a').exists()).toBe(true)
  })
})
