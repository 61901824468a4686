// What a page's offline copy of the chat holds, for specs that stop the server and reload.
import type { Page } from '@playwright/test'

export // Whether the offline copy of the chat (IndexedDB, web/src/stores/cache.ts) holds `text` yet.
function chatCacheHolds(page: Page, text: string): Promise<boolean> {
  return page.evaluate(async (text) => {
    const db = await new Promise<IDBDatabase | null>((ok) => {
      const open = indexedDB.open('parley')
      open.onupgradeneeded = () => open.transaction?.abort() // not made yet: leave that to the app
      open.onsuccess = () => ok(open.result)
      open.onerror = () => ok(null)
    })
    if (!db) return false
    try {
      if (!db.objectStoreNames.contains('cache')) return false
      const all = await new Promise<unknown[]>((ok, fail) => {
        const get = db.transaction('cache').objectStore('cache').getAll()
        get.onsuccess = () => ok(get.result)
        get.onerror = () => fail(get.error)
      })
      return JSON.stringify(all).includes(text)
    } finally {
      db.close()
    }
  }, text)
}
