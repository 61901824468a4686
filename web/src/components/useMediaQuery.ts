// A reactive `matchMedia`: true while the query matches; the listener goes with the component.
import { onScopeDispose, ref, type Ref } from 'vue'

// Below this width the chat is one column: rooms in a drawer, members and threads over the room.
export const phoneQuery = '(max-width: 40rem)'

// Without matchMedia (jsdom, in the append benchmark), nothing matches.
export function useMediaQuery(query: string): Ref<boolean> {
  if (typeof window.matchMedia !== 'function') return ref(false)
  const list = window.matchMedia(query)
  const matches = ref(list.matches)
  const update = (e: MediaQueryListEvent): void => {
    matches.value = e.matches
  }
  list.addEventListener('change', update)
  onScopeDispose(() => list.removeEventListener('change', update))
  return matches
}
