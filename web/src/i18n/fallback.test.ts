// A catalog that lacks a key (a translation behind the code) shows the English text for it.
import { expect, it, vi } from 'vitest'
import { setLocale, t } from './index'

vi.mock('./de', () => ({ default: { header: { settings: 'Einstellungen' } } }))

it('falls back to English for a key the catalog lacks', async () => {
  await setLocale('de')
  expect(t('header.settings')).toBe('Einstellungen')
  expect(t('header.profile')).toBe('Profile')
  expect(t('message.replies', { count: 2 })).toBe('2 replies')
})
