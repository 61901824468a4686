import { describe, expect, it } from 'vitest'
import { decodeServerFrame } from './frames'

describe('decodeServerFrame', () => {
  it('decodes the hello frame', () => {
    expect(decodeServerFrame('{"type":"hello","server":"parley","version":"0.1.0"}')).toEqual({
      type: 'hello',
      server: 'parley',
      version: '0.1.0',
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
