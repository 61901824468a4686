// @vitest-environment jsdom
// The server notice: decoded from hello and the pushed frame, replaced, cleared, and dismissed until
// a newer one comes.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { decodeServerFrame, type ServerFrame } from '../protocol/frames'
import { useConnectionStore } from './connection'
import { reduceNotice, useNoticeStore } from './notice'

const hello = (notice?: unknown) =>
  JSON.stringify({
    type: 'hello',
    server: 'parley',
    version: '1',
    user: { id: 1, username: 'a', display_name: '' },
    rooms: [],
    ...(notice === undefined ? {} : { notice }),
  })
const frame = (text: string): ServerFrame => {
  const f = decodeServerFrame(text)
  if (!f) throw new Error(`not decoded: ${text}`)
  return f
}

describe('notice frames', () => {
  it('decodes a hello with and without a notice', () => {
    expect(frame(hello({ text: 'Maintenance at 6', at: 5 }))).toMatchObject({
      notice: { text: 'Maintenance at 6', at: 5 },
    })
    expect(frame(hello(null))).not.toHaveProperty('notice')
    expect(frame(hello())).not.toHaveProperty('notice')
    expect(decodeServerFrame(hello({ text: 1, at: 5 }))).toBeNull()
  })

  it('decodes the pushed frame, set and cleared', () => {
    expect(frame('{"type":"notice","text":"Hi","at":7}')).toEqual({ type: 'notice', text: 'Hi', at: 7 })
    expect(frame('{"type":"notice","text":null}')).toEqual({ type: 'notice', text: null, at: null })
    expect(decodeServerFrame('{"type":"notice"}')).toBeNull()
    expect(decodeServerFrame('{"type":"notice","text":"x","at":"now"}')).toBeNull()
  })
})

describe('reduceNotice', () => {
  const a = { text: 'A', at: 1 }
  it('takes the whole state from hello', () => {
    expect(reduceNotice(null, frame(hello(a)))).toEqual(a)
    expect(reduceNotice(a, frame(hello()))).toBeNull()
  })
  it('replaces and clears on a pushed frame, ignores other frames', () => {
    expect(reduceNotice(a, frame('{"type":"notice","text":"B","at":2}'))).toEqual({ text: 'B', at: 2 })
    expect(reduceNotice(a, frame('{"type":"notice","text":null}'))).toBeNull()
    expect(reduceNotice(a, { type: 'pong' })).toBe(a)
  })
})

describe('notice store', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('shows the current notice until dismissed, and a newer one again', () => {
    const connection = useConnectionStore()
    const notices = useNoticeStore()
    connection.handleFrame(frame(hello({ text: 'A', at: 1 })))
    expect(notices.shown?.text).toBe('A')
    notices.dismiss()
    expect(notices.shown).toBeNull()
    connection.handleFrame(frame(hello({ text: 'A', at: 1 }))) // a reconnect: still dismissed
    expect(notices.shown).toBeNull()
    connection.handleFrame(frame('{"type":"notice","text":"B","at":2}'))
    expect(notices.shown?.text).toBe('B')
    connection.handleFrame(frame('{"type":"notice","text":null}'))
    expect(notices.shown).toBeNull()
  })

  it('remembers a dismissal across page loads', () => {
    useNoticeStore()
    useConnectionStore().handleFrame(frame(hello({ text: 'A', at: 1 })))
    useNoticeStore().dismiss()
    setActivePinia(createPinia())
    const notices = useNoticeStore()
    useConnectionStore().handleFrame(frame(hello({ text: 'A', at: 1 })))
    expect(notices.notice?.text).toBe('A')
    expect(notices.shown).toBeNull()
  })
})
