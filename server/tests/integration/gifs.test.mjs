// GIF search through the server (docs/api.md "GIF search") against a local stand-in that answers
// in Giphy's documented format (a stand-in for a third-party cloud API, which cannot run here):
// the key stays on the server, answers are normalised and cached, results from other hosts are
// dropped, each user is limited, and the page's CSP lets the provider's media hosts in.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { startServer, FAST_AUTH, Client } from './harness.mjs'
import { signUp } from './chat-client.mjs'

let server
let provider
let alice, bob
const requests = []
const held = [] // answers of 'slow' searches, held until a test lets them go
before(async () => {
  provider = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    requests.push(url)
    if (url.searchParams.get('q') === 'broken') return res.writeHead(500).end('oops')
    if (url.searchParams.get('q').startsWith('slow')) {
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[],"pagination":{}}'))
      return
    }
    const media = `http://127.0.0.1:${provider.address().port}`
    const offset = Number(url.searchParams.get('offset') ?? 0)
    const item = (id, host = media) => ({
      id,
      title: `${url.searchParams.get('q')} ${id}`,
      images: {
        fixed_height: { url: `${host}/media/${id}/200.gif`, width: '267', height: '200' },
        fixed_height_small: { url: `${host}/media/${id}/100.gif`, width: '133', height: '100' },
      },
    })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({
      data: [item(`g${offset}`), item(`g${offset + 1}`), item('evil', 'https://tracker.example')],
      pagination: { total_count: 5, count: 3, offset },
      meta: { status: 200 },
    }))
  })
  await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve))
  const port = provider.address().port
  server = await startServer([
    ...FAST_AUTH,
    '--gif-provider', 'giphy',
    '--gif-api-key', 'secret-key',
    '--gif-api-url', `http://127.0.0.1:${port}/v1/gifs/search`,
    '--gif-media-hosts', `http://127.0.0.1:${port}`,
  ])
  alice = await signUp(server, 'alice')
  bob = await signUp(server, 'bob')
})
after(async () => {
  provider.close()
  const { code } = await server.stop()
  assert.equal(code, 0, `server exit code (stderr: ${server.stderr})`)
})

test('a search is proxied with the server’s key, normalised, paged and cached', async () => {
  const r = await alice.http.call('GET', '/api/gifs/search?q=happy%20cat')
  assert.equal(r.status, 200, r.text)
  const port = provider.address().port
  assert.deepEqual(r.json.results[0], {
    id: 'g0',
    title: 'happy cat g0',
    url: `http://127.0.0.1:${port}/media/g0/200.gif`,
    preview: `http://127.0.0.1:${port}/media/g0/100.gif`,
    width: 267,
    height: 200,
  })
  assert.deepEqual(r.json.results.map((g) => g.id), ['g0', 'g1'], 'a GIF from another host is left out')
  assert.equal(r.json.next, '3')
  const sent = requests.at(-1)
  assert.equal(sent.searchParams.get('api_key'), 'secret-key')
  assert.equal(sent.searchParams.get('q'), 'happy cat')
  assert.ok(!r.text.includes('secret-key'), 'the key never reaches the browser')

  const page2 = await alice.http.call('GET', '/api/gifs/search?q=happy%20cat&from=3')
  assert.deepEqual(page2.json.results.map((g) => g.id), ['g3', 'g4'])
  assert.equal(page2.json.next, null)
  const asked = requests.length
  const again = await bob.http.call('GET', '/api/gifs/search?q=happy%20cat')
  assert.deepEqual(again.json, r.json)
  assert.equal(requests.length, asked, 'the second asker got the cached answer')
})

test('bad queries, a failing provider, signed-out visitors and a flood get clear errors', async () => {
  assert.equal((await alice.http.call('GET', '/api/gifs/search?q=')).status, 400)
  assert.equal((await alice.http.call('GET', `/api/gifs/search?q=${'x'.repeat(101)}`)).status, 400)
  const failed = await alice.http.call('GET', '/api/gifs/search?q=broken')
  assert.equal(failed.status, 500)
  assert.equal((await new Client(server).call('GET', '/api/gifs/search?q=cat')).status, 401)
  let limited = null
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await bob.http.call('GET', `/api/gifs/search?q=flood${i}`)
    if (r.status === 429) limited = r
  }
  assert.ok(limited, 'a user is limited')
  assert.ok(Number(limited.headers.get('retry-after')) >= 1)
  assert.equal((await alice.http.call('GET', '/api/gifs/search?q=dog')).status, 200, 'others are not')
})

test('the session names the GIF hosts and the page’s CSP allows them', async () => {
  const port = provider.address().port
  const session = await new Client(server).session()
  assert.deepEqual(session.gifs, [`http://127.0.0.1:${port}`])
  const page = await fetch(`${server.url}/`)
  const csp = page.headers.get('content-security-policy')
  assert.match(csp, new RegExp(`img-src 'self' data: blob: http://127\\.0\\.0\\.1:${port};`))
})

test('searches waiting on a slow provider never hold the threads other requests need', async () => {
  const slow = [1, 2, 3, 4].map((i) => alice.http.call('GET', `/api/gifs/search?q=slow${i}`))
  // The provider holds all four: were they on the REST pool (a thread per core, at least two),
  // this request would wait for them.
  while (held.length < 2) await new Promise((resolve) => setImmediate(resolve))
  const me = await bob.http.call('GET', '/api/me')
  assert.equal(me.status, 200)
  assert.ok(held.length < 5)
  let done = false
  const all = Promise.all(slow).then((answers) => {
    done = true
    return answers
  })
  while (!done) {
    held.shift()?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  for (const r of await all) assert.equal(r.status, 200)
})
