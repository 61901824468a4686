// Types of push-service.mjs, for the TypeScript end-to-end specs that use it.
import type { IncomingHttpHeaders } from 'node:http'

export interface PushDevice {
  endpoint: string
  keys: { p256dh: string; auth: string }
  received: { headers: IncomingHttpHeaders; body: Buffer }[]
  next(): Promise<{ headers: IncomingHttpHeaders; body: Buffer }>
  open(body: Buffer): Buffer
  decrypt(body: Buffer): unknown
}

export interface PushService {
  origin: string
  close(): void
  device(name: string, status?: number): PushDevice
}

export function startPushService(): Promise<PushService>
export function checkVapid(headers: IncomingHttpHeaders, serverKey: string, origin: string): void
