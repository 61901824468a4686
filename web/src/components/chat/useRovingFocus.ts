// One tab stop for a whole list (the ARIA "roving tabindex"): only the active item is in the tab
// order, and what is inside it only while focus is in it (so Shift+Tab from below lands on the item,
// and Tab from the item enters it); Up and Down, Home and End move between items. Without it every
// message's buttons and links were tab stops, 148 of them for 24 messages before the composer.
// Items and their insides change as messages come and go, so the tab stops follow the list's DOM.
import { onBeforeUnmount, onMounted, type Ref } from 'vue'

const FOCUSABLE =
  'a[href], button, input, select, textarea, audio[controls], video[controls], [contenteditable="true"], [tabindex]'
const SAVED = 'rovingTabindex' // data-roving-tabindex: an inner element's own tabindex, '' for none

// Puts `active` (or else the last item) in the tab order, its insides too when `open`, and every
// other item with its insides out.
export function applyRoving(
  items: readonly HTMLElement[],
  active: HTMLElement | null,
  open = false,
): HTMLElement | null {
  const current = active && items.includes(active) ? active : (items.at(-1) ?? null)
  for (const item of items) {
    item.tabIndex = item === current ? 0 : -1
    const on = item === current && open
    for (const el of item.querySelectorAll<HTMLElement>(FOCUSABLE)) {
      const saved = el.dataset[SAVED]
      if (on && saved !== undefined) {
        if (saved === '') el.removeAttribute('tabindex')
        else el.setAttribute('tabindex', saved)
        delete el.dataset[SAVED]
      } else if (!on && saved === undefined) {
        el.dataset[SAVED] = el.getAttribute('tabindex') ?? ''
        el.tabIndex = -1
      }
    }
  }
  return current
}

// The next item for a key, or undefined when the key is not one of the list's.
export function itemForKey(items: readonly HTMLElement[], at: number, key: string): HTMLElement | undefined {
  if (key === 'ArrowUp') return items[Math.max(0, at - 1)]
  if (key === 'ArrowDown') return items[Math.min(items.length - 1, at + 1)]
  if (key === 'Home') return items[0]
  if (key === 'End') return items.at(-1)
  return undefined
}

export function useRovingFocus(root: Ref<HTMLElement | null>, selector: string) {
  // The item the user last focused; until then (or once it is gone) the newest holds the stop.
  let chosen: HTMLElement | null = null
  let active: HTMLElement | null = null
  let inside = false // focus is in the active item
  let queued = false
  const items = () => [...(root.value?.querySelectorAll<HTMLElement>(selector) ?? [])]
  const sync = () => {
    queued = false
    active = applyRoving(items(), chosen, inside)
    if (active !== chosen) chosen = null
  }
  const soon = () => {
    if (queued) return
    queued = true
    queueMicrotask(sync)
  }
  // Only the list's children are watched: the tabindex changes made here do not call it again.
  const observer = new MutationObserver(soon)

  function onFocusIn(e: FocusEvent): void {
    const item = (e.target as HTMLElement).closest<HTMLElement>(selector)
    if (!item || !root.value?.contains(item) || (item === chosen && inside)) return
    chosen = item
    inside = true
    sync()
  }

  function onFocusOut(e: FocusEvent): void {
    const next = e.relatedTarget as Node | null
    if (next && active?.contains(next)) return
    inside = false // to another item (its focusin follows), or out of the list
    sync()
  }

  function onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement
    if (!target.matches(selector)) return
    const all = items()
    const next = itemForKey(all, all.indexOf(target), e.key)
    if (!next) return
    e.preventDefault()
    next.focus()
  }

  // Focus to the item that holds the tab stop (from the list itself, or after a jump).
  function focusActive(): void {
    sync()
    active?.focus()
  }

  onMounted(() => {
    const el = root.value
    if (!el) return
    observer.observe(el, { childList: true, subtree: true })
    el.addEventListener('focusin', onFocusIn)
    el.addEventListener('focusout', onFocusOut)
    el.addEventListener('keydown', onKey)
    sync()
  })
  onBeforeUnmount(() => {
    observer.disconnect()
    root.value?.removeEventListener('focusin', onFocusIn)
    root.value?.removeEventListener('focusout', onFocusOut)
    root.value?.removeEventListener('keydown', onKey)
  })
  return { focusActive }
}
