// The chat's global shortcuts: Ctrl+K (⌘K on a Mac) opens the quick switcher, Ctrl+Shift+F (⌘⇧F)
// the message search. Named the platform's way in titles and hints.
const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent)

const primary = (e: KeyboardEvent): boolean => (mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey)

export function isSwitcherKey(e: KeyboardEvent): boolean {
  return primary(e) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'k'
}

export function isSearchKey(e: KeyboardEvent): boolean {
  return primary(e) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'f'
}

export const switcherKeyLabel = mac ? '⌘K' : 'Ctrl+K'
export const searchKeyLabel = mac ? '⌘⇧F' : 'Ctrl+Shift+F'
// For aria-keyshortcuts.
export const switcherKeys = mac ? 'Meta+K' : 'Control+K'
export const searchKeys = mac ? 'Meta+Shift+F' : 'Control+Shift+F'
