import { describe, expect, it } from 'vitest'
import type { ChatEvent, RoomSummary } from '../protocol/frames'
import { decide } from './notifier'

const room = (over: Partial<RoomSummary> = {}): RoomSummary => ({
  id: 1,
  kind: 'channel',
  name: 'general',
  topic: '',
  last_seq: 1,
  read_seq: 0,
  delivered_seq: 0,
  unread: 0,
  mentions: 0,
  role: 'member',
  members: 50,
  peer: null,
  notify: true,
  volume: 50,
  muted: false,
  hidden: false,
  last_at: 0,
  group: null,
  ...over,
})
const msg = (user: number, mentions: number[] = []): ChatEvent => ({
  seq: 2,
  kind: 'message',
  at: 1,
  user,
  username: 'x',
  id: 9,
  text: 'hi',
  mentions,
})
const settings = { sound: true, volume: 80, desktop: true }

describe('decide', () => {
  it('never for my own messages or in muted rooms', () => {
    expect(decide(msg(7), room(), 7, settings, true, true)).toEqual({ sound: 0, desktop: false })
    expect(decide(msg(8), room({ muted: true }), 7, settings, true, true)).toEqual({
      sound: 0,
      desktop: false,
    })
  })

  it('scales the sound by the account and room volumes', () => {
    expect(decide(msg(8), room(), 7, settings, false, true).sound).toBeCloseTo(0.4)
    expect(decide(msg(8), room(), 7, { ...settings, sound: false }, false, true).sound).toBe(0)
  })

  it('shows a desktop notification only when hidden, allowed, and personal enough', () => {
    expect(decide(msg(8), room(), 7, settings, true, true).desktop).toBe(false) // a big channel
    expect(decide(msg(8, [7]), room(), 7, settings, true, true).desktop).toBe(true) // a mention
    expect(decide(msg(8), room({ kind: 'direct', members: 2 }), 7, settings, true, true).desktop).toBe(true)
    expect(decide(msg(8, [7]), room(), 7, settings, false, true).desktop).toBe(false) // visible
    expect(decide(msg(8, [7]), room(), 7, settings, true, false).desktop).toBe(false) // not allowed
  })
})

describe('showDesktop', () => {
  it("uses the sender's avatar as the icon when known", async () => {
    const { showDesktop } = await import('./notifier')
    const made: { title: string; options: NotificationOptions }[] = []
    class FakeNotification {
      onclick: (() => void) | null = null
      constructor(title: string, options: NotificationOptions) {
        made.push({ title, options })
      }
      close(): void {}
    }
    const original = globalThis.Notification
    globalThis.Notification = FakeNotification as unknown as typeof Notification
    try {
      showDesktop('bob in general', 'hi', () => undefined, '/api/avatars/b.webp')
      showDesktop('eve in general', 'hi', () => undefined, null)
    } finally {
      globalThis.Notification = original
    }
    expect(made[0]?.options.icon).toBe('/api/avatars/b.webp')
    expect(made[1]?.options).not.toHaveProperty('icon')
  })
})
