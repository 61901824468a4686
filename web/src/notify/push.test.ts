// The service worker's reading of a push: payload → notification, and when nothing is shown.
import { describe, expect, it } from 'vitest'
import {
  APP_ICON,
  notificationFor,
  openRequest,
  parsePushPayload,
  seenInWindow,
  windowFor,
  type PushPayload,
  type WindowView,
} from './push'

// As the server sends it (docs/api.md, "Web Push").
const mention = JSON.stringify({
  type: 'message',
  room: 7,
  id: 42,
  title: 'alice in #lunch',
  body: '@bob lunch?',
  url: '/room/7',
  tag: 'room-7',
})
const parsed = (text: string): PushPayload => {
  const p = parsePushPayload(text)
  if (!p) throw new Error('not parsed')
  return p
}

describe('a push payload becomes a notification', () => {
  it('shows the title, body, app icon and room tag, and keeps the address for a click', () => {
    const { title, options } = notificationFor(parsed(mention))
    expect(title).toBe('alice in #lunch')
    expect(options).toEqual({
      body: '@bob lunch?',
      icon: APP_ICON,
      badge: APP_ICON,
      tag: 'room-7',
      data: { url: '/room/7', room: 7, type: 'message' },
    })
  })

  it('rings again for a call (renotify), not for a message', () => {
    const call = parsed(mention.replace('"message"', '"call"'))
    expect(notificationFor(call).options).toMatchObject({ renotify: true, tag: 'room-7' })
    expect(notificationFor(parsed(mention)).options).not.toHaveProperty('renotify')
  })

  it('reads the test notification, which has no room', () => {
    const test = parsed(
      JSON.stringify({
        type: 'test',
        title: 'Parley',
        body: 'Notifications work on this device',
        url: '/',
        tag: 'test',
      }),
    )
    expect(test).toEqual({
      type: 'test',
      room: null,
      id: null,
      title: 'Parley',
      body: 'Notifications work on this device',
      url: '/',
      tag: 'test',
    })
  })

  it('fills a missing address and tag from the room', () => {
    const p = parsed(JSON.stringify({ type: 'message', room: 3, title: 'x' }))
    expect(p).toMatchObject({ url: '/room/3', tag: 'room-3', body: '' })
  })

  it('drops what is not ours, and never sends a click to another site', () => {
    for (const bad of [null, '', 'not json', '[]', '{"type":"spam","title":"x"}', '{"type":"message"}'])
      expect(parsePushPayload(bad)).toBeNull()
    for (const url of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)'])
      expect(parsed(JSON.stringify({ type: 'message', room: 1, title: 'x', url })).url).toBe('/')
  })
})

describe('nothing is shown while that room is in front of the user', () => {
  const win = (url: string, focused = true, visibilityState: DocumentVisibilityState = 'visible') => ({
    url: `https://chat.example${url}`,
    focused,
    visibilityState,
  })

  it('skips a push for the room a focused, visible window shows', () => {
    expect(seenInWindow(parsed(mention), [win('/room/7')])).toBe(true)
  })

  it('shows it when that window is in the background, hidden, or on another room', () => {
    const p = parsed(mention)
    expect(seenInWindow(p, [win('/room/7', false)])).toBe(false)
    expect(seenInWindow(p, [win('/room/7', true, 'hidden')])).toBe(false)
    expect(seenInWindow(p, [win('/room/8'), win('/room/70')])).toBe(false)
    expect(seenInWindow(p, [])).toBe(false)
  })

  it('always shows a test notification', () => {
    const test = parsed(JSON.stringify({ type: 'test', title: 'Parley', url: '/' }))
    expect(seenInWindow(test, [win('/')])).toBe(false)
  })
})

describe('a click brings the right window forward', () => {
  const windows: WindowView[] = [
    { url: 'https://chat.example/settings', focused: false, visibilityState: 'hidden' },
    { url: 'https://chat.example/room/3', focused: true, visibilityState: 'visible' },
    { url: 'https://chat.example/room/7?x=1', focused: false, visibilityState: 'hidden' },
  ]
  it('prefers a window on that room, then the focused one, then any; none opens a new one', () => {
    expect(windowFor('/room/7', windows)).toBe(windows[2])
    expect(windowFor('/room/9', windows)).toBe(windows[1])
    expect(windowFor('/room/9', [windows[0]!])).toBe(windows[0])
    expect(windowFor('/room/9', [])).toBeNull()
  })

  it('the page follows only its own kind of message, to an address of the app', () => {
    expect(openRequest({ type: 'parley:open', url: '/room/7' })).toBe('/room/7')
    expect(openRequest({ type: 'parley:open', url: 'https://evil.example/' })).toBeNull()
    expect(openRequest({ type: 'other', url: '/room/7' })).toBeNull()
    expect(openRequest('parley:open')).toBeNull()
  })
})
