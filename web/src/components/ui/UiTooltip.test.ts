import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { h } from 'vue'
import UiTooltip from './UiTooltip.vue'

function render(label: string, text: string) {
  return mount(UiTooltip, {
    props: { text },
    slots: { default: () => h('button', { type: 'button', 'aria-label': label }, 'x') },
    attachTo: document.body,
  })
}

describe('UiTooltip', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('describes its control by the text, shows on hover after a moment and hides with Escape', async () => {
    const w = render('Search messages', 'Ctrl+K')
    const tip = w.get('[role="tooltip"]')
    expect(w.get('button').attributes('aria-describedby')).toBe(tip.attributes('id'))
    expect(tip.isVisible()).toBe(false)
    await w.trigger('pointerenter')
    vi.advanceTimersByTime(400)
    await w.vm.$nextTick()
    expect(tip.isVisible()).toBe(true)
    expect(tip.text()).toBe('Ctrl+K')
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await w.vm.$nextTick()
    expect(tip.isVisible()).toBe(false)
    w.unmount()
  })

  it('hides when the pointer leaves before it shows or after', async () => {
    const w = render('Reply', 'Reply in thread')
    await w.trigger('pointerenter')
    await w.trigger('pointerleave')
    vi.advanceTimersByTime(1000)
    await w.vm.$nextTick()
    expect(w.get('[role="tooltip"]').isVisible()).toBe(false)
    w.unmount()
  })

  it('does not describe a control by its own name again', () => {
    const w = render('Reply', 'Reply')
    expect(w.get('button').attributes('aria-describedby')).toBeUndefined()
    w.unmount()
  })
})
