import { describe, expect, it } from 'vitest'
import { gifUrl } from './gifs'

const GIPHY = ['https://media.giphy.com', 'https://i.giphy.com']

describe('gifUrl', () => {
  it('takes a message that is one URL on a listed host', () => {
    const u = 'https://media.giphy.com/media/abc123/200.gif'
    expect(gifUrl(u, GIPHY)).toBe(u)
    expect(gifUrl('https://i.giphy.com/x.gif', GIPHY)).toBe('https://i.giphy.com/x.gif')
  })

  it('takes hosts given with a port or as bare names', () => {
    expect(gifUrl('http://127.0.0.1:4567/g/1.gif', ['http://127.0.0.1:4567'])).toBe(
      'http://127.0.0.1:4567/g/1.gif',
    )
    expect(gifUrl('https://media.tenor.com/a.gif', ['media.tenor.com'])).toBe('https://media.tenor.com/a.gif')
  })

  it('refuses look-alike hosts', () => {
    expect(gifUrl('https://media.giphy.com.evil.example/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://evilmedia.giphy.com/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://media.giphy.co/x.gif', GIPHY)).toBeNull()
  })

  it('refuses a listed URL inside another one', () => {
    expect(gifUrl('https://evil.example/?u=https://media.giphy.com/media/x/200.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://evil.example/https://media.giphy.com/x.gif', GIPHY)).toBeNull()
  })

  it('refuses user info, another scheme or port, and tricks the parser would read otherwise', () => {
    expect(gifUrl('https://media.giphy.com@evil.example/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://user:pw@media.giphy.com/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('http://media.giphy.com/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://media.giphy.com:8443/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://media.giphy.com\\@evil.example/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('javascript:alert(1)//https://media.giphy.com/', GIPHY)).toBeNull()
    expect(gifUrl('https://MEDIA.giphy.com/x.gif', GIPHY)).toBeNull() // not as the server sends it
  })

  it('refuses text around the URL and messages when no hosts are listed', () => {
    expect(gifUrl('look https://media.giphy.com/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://media.giphy.com/x.gif\nnice', GIPHY)).toBeNull()
    expect(gifUrl(' https://media.giphy.com/x.gif', GIPHY)).toBeNull()
    expect(gifUrl('https://media.giphy.com/x.gif', [])).toBeNull()
    expect(gifUrl('', GIPHY)).toBeNull()
    expect(gifUrl(undefined, GIPHY)).toBeNull()
  })
})
