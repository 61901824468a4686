// What two tabs say to each other over a direct transfer's data channels: file bytes as binary
// messages (an 8-byte offset, then the bytes), and control messages as JSON text on a channel of
// their own. Offsets make the order of arrival free, so bytes can go over several channels at once.

export const HEADER_BYTES = 8

export function encodeChunk(offset: number, bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(HEADER_BYTES + bytes.length)
  new DataView(out.buffer).setFloat64(0, offset) // exact for every offset up to 2^53
  out.set(bytes, HEADER_BYTES)
  return out.buffer
}

export function decodeChunk(message: ArrayBuffer): { offset: number; bytes: Uint8Array } | null {
  if (message.byteLength < HEADER_BYTES) return null
  const offset = new DataView(message).getFloat64(0)
  if (!Number.isSafeInteger(offset) || offset < 0) return null
  return { offset, bytes: new Uint8Array(message, HEADER_BYTES) }
}

export type Control =
  // sender → receiver, once its channels of a new connection are open: say from where
  | { t: 'ready' }
  // receiver → sender, when its control channel opens and in answer to every `ready`: send from
  // this offset (0, or where a cut left it). The sender takes the first of a connection.
  | { t: 'hello'; offset: number }
  // receiver → sender: the bytes up to here are on disk (the sender's window moves on)
  | { t: 'ack'; offset: number }
  // sender → receiver: every byte went out; the file's SHA-256 (hex)
  | { t: 'end'; sha256: string }
  // receiver → sender: the digest matched (the file is saved) or not (it was thrown away)
  | { t: 'result'; ok: boolean }
  | { t: 'cancel' }

const isOffset = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

export function parseControl(text: string): Control | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  switch (o.t) {
    case 'hello':
    case 'ack':
      return isOffset(o.offset) ? { t: o.t, offset: o.offset } : null
    case 'end':
      return typeof o.sha256 === 'string' && /^[0-9a-f]{64}$/.test(o.sha256)
        ? { t: 'end', sha256: o.sha256 }
        : null
    case 'result':
      return typeof o.ok === 'boolean' ? { t: 'result', ok: o.ok } : null
    case 'ready':
    case 'cancel':
      return { t: o.t }
    default:
      return null
  }
}
