// A component loaded on first use, for UI that most sessions never show (calls): far smaller on the
// first screen than defineAsyncComponent, which brings loading/error/timeout machinery along.
import { defineComponent, h, shallowRef, type Component } from 'vue'

export function lazy(load: () => Promise<{ default: Component }>): Component {
  let loaded: Component | null = null
  return defineComponent({
    inheritAttrs: false,
    setup(_, { attrs }) {
      const c = shallowRef(loaded)
      if (!loaded) {
        load()
          .then((m) => (c.value = loaded = m.default))
          .catch((e: unknown) => console.warn('could not load a component (offline?)', e))
      }
      return () => (c.value ? h(c.value, attrs) : null)
    },
  })
}
