import { describe, expect, it } from 'vitest'
import { decodeServerFrame } from './frames'

describe('decodeServerFrame', () => {
  it('decodes the hello frame', () => {
    const text =
      '{"type":"hello","server":"parley","version":"0.2.0","user":{"id":1,"username":"a","display_name":""},"rooms":[]}'
    expect(decodeServerFrame(text)).toEqual({
      type: 'hello',
      server: 'parley',
      version: '0.2.0',
      user: { id: 1, username: 'a', display_name: '' },
      rooms: [],
    })
  })

  it('decodes an error frame', () => {
    expect(decodeServerFrame('{"type":"error","code":"x","message":"y"}')).toEqual({
      type: 'error',
      code: 'x',
      message: 'y',
    })
  })

  it.each([
    ['not json', '{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['an unknown type', '{"type":"nope"}'],
    ['a wrong field type', '{"type":"hello","server":1,"version":"1"}'],
    ['a missing field', '{"type":"error","code":"x"}'],
  ])('refuses %s', (_name, text) => {
    expect(decodeServerFrame(text)).toBeNull()
  })
})
