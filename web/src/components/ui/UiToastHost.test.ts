import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import UiToastHost from './UiToastHost.vue'
import { ACTION_TOAST_MS, TOAST_MS, dismissToast, showToast, toasts } from '../toast'

describe('UiToastHost', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => {
    for (const t of toasts.value) dismissToast(t.id)
    vi.useRealTimers()
  })

  it('says each toast in a polite live region and takes it away after a while', async () => {
    const w = mount(UiToastHost)
    const region = w.get('[role="status"]')
    expect(region.attributes('aria-live')).toBe('polite')
    showToast('Reported')
    await w.vm.$nextTick()
    expect(region.text()).toContain('Reported')
    vi.advanceTimersByTime(TOAST_MS + 1)
    await w.vm.$nextTick()
    expect(region.text()).not.toContain('Reported')
  })

  it('runs its action once and closes; a toast with an action stays longer', async () => {
    const w = mount(UiToastHost)
    const run = vi.fn()
    showToast('Report resolved', { label: 'Undo', run })
    await w.vm.$nextTick()
    vi.advanceTimersByTime(TOAST_MS + 1)
    await w.vm.$nextTick()
    const undo = w.findAll('button').find((b) => b.text() === 'Undo')!
    await undo.trigger('click')
    expect(run).toHaveBeenCalledTimes(1)
    expect(w.text()).not.toContain('Report resolved')
    showToast('Again', { label: 'Undo', run })
    vi.advanceTimersByTime(ACTION_TOAST_MS + 1)
    await w.vm.$nextTick()
    expect(w.text()).not.toContain('Again')
  })

  it('waits while the pointer is on it, and closes with its close button', async () => {
    const w = mount(UiToastHost)
    showToast('Saved')
    await w.vm.$nextTick()
    await w.get('[role="status"]').trigger('pointerenter')
    vi.advanceTimersByTime(TOAST_MS * 3)
    await w.vm.$nextTick()
    expect(w.text()).toContain('Saved')
    await w.get('button[aria-label="Dismiss"]').trigger('click')
    expect(w.text()).not.toContain('Saved')
    await w.get('[role="status"]').trigger('pointerleave')
  })
})
