// Direct transfers as the app sees them: every transfer of this tab, sent or received, and what a
// user does with them. The transfers themselves are rtc/transfer.ts. Loaded on first use (see
// transfers-entry.ts), with the transfer UI.
import { defineStore } from 'pinia'
import { computed, markRaw, shallowReactive, watch } from 'vue'
import type { ServerFrame } from '../protocol/frames'
import { IncomingTransfer, OutgoingTransfer, FINAL, type TransferDeps } from '../rtc/transfer'
import { pickTarget } from '../rtc/transfer-sink'
import { useChatStore } from './chat'
import { useConnectionStore } from './connection'
import { handleTransfers, type Recipient } from './transfers-entry'

type AnyTransfer = OutgoingTransfer | IncomingTransfer

export const useTransfersStore = defineStore('transfers', () => {
  const connection = useConnectionStore()
  const chat = useChatStore()
  const all = shallowReactive(new Map<string, AnyTransfer>())
  const list = computed(() => [...all.values()].map((t) => t.view))
  const offers = computed(() => list.value.filter((v) => v.direction === 'receive' && v.state === 'offered'))

  const deps = (): TransferDeps => ({ send: connection.send, request: connection.request })

  // One offer per receiver of the same file.
  function send(file: File, room: number, to: Recipient[]): void {
    for (const user of to) {
      const t = markRaw(new OutgoingTransfer(file, room, user, deps()))
      all.set(t.id, t)
      void t.offer()
    }
  }

  // In the click on "Accept": the save picker (where there is one) needs the click.
  async function accept(id: string): Promise<void> {
    const t = all.get(id)
    if (!(t instanceof IncomingTransfer)) return
    let target
    try {
      target = await pickTarget(t.view.name)
    } catch {
      return // the picker was closed: the offer stays
    }
    await t.accept(target)
  }

  function decline(id: string): void {
    const t = all.get(id)
    if (t instanceof IncomingTransfer) t.decline()
  }

  function cancel(id: string): void {
    all.get(id)?.cancel()
  }

  function dismiss(id: string): void {
    const t = all.get(id)
    if (t && FINAL.has(t.view.state)) all.delete(id)
  }

  function handle(f: ServerFrame): void {
    switch (f.type) {
      case 'transfer_offer':
        if (!all.has(f.id)) all.set(f.id, markRaw(new IncomingTransfer(f, deps())))
        return
      case 'transfer_answer': {
        const t = all.get(f.id)
        if (t instanceof OutgoingTransfer) t.onAnswer(f.accept)
        return
      }
      case 'transfer_signal':
        all.get(f.id)?.onSignal(f.data)
        return
      case 'transfer_closed':
        all.get(f.id)?.onClosed(f.reason)
        return
      case 'hello':
        for (const t of all.values()) void t.resume()
        return
      default:
        return
    }
  }

  // Another user signed in (or nobody): this tab's transfers end.
  watch(
    () => chat.me?.id,
    () => {
      for (const t of all.values()) t.cancel()
      all.clear()
    },
  )
  handleTransfers(handle)

  return { list, offers, send, accept, decline, cancel, dismiss }
})
