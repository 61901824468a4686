// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import SnippetText from './SnippetText.vue'

describe('SnippetText', () => {
  it('shows the matches in <mark> and hostile markup as text', () => {
    const text = '<img src=x onerror="window.pwned=1"> deploy <b>now</b>'
    const w = mount(SnippetText, { props: { text, terms: ['deploy', 'img'] } })
    expect(w.findAll('mark').map((m) => m.text())).toEqual(['img', 'deploy'])
    expect(w.find('img').exists()).toBe(false)
    expect(w.find('b').exists()).toBe(false)
    expect(w.text()).toBe(text)
  })
})
