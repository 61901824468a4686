// What the server takes (docs/protocol.md, "Transport rules" and `hello`). `hello` says the limits
// a server was started with (stores/serverLimits.ts holds them); until one came, and from a server
// that does not say, the client assumes the defaults below. A server that takes less refuses the
// difference (an error frame, or a close 1009 the outbox handles: stores/chat.ts).
import { encodeCommand, type ClientCommand, type ServerLimits } from './frames'

// --message-max-bytes: a message's text, in bytes of UTF-8 after trimming.
export const MESSAGE_MAX_BYTES = 16 * 1024
// --ws-max-message-bytes: one WebSocket message; the server closes the socket (1009) past it.
export const FRAME_MAX_BYTES = 64 * 1024
// --upload-max-bytes: one file.
export const UPLOAD_MAX_BYTES = 100 * 1024 * 1024

export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  message_bytes: MESSAGE_MAX_BYTES,
  frame_bytes: FRAME_MAX_BYTES,
  upload_bytes: UPLOAD_MAX_BYTES,
}

// The length of a string in UTF-8, without encoding it.
export function utf8Bytes(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4 // a surrogate pair: one code point of four bytes
        i++
      } else n += 3
    } else n += 3 // a lone surrogate goes out as U+FFFD, three bytes
  }
  return n
}

// The size of a command on the wire.
export function frameBytes(command: ClientCommand): number {
  return utf8Bytes(encodeCommand(command))
}
