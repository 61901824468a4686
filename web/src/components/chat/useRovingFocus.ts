// One tab stop for a whole list (the ARIA "roving tabindex"): only the active item is in the tab
// order, and what is inside it only while focus is in it (so Shift+Tab from below lands on the item,
// and Tab from the item enters it); Up and Down, Home and End move between items. Without it every
// message's buttons and links were tab stops, 148 of them for 24 messages before the composer.
// Items and their insides change as messages come and go, so the tab stops follow the list's DOM.
import { onBeforeUnmount, onMounted, type Ref } from 'vue'

const FOCUSABLE =
  'a[href], button, input, select, textarea, audio[controls], video[controls], [contenteditable="true"], [tabindex]'
const SAVED = 'rovingTabindex' // data-roving-tabindex: an inner element's own tabindex, '' for none

// One item: in the tab order or not, its insides too while `on`.
function setItem(item: HTMLElement, current: boolean, on: boolean): void {
  item.tabIndex = current ? 0 : -1
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

// The next item for a key, or undefined when the key is not one of the list's.
export function itemForKey(items: readonly HTMLElement[], at: number, key: string): HTMLElement | undefined {
  if (key === 'ArrowUp') return items[Math.max(0, at - 1)]
  if (key === 'ArrowDown') return items[Math.min(items.length - 1, at + 1)]
  if (key === 'Home') return items[0]
  if (key === 'End') return items.at(-1)
  return undefined
}

// The last element under `el` that matches, in document order, found from the end (an item's
// insides come after it): the newest message, without going through the whole list.
function lastMatch(el: Element, selector: string): HTMLElement | null {
  for (let c = el.lastElementChild; c; c = c.previousElementSibling) {
    const inner = lastMatch(c, selector)
    if (inner) return inner
    if (c instanceof HTMLElement && c.matches(selector)) return c
  }
  return null
}

export function useRovingFocus(root: Ref<HTMLElement | null>, selector: string) {
  // The item the user last focused; until then (or once it is gone) the newest holds the stop.
  let chosen: HTMLElement | null = null
  let active: HTMLElement | null = null
  let inside = false // focus is in the active item
  let queued = false
  // Items added or changed since the last sync: only they, the item that had the stop and the one
  // that gets it are gone through again (going through all made each new message cost as much as
  // the whole window of 300: the append benchmark went from 4 to 50 ms in jsdom).
  const dirty = new Set<HTMLElement>()
  const items = () => [...(root.value?.querySelectorAll<HTMLElement>(selector) ?? [])]
  const sync = () => {
    queued = false
    const list = root.value
    const held = chosen && list?.contains(chosen) && chosen.matches(selector)
    const current = held ? chosen : list ? lastMatch(list, selector) : null
    for (const item of new Set([...dirty, active, current])) {
      if (item?.isConnected) setItem(item, item === current, item === current && inside)
    }
    dirty.clear()
    active = current
    if (active !== chosen) chosen = null
  }
  const soon = () => {
    if (queued) return
    queued = true
    queueMicrotask(sync)
  }
  // The item a change happened in, or the items it added. Only the list's children are watched:
  // the tabindex changes made here do not call it again.
  const observer = new MutationObserver((records) => {
    const list = root.value
    for (const r of records) {
      const at = r.target instanceof HTMLElement ? r.target : r.target.parentElement
      const item = at?.closest<HTMLElement>(selector)
      if (item && item !== list && list?.contains(item)) dirty.add(item)
      for (const n of r.addedNodes) {
        if (!(n instanceof HTMLElement)) continue
        if (n.matches(selector)) dirty.add(n)
        for (const i of n.querySelectorAll<HTMLElement>(selector)) dirty.add(i)
      }
    }
    soon()
  })

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
    for (const item of items()) dirty.add(item)
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
