// The toolbar as a component: the chosen tool is pressed, a click chooses another, undo and redo are
// offered only when there is something to undo or redo, and the zoom reads as a percentage.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import PainterToolbar from './PainterToolbar.vue'

const props = { tool: 'pen' as const, canUndo: false, canRedo: true, zoom: 0.25, resizing: false }

describe('PainterToolbar', () => {
  it('presses the chosen tool and names each with its key', () => {
    const w = mount(PainterToolbar, { props })
    // The key is in the button's tooltip, which describes it.
    const tip = (name: string) =>
      w.get(`#${w.get(`button[aria-label="${name}"]`).attributes('aria-describedby')}`)
    const pen = w.get('button[aria-label="Pen"]')
    expect(pen.attributes('aria-pressed')).toBe('true')
    expect(tip('Pen').text()).toBe('Pen (P)')
    expect(w.get('button[aria-label="Ellipse"]').attributes('aria-pressed')).toBe('false')
    expect(tip('Ellipse').text()).toBe('Ellipse (O)')
    expect(w.findAll('[role="toolbar"] button')).toHaveLength(11)
  })

  it('asks for a tool and for actions', async () => {
    const w = mount(PainterToolbar, { props })
    await w.get('button[aria-label="Crop"]').trigger('click')
    await w.get('button[aria-label="Redo"]').trigger('click')
    await w.get('button[aria-label="Rotate left"]').trigger('click')
    expect(w.emitted('tool')).toEqual([['crop']])
    expect(w.emitted('action')).toEqual([['redo'], ['rotateLeft']])
  })

  it('offers undo and redo only when there is a step', () => {
    const w = mount(PainterToolbar, { props })
    expect(w.get('button[aria-label="Undo"]').attributes('disabled')).toBeDefined()
    expect(w.get('button[aria-label="Redo"]').attributes('disabled')).toBeUndefined()
    expect(w.get('output').text()).toBe('25%')
  })
})
