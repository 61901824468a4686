// The tab's one socket as the rest of the app sees it: its state (online, connecting, offline until
// the next retry), commands sent with a cid whose answer comes back as a promise, and every frame
// handed on to the chat store.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { Connection, socketUrl, type ConnectionState } from '../connection/socket'
import { encodeCommand, type ClientCommand, type ErrorFrame, type ServerFrame } from '../protocol/frames'
import { frameBytes } from '../protocol/limits'
import { serverLimits } from './serverLimits'
import { t } from '../i18n'

// A command the server refused: its error frame.
export class CommandError extends Error {
  constructor(readonly frame: ErrorFrame) {
    super(frame.message)
  }
}

export function newCid(): string {
  return crypto.randomUUID()
}

type Listener = (frame: ServerFrame) => void
type RefusedListener = (cid: string) => void

// Whether the server can take a command at all: a larger one would close the socket (1009).
export function fitsFrame(command: ClientCommand): boolean {
  return frameBytes(command) <= serverLimits.frame_bytes
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
export type Command = DistributiveOmit<ClientCommand, 'cid'>

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<ConnectionState>('connecting')
  const serverVersion = ref<string | null>(null)
  const retryAt = ref<number | null>(null)
  const lastError = ref<string | null>(null)
  // What the browser says of its network: the status says "no network" rather than a countdown.
  const network = ref(navigator.onLine)
  window.addEventListener('online', () => (network.value = true))
  window.addEventListener('offline', () => (network.value = false))
  let connection: Connection | null = null
  const listeners = new Set<Listener>()
  const refusedListeners = new Set<RefusedListener>()
  const waiting = new Map<string, { resolve(f: ServerFrame): void; reject(e: Error): void }>()
  let signedOutHandler: (() => void) | null = null

  function handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        serverVersion.value = frame.version
        break
      case 'error':
        if (!frame.cid) lastError.value = frame.message
        break
      default:
        break
    }
    if ('cid' in frame && frame.cid) {
      const w = waiting.get(frame.cid)
      if (w) {
        waiting.delete(frame.cid)
        if (frame.type === 'error') {
          w.reject(new CommandError(frame))
        } else {
          w.resolve(frame)
        }
      }
    }
    for (const l of listeners) l(frame)
  }

  function onFrame(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  // Called with the cid of a command the server refused by closing the socket (too large).
  function onRefused(listener: RefusedListener): () => void {
    refusedListeners.add(listener)
    return () => refusedListeners.delete(listener)
  }

  function tooLarge(text: string): void {
    let cid: unknown
    try {
      cid = (JSON.parse(text) as { cid?: unknown }).cid
    } catch {
      return
    }
    if (typeof cid === 'string') for (const l of refusedListeners) l(cid)
  }

  function onSignedOut(handler: () => void): void {
    signedOutHandler = handler
  }

  // Sends a command as it is (the caller chose its cid, e.g. an outbox entry); false when offline.
  function send(command: ClientCommand): boolean {
    return connection?.send(encodeCommand(command)) ?? false
  }

  // Sends a command with a fresh cid and resolves with the frame that answers it.
  function request(command: Command, cid = newCid()): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      if (!fitsFrame({ ...command, cid } as ClientCommand)) {
        reject(new Error(t('errors.tooLargeToSend')))
        return
      }
      waiting.set(cid, { resolve, reject })
      if (!send({ ...command, cid } as ClientCommand)) {
        waiting.delete(cid)
        reject(new Error(t('errors.notConnected')))
      }
    })
  }

  function failWaiting(): void {
    for (const w of waiting.values()) w.reject(new Error(t('errors.connectionLost')))
    waiting.clear()
  }

  function connect(url = socketUrl(window.location)): void {
    if (connection) return
    connection = new Connection(url, {
      onState(next, retryInMs) {
        state.value = next
        retryAt.value = retryInMs === undefined ? null : Date.now() + retryInMs
        if (next !== 'online') failWaiting()
      },
      onFrame: handleFrame,
      onTooLarge: tooLarge,
      onSignedOut() {
        connection = null
        signedOutHandler?.()
      },
    })
    connection.start()
  }

  function disconnect(): void {
    connection?.stop()
    connection = null
    failWaiting()
  }

  return {
    state,
    serverVersion,
    retryAt,
    lastError,
    network,
    connect,
    disconnect,
    handleFrame,
    onFrame,
    onRefused,
    handleTooLarge: tooLarge,
    onSignedOut,
    send,
    request,
  }
})
