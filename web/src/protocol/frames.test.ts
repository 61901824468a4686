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

describe('files on messages', () => {
  const cat = {
    id: 12,
    name: 'cat.jpg',
    size: 482113,
    type: 'image/jpeg',
    kind: 'image',
    width: 1280,
    height: 960,
    duration: null,
    animated: false,
    thumb: true,
    preview: true,
    url: '/api/files/12',
  }
  const notes = {
    ...cat,
    id: 13,
    name: 'notes.txt',
    type: 'text/plain',
    kind: 'file',
    width: null,
    height: null,
  }
  const event = (extra: Record<string, unknown>) =>
    JSON.stringify({
      type: 'event',
      room: 3,
      seq: 42,
      kind: 'message',
      at: 1,
      user: 1,
      username: 'alice',
      id: 118,
      text: '',
      reply_to: null,
      mentions: [],
      ...extra,
    })
  const filesOf = (text: string) => {
    const f = decodeServerFrame(text)
    return f?.type === 'event' ? f.event.files : null
  }

  it('decodes the attached files in order', () => {
    expect(filesOf(event({ files: [cat, notes] }))).toEqual([cat, notes])
  })

  it('gives a message without files an empty list, and other events none', () => {
    expect(filesOf(event({}))).toEqual([])
    const joined = decodeServerFrame(
      '{"type":"event","room":3,"seq":2,"kind":"joined","at":1,"user":2,"username":"b"}',
    )
    expect(joined?.type === 'event' && joined.event.files).toBe(undefined)
  })

  it('reads absent optional fields of a file as null and false', () => {
    const { width, height, duration, animated, thumb, preview, ...bare } = cat
    void [width, height, duration, animated, thumb, preview]
    expect(filesOf(event({ files: [bare] }))).toEqual([
      { ...bare, width: null, height: null, duration: null, animated: false, thumb: false, preview: false },
    ])
  })

  it('decodes files in history, sync and thread items too', () => {
    const item = JSON.parse(event({ files: [notes] })) as Record<string, unknown>
    delete item.type
    delete item.room
    const history = decodeServerFrame(
      JSON.stringify({ type: 'history', room: 3, items: [item], more: false }),
    )
    expect(history?.type === 'history' && history.items[0]?.files).toEqual([notes])
    const sync = decodeServerFrame(
      JSON.stringify({ type: 'sync', room: 3, events: [item], more: false, last_seq: 42 }),
    )
    expect(sync?.type === 'sync' && sync.events[0]?.files).toEqual([notes])
    const thread = decodeServerFrame(
      JSON.stringify({ type: 'thread', room: 3, id: 1, items: [item], more: false }),
    )
    expect(thread?.type === 'thread' && thread.items[0]?.files).toEqual([notes])
  })

  it.each([
    ['files not an array', { files: {} }],
    ['a file that is not an object', { files: [12] }],
    ['a file without an id', { files: [{ ...cat, id: undefined }] }],
    ['a size that is a string', { files: [{ ...cat, size: '1' }] }],
    ['an unknown kind', { files: [{ ...cat, kind: 'script' }] }],
    ['a width that is a string', { files: [{ ...cat, width: '1280' }] }],
    ['a flag that is not a boolean', { files: [{ ...cat, thumb: 1 }] }],
    ['a url to another site', { files: [{ ...cat, url: '//evil.example/x' }] }],
    ['a javascript: url', { files: [{ ...cat, url: 'javascript:alert(1)' }] }],
    ['a url a parser reads as another host', { files: [{ ...cat, url: '/\t/evil.example/x' }] }],
    ['a url with a backslash', { files: [{ ...cat, url: '/\\evil.example/x' }] }],
    ['a name that is not a string', { files: [{ ...cat, name: null }] }],
  ])('drops a message event with %s', (_name, extra) => {
    expect(decodeServerFrame(event(extra))).toBeNull()
  })
})

describe('avatars on the wire', () => {
  const member = (extra: string) =>
    `{"type":"members","room":3,"members":[{"id":1,"username":"alice","display_name":"Alice",${extra}"role":"admin","online":true,"last_seen":null}]}`

  it('decodes a member avatar URL, null, or its absence as null', () => {
    const withUrl = decodeServerFrame(member('"avatar":"/api/avatars/0f3c.webp",'))
    expect(withUrl?.type === 'members' && withUrl.members[0]?.avatar).toBe('/api/avatars/0f3c.webp')
    const none = decodeServerFrame(member('"avatar":null,'))
    expect(none?.type === 'members' && none.members[0]?.avatar).toBeNull()
    const older = decodeServerFrame(member(''))
    expect(older?.type === 'members' && older.members[0]?.avatar).toBeNull()
  })

  it('refuses a member whose avatar is not a same-origin path', () => {
    expect(decodeServerFrame(member('"avatar":7,'))).toBeNull()
    expect(decodeServerFrame(member('"avatar":"https://evil.example/a.png",'))).toBeNull()
    expect(decodeServerFrame(member('"avatar":"//evil.example/a.png",'))).toBeNull()
  })

  it('decodes the profile frame', () => {
    const text = '{"type":"profile","user":2,"display_name":"Bob","avatar":"/api/avatars/0f3c.webp"}'
    expect(decodeServerFrame(text)).toEqual({
      type: 'profile',
      user: 2,
      display_name: 'Bob',
      avatar: '/api/avatars/0f3c.webp',
    })
    expect(decodeServerFrame('{"type":"profile","user":2,"display_name":"Bob","avatar":null}')).toEqual({
      type: 'profile',
      user: 2,
      display_name: 'Bob',
      avatar: null,
    })
    expect(decodeServerFrame('{"type":"profile","user":2,"display_name":"Bob"}')).toMatchObject({
      avatar: null,
    })
  })

  it.each([
    ['a user that is not a number', '{"type":"profile","user":"2","display_name":"Bob","avatar":null}'],
    ['no display name', '{"type":"profile","user":2,"avatar":null}'],
    ['an avatar that is not a string', '{"type":"profile","user":2,"display_name":"Bob","avatar":{}}'],
  ])('refuses a profile frame with %s', (_name, text) => {
    expect(decodeServerFrame(text)).toBeNull()
  })
})

describe('search answers', () => {
  const item = {
    seq: 40,
    kind: 'message',
    at: 1764140000000,
    user: 2,
    username: 'bob',
    id: 118,
    text: 'deploy on friday',
    reply_to: null,
    mentions: [],
    files: [],
    deleted: false,
    edited_at: null,
    replies: 0,
    reactions: [],
    room: 3,
  }

  it('decodes the items with their room, the terms and the cursor', () => {
    const text = JSON.stringify({
      type: 'search',
      cid: 'c-7',
      terms: ['deploy', 'friday'],
      items: [item],
      more: true,
      next: 97,
      partial: false,
    })
    expect(decodeServerFrame(text)).toEqual(JSON.parse(text))
    // `partial` absent is false.
    const last = { type: 'search', terms: ['x'], items: [], more: false, next: null }
    expect(decodeServerFrame(JSON.stringify(last))).toEqual({ ...last, partial: false })
  })

  it.each([
    ['an item without its room', { ...item, room: undefined }],
    ['an item that is not a message', { ...item, kind: 'joined' }],
    ['an item without a message id', { ...item, id: undefined }],
  ])('refuses %s', (_name, bad) => {
    const frame = { type: 'search', terms: ['x'], items: [bad], more: false, next: null }
    expect(decodeServerFrame(JSON.stringify(frame))).toBeNull()
  })
})

describe('moderation frames', () => {
  it('decodes pins, pinned and member_muted events, and a room muted until a time', () => {
    const pins = decodeServerFrame(
      '{"type":"pins","cid":"c-1","room":3,"items":[{"seq":4,"kind":"message","at":1,"user":1,"username":"ann","id":9,"text":"hi","reply_to":null,"mentions":[],"files":[]}]}',
    )
    expect(pins).toMatchObject({ type: 'pins', cid: 'c-1', room: 3, items: [{ id: 9, files: [] }] })
    const pinned = decodeServerFrame(
      '{"type":"event","room":3,"seq":5,"kind":"pinned","at":2,"user":1,"username":"ann","id":9,"on":true}',
    )
    expect(pinned).toMatchObject({ event: { kind: 'pinned', id: 9, on: true } })
    const muted = decodeServerFrame(
      '{"type":"event","room":3,"seq":6,"kind":"member_muted","at":2,"user":1,"username":"ann","target":2,"target_name":"bob","until":null}',
    )
    expect(muted).toMatchObject({ event: { kind: 'member_muted', target: 2, until: null } })
    expect(
      decodeServerFrame(
        '{"type":"event","room":3,"seq":6,"kind":"member_muted","at":2,"user":1,"username":"ann","target":2,"until":"soon"}',
      ),
    ).toBeNull()
    const room =
      '{"id":3,"kind":"channel","name":"g","topic":"","last_seq":1,"read_seq":1,"delivered_seq":1,"unread":0,"mentions":0,"role":"member","members":2,"peer":null,"notify":true,"volume":100,"muted":false,"hidden":false,"last_at":1,"group":null'
    const rooms = decodeServerFrame(`{"type":"rooms","rooms":[${room},"muted_until":1764140000000}]}`)
    expect(rooms).toMatchObject({ rooms: [{ muted_until: 1764140000000 }] })
    expect(decodeServerFrame(`{"type":"rooms","rooms":[${room}}]}`)).toMatchObject({
      rooms: [{ muted_until: null }],
    })
  })
})
