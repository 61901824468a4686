// The typed wire contract: the only place in the client that knows frame shapes (docs/protocol.md).

export interface HelloFrame {
  type: 'hello'
  server: string
  version: string
}

export interface ErrorFrame {
  type: 'error'
  code: string
  message: string
}

export type ServerFrame = HelloFrame | ErrorFrame

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// Decodes one text frame from the server; returns null for anything that is not a known frame.
export function decodeServerFrame(text: string): ServerFrame | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (!isRecord(v)) return null
  switch (v.type) {
    case 'hello':
      if (typeof v.server === 'string' && typeof v.version === 'string') {
        return { type: 'hello', server: v.server, version: v.version }
      }
      return null
    case 'error':
      if (typeof v.code === 'string' && typeof v.message === 'string') {
        return { type: 'error', code: v.code, message: v.message }
      }
      return null
    default:
      return null
  }
}
