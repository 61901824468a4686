import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import FormField from './FormField.vue'

describe('FormField', () => {
  const hint = '3 to 32 characters.'
  it('shows its hint, described by it', () => {
    const w = mount(FormField, { props: { label: 'Username', hint, modelValue: '' } })
    expect(w.text()).toContain(hint)
    expect(w.get('input').attributes('aria-describedby')).toMatch(/-hint$/)
  })

  it('shows the error in the hint’s place, so a refusal restating the rule says it once', () => {
    const error = 'Usernames are 3 to 32 characters.'
    const w = mount(FormField, { props: { label: 'Username', hint, error, modelValue: '' } })
    expect(w.findAll('p').map((p) => p.text())).toEqual([error])
    expect(w.get('input').attributes('aria-describedby')).toMatch(/-error$/)
  })
})
