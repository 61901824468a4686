// Asking for the painter from anywhere in the chat (a message's menu, the image viewer, the composer,
// its tray). Tiny on purpose: it is on the first screen; the painter itself loads when asked for.
import { shallowRef } from 'vue'

export interface PainterRequest {
  room: number
  source?: Blob | string // a picture, or the address of a message's picture; none: a blank page
  name?: string // the source's file name
  trayKey?: number // a file of the composer's tray, replaced by what is sent
}

export const painterRequest = shallowRef<PainterRequest | null>(null)

export function openPainter(request: PainterRequest): void {
  painterRequest.value = request
}
