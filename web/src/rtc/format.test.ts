import { describe, expect, it } from 'vitest'
import type { ChatEvent } from '../protocol/frames'
import { callText, formatDuration } from './format'

const event = (over: Partial<ChatEvent>): ChatEvent => ({
  seq: 5,
  kind: 'call',
  at: 0,
  user: 1,
  username: 'alice',
  ...over,
})

describe('formatDuration', () => {
  it.each([
    [0, '0:00'],
    [999, '0:00'],
    [61_000, '1:01'],
    [65_400, '1:05'],
    [600_000, '10:00'],
    [3_599_999, '59:59'],
    [3_600_000, '1:00:00'],
    [3_723_000, '1:02:03'],
    [-5, '0:00'],
  ])('%i ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text))
})

describe('callText', () => {
  it('words each outcome of a call', () => {
    expect(callText(event({ call: 'started', video: false, duration: null }))).toBe('Call started')
    expect(callText(event({ call: 'started', video: true, duration: null }))).toBe('Video call started')
    expect(callText(event({ call: 'missed', video: true, duration: null }))).toBe('Missed call')
    expect(callText(event({ call: 'declined', video: false, duration: null }))).toBe('Call declined')
    expect(callText(event({ call: 'ended', video: true, duration: 65_000 }))).toBe('Call ended · 1:05')
    expect(callText(event({ call: 'ended', video: false, duration: null }))).toBe('Call ended')
  })
})
