// GIF search through the server (docs/api.md, "GIF search"): the server asks the provider with its
// own key and answers only GIFs from the hosts it lists, so nothing but the words leaves from here.
import { api } from '../connection/http'

export interface Gif {
  id: string
  title: string
  url: string // what the message carries
  preview: string // a smaller picture for the picker
  width: number
  height: number
}

export interface GifPage {
  results: Gif[]
  next: string | null // the next page's `from`
}

const isStr = (v: unknown): v is string => typeof v === 'string'
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function decodeGif(v: unknown): Gif | null {
  if (typeof v !== 'object' || v === null) return null
  const r = v as Record<string, unknown>
  const { id, title, url, preview, width, height } = r
  if (!isStr(id) || !isStr(url) || !isStr(preview)) return null
  return {
    id,
    title: isStr(title) ? title : '',
    url,
    preview,
    width: isNum(width) && width > 0 ? width : 0,
    height: isNum(height) && height > 0 ? height : 0,
  }
}

export async function searchGifs(q: string, from: string | null = null): Promise<GifPage> {
  const params = new URLSearchParams({ q })
  if (from) params.set('from', from)
  const body = await api<unknown>('GET', `/api/gifs/search?${params}`)
  const r = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const results = Array.isArray(r.results) ? r.results.map(decodeGif).filter((g) => g !== null) : []
  const next = isStr(r.next) && r.next ? r.next : null
  return { results, next }
}
