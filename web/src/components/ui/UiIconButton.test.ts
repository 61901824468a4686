import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import UiIconButton from './UiIconButton.vue'

describe('UiIconButton', () => {
  it('names the button, passes its attributes and listeners on, and describes it only by more words', async () => {
    const click = vi.fn()
    const w = mount(UiIconButton, {
      props: { label: 'Search messages', icon: 'search', tip: 'Search messages (Ctrl+K)' },
      attrs: { 'aria-expanded': 'false', class: 'extra', onClick: click },
      attachTo: document.body,
    })
    const button = w.get('button')
    expect(button.attributes()).toMatchObject({
      type: 'button',
      'aria-label': 'Search messages',
      'aria-expanded': 'false',
    })
    expect(button.classes()).toEqual(expect.arrayContaining(['icon-button', 'extra']))
    expect(button.find('svg').exists()).toBe(true)
    expect(button.attributes('aria-describedby')).toBe(w.get('[role="tooltip"]').attributes('id'))
    await button.trigger('click')
    expect(click).toHaveBeenCalledTimes(1)
    w.unmount()
  })
})
