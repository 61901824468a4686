// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref, type Ref, type VNode } from 'vue'
import { mount } from '@vue/test-utils'
import { itemForKey, useRovingFocus } from './useRovingFocus'

const INSIDE =
  '<p>m <a href="#x">link</a></p><button>React</button><button>Reply</button><span tabindex="0">x</span>'

function list(n: number): HTMLElement {
  const ol = document.createElement('ol')
  for (let i = 0; i < n; i++) {
    const li = document.createElement('li')
    li.className = 'message'
    li.innerHTML = INSIDE
    ol.append(li)
  }
  return ol
}
// A list of `count` messages made by `item`, under the composable.
function mounted(count: Ref<number>, item: (i: number) => VNode) {
  const Host = defineComponent(() => {
    const root = ref<HTMLElement | null>(null)
    useRovingFocus(root, 'li.message')
    return () =>
      h(
        'ol',
        { ref: root },
        Array.from({ length: count.value }, (_, i) => item(i)),
      )
  })
  const w = mount(Host, { attachTo: document.body })
  const root = w.element as HTMLElement
  return { w, root, items: () => [...root.querySelectorAll<HTMLElement>('li')] }
}
// Messages with links, buttons and an element of its own tabindex.
const rich = (i: number) => h('li', { class: 'message', key: i, innerHTML: INSIDE })
const stops = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>('*')].filter((e) => e.tabIndex >= 0)

describe('roving focus over the messages', () => {
  it('leaves one message in the tab order, the newest by default, and its insides while focus is in it', () => {
    const { w, root, items: all } = mounted(ref(24), rich)
    const items = all()
    expect(stops(root)).toEqual([items[23]])
    items[23]!.focus()
    expect(stops(root)).toEqual([items[23], ...items[23]!.querySelectorAll<HTMLElement>('a, button, span')])
    w.unmount()
  })

  it('gives the inner elements their own tabindex back when their message becomes the active one', () => {
    const { w, items: all } = mounted(ref(3), rich)
    const items = all()
    items[0]!.focus()
    const first = items[0]!
    expect(first.tabIndex).toBe(0)
    expect(first.querySelector('a')!.hasAttribute('tabindex')).toBe(false)
    expect(first.querySelector('span')!.getAttribute('tabindex')).toBe('0')
    expect(stops(items[2]!)).toEqual([])
    w.unmount()
  })

  it('moves with Up, Down, Home and End, and stops at the ends', () => {
    const items = [...list(3).querySelectorAll<HTMLElement>('li')]
    expect(itemForKey(items, 1, 'ArrowUp')).toBe(items[0])
    expect(itemForKey(items, 0, 'ArrowUp')).toBe(items[0])
    expect(itemForKey(items, 2, 'ArrowDown')).toBe(items[2])
    expect(itemForKey(items, 1, 'Home')).toBe(items[0])
    expect(itemForKey(items, 0, 'End')).toBe(items[2])
    expect(itemForKey(items, 0, 'Tab')).toBeUndefined()
  })

  it('follows focus and new messages in a mounted list', async () => {
    const count = ref(3)
    const { w, items: lis } = mounted(count, (i) =>
      h('li', { class: 'message', tabindex: -1, key: i }, [h('button', `b${i}`)]),
    )
    expect(lis().map((l) => l.tabIndex)).toEqual([-1, -1, 0])
    count.value = 4 // the newest holds the stop while none was chosen
    await nextTick()
    await Promise.resolve()
    expect(lis().map((l) => l.tabIndex)).toEqual([-1, -1, -1, 0])
    count.value = 3
    await nextTick()
    await Promise.resolve()
    lis()[0]!.focus()
    expect(lis().map((l) => l.tabIndex)).toEqual([0, -1, -1])
    expect((lis()[0]!.querySelector('button') as HTMLElement).tabIndex).toBe(0) // open while focused
    count.value = 4 // a new message arrives: the focused one keeps the tab stop
    await nextTick()
    await Promise.resolve()
    expect(lis().map((l) => l.tabIndex)).toEqual([0, -1, -1, -1])
    expect((lis()[3]!.querySelector('button') as HTMLElement).tabIndex).toBe(-1)
    lis()[0]!.blur() // focus leaves the list: the item stays the stop, its insides close
    expect(lis()[0]!.tabIndex).toBe(0)
    expect((lis()[0]!.querySelector('button') as HTMLElement).tabIndex).toBe(-1)
    w.unmount()
  })
})
