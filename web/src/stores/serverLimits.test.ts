// @vitest-environment jsdom
// A server started with other limits says them in `hello`, and the client follows them: the
// composer's length, the largest frame, the largest file; a server that does not say gets the
// defaults.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { decodeServerFrame, type HelloFrame, type ServerLimits } from '../protocol/frames'
import { DEFAULT_LIMITS } from '../protocol/limits'
import { lengthNote } from '../components/chat/useLengthLimit'
import { TOO_LARGE, useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { adoptLimits, serverLimits } from './serverLimits'
import { useUploadsStore } from './uploads'

const hello = (limits?: ServerLimits): HelloFrame => ({
  type: 'hello',
  server: 'parley',
  version: 'test',
  user: { id: 1, username: 'ann', display_name: 'Ann' },
  rooms: [],
  ...(limits ? { limits } : {}),
})

describe('the limits a server says', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })
  afterEach(() => adoptLimits(undefined))

  it('size the composer and the frames from hello on, and go back to the defaults unsaid', () => {
    const chat = useChatStore()
    expect(chat.fits(3, 'x'.repeat(16 * 1024))).toBe(true)
    chat.handle(hello({ message_bytes: 1000, frame_bytes: 100_000, upload_bytes: 5000 }))
    expect(chat.fits(3, 'x'.repeat(1000))).toBe(true)
    expect(chat.fits(3, 'x'.repeat(1001))).toBe(false)
    expect(lengthNote(900)).toEqual({ tooLarge: false, note: '900 of 1,000 bytes' })
    expect(lengthNote(1001).tooLarge).toBe(true)

    chat.handle(hello({ message_bytes: 60_000, frame_bytes: 10_000, upload_bytes: 5000 }))
    expect(chat.fits(3, 'x'.repeat(20_000))).toBe(false) // within the text's limit, not a frame's

    chat.handle(hello())
    expect({ ...serverLimits }).toEqual(DEFAULT_LIMITS)
  })

  it('keep a message queued before the hello, and larger than the server says it takes, from being sent', () => {
    const send = vi.spyOn(useConnectionStore(), 'send').mockReturnValue(false) // offline
    const chat = useChatStore()
    chat.post(3, 'x'.repeat(2000)) // within the defaults
    chat.post(3, 'short')
    send.mockReturnValue(true)
    chat.handle(hello({ message_bytes: 1000, frame_bytes: 65536, upload_bytes: 5000 }))
    expect(chat.outbox.map((e) => e.failed ?? 'queued')).toEqual([TOO_LARGE(), 'queued'])
    const postsAfter = send.mock.calls.slice(2).flatMap(([c]) => (c.type === 'post' ? [c.text] : []))
    expect(postsAfter).toEqual(['short'])
  })

  it('keep a file larger than the server takes out of the tray, and say so', () => {
    useChatStore().handle(hello({ message_bytes: 1000, frame_bytes: 65536, upload_bytes: 2048 }))
    const uploads = useUploadsStore()
    const small = new File(['x'.repeat(2048)], 'small.txt', { type: 'text/plain' })
    const big = new File(['x'.repeat(2049)], 'big.txt', { type: 'text/plain' })
    uploads.pick(3, [big, small])
    expect(uploads.picked.get(3)?.map((p) => p.name)).toEqual(['small.txt'])
    expect(uploads.notice.get(3)).toBe('“big.txt” is larger than this server takes (2.0 KB).')
  })

  it('are refused when they are not sizes', () => {
    const frame = (limits: unknown) => decodeServerFrame(JSON.stringify({ ...hello(), limits }))
    expect(frame({ message_bytes: 1, frame_bytes: 2, upload_bytes: 3 })).not.toBeNull()
    expect(frame({ message_bytes: 0, frame_bytes: 2, upload_bytes: 3 })).toBeNull()
    expect(frame({ message_bytes: 1.5, frame_bytes: 2, upload_bytes: 3 })).toBeNull()
    expect(frame({ message_bytes: 1, frame_bytes: 2 })).toBeNull()
    expect(frame('large')).toBeNull()
  })
})
