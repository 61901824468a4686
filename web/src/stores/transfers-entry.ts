// The first screen's part of direct transfers: a transfer's frames, or a "Send directly" button,
// load the rest (stores/transfers.ts and components/transfer/) on first use; frames that come
// meanwhile wait here, in order.
import { shallowRef } from 'vue'
import type { ServerFrame } from '../protocol/frames'

export interface Recipient {
  id: number
  username: string
}
export const transfersUi = shallowRef<{ room: number; to: Recipient[] } | null | false>(false)

let handler: ((f: ServerFrame) => void) | null = null
const waiting: ServerFrame[] = []

export function transferFrame(f: ServerFrame): void {
  if (handler) return handler(f)
  if (!f.type.startsWith('transfer_')) return
  waiting.push(f)
  transfersUi.value ||= null
}

export function handleTransfers(h: (f: ServerFrame) => void): void {
  handler = h
  for (const f of waiting.splice(0)) h(f)
}

// Opens the "send a file directly" dialog for these people.
export function sendDirectly(room: number, to: Recipient[]): void {
  transfersUi.value = { room, to }
}
