import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h, ref } from 'vue'
import UiTabs from './UiTabs.vue'

const tabs = [
  { id: 'a', label: 'Alpha' },
  { id: 'b', label: 'Beta' },
  { id: 'c', label: 'Gamma' },
]

function render() {
  const chosen = ref('a')
  const Host = defineComponent(
    () => () =>
      h(
        UiTabs,
        {
          tabs,
          label: 'Things',
          modelValue: chosen.value,
          'onUpdate:modelValue': (v: string) => (chosen.value = v),
        },
        () => h('p', `panel ${chosen.value}`),
      ),
  )
  return { w: mount(Host, { attachTo: document.body }), chosen }
}

describe('UiTabs', () => {
  it('marks the chosen tab, keeps only it in the Tab order and names its panel by it', () => {
    const { w } = render()
    const [a, b] = w.findAll('[role="tab"]')
    expect(a!.attributes()).toMatchObject({ 'aria-selected': 'true', tabindex: '0' })
    expect(b!.attributes()).toMatchObject({ 'aria-selected': 'false', tabindex: '-1' })
    const panel = w.get('[role="tabpanel"]')
    expect(panel.attributes('aria-labelledby')).toBe(a!.attributes('id'))
    expect(a!.attributes('aria-controls')).toBe(panel.attributes('id'))
    expect(w.get('[role="tablist"]').attributes('aria-label')).toBe('Things')
    w.unmount()
  })

  it('moves with the arrow keys (wrapping), Home and End, and focus follows', async () => {
    const { w, chosen } = render()
    const list = w.get('[role="tablist"]')
    await list.trigger('keydown', { key: 'ArrowRight' })
    expect(chosen.value).toBe('b')
    await w.vm.$nextTick()
    expect(document.activeElement?.textContent?.trim()).toBe('Beta')
    expect(w.get('[role="tabpanel"]').text()).toBe('panel b')
    await list.trigger('keydown', { key: 'End' })
    expect(chosen.value).toBe('c')
    await list.trigger('keydown', { key: 'ArrowRight' })
    expect(chosen.value).toBe('a')
    await list.trigger('keydown', { key: 'ArrowLeft' })
    expect(chosen.value).toBe('c')
    await list.trigger('keydown', { key: 'Home' })
    expect(chosen.value).toBe('a')
    w.unmount()
  })

  it('chooses a tab on a click', async () => {
    const { w, chosen } = render()
    await w.findAll('[role="tab"]')[2]!.trigger('click')
    expect(chosen.value).toBe('c')
    w.unmount()
  })
})
