// Connection state as the interface shows it: online, connecting, or offline until the next retry.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { Connection, socketUrl, type ConnectionState } from '../connection/socket'
import type { ServerFrame } from '../protocol/frames'

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<ConnectionState>('connecting')
  const serverVersion = ref<string | null>(null)
  const retryAt = ref<number | null>(null)
  const lastError = ref<string | null>(null)
  let connection: Connection | null = null

  function handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        serverVersion.value = frame.version
        break
      case 'pong':
        break
      case 'error':
        lastError.value = frame.message
        break
      default: {
        const unhandled: never = frame
        throw new Error(`unhandled frame ${JSON.stringify(unhandled)}`)
      }
    }
  }

  function connect(url = socketUrl(window.location)): void {
    if (connection) return
    connection = new Connection(url, {
      onState(next, retryInMs) {
        state.value = next
        retryAt.value = retryInMs === undefined ? null : Date.now() + retryInMs
      },
      onFrame: handleFrame,
    })
    connection.start()
  }

  function disconnect(): void {
    connection?.stop()
    connection = null
  }

  return { state, serverVersion, retryAt, lastError, connect, disconnect, handleFrame }
})
