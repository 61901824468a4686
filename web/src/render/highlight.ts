// Syntax highlighting for code blocks, loaded on demand: highlight.js and each grammar are separate
// chunks. We read highlight.js's token tree, never its HTML, so code can only ever become text.
import type { HLJSApi, LanguageFn } from 'highlight.js'

// A highlighted fragment: text, or a span with hljs classes around more fragments.
export type HlNode = string | { className: string; children: HlNode[] }

type Loader = () => Promise<{ default: LanguageFn }>

// The allow-list. Each import names its module literally so the bundler makes one chunk per grammar.
const kGrammars: Record<string, Loader> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  go: () => import('highlight.js/lib/languages/go'),
  ini: () => import('highlight.js/lib/languages/ini'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  makefile: () => import('highlight.js/lib/languages/makefile'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  php: () => import('highlight.js/lib/languages/php'),
  python: () => import('highlight.js/lib/languages/python'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  rust: () => import('highlight.js/lib/languages/rust'),
  shell: () => import('highlight.js/lib/languages/shell'),
  sql: () => import('highlight.js/lib/languages/sql'),
  swift: () => import('highlight.js/lib/languages/swift'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
}

const kAliases: Record<string, string> = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  py: 'python',
  'c++': 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  h: 'c',
  'c#': 'csharp',
  cs: 'csharp',
  golang: 'go',
  rs: 'rust',
  rb: 'ruby',
  kt: 'kotlin',
  sh: 'bash',
  zsh: 'bash',
  console: 'shell',
  html: 'xml',
  xhtml: 'xml',
  svg: 'xml',
  yml: 'yaml',
  md: 'markdown',
  patch: 'diff',
  toml: 'ini',
  docker: 'dockerfile',
  make: 'makefile',
}

// Bigger code stays plain. highlight.js runs synchronously on the main thread and a room may open
// with many code blocks at once; the few milliseconds this many characters take on a laptop are
// tens on a phone (and crafted input can take longer), so the budget per block is small.
export const kMaxHighlightChars = 3_000

// The allow-listed grammar for a fence's label, or null if it is not one we highlight.
export function grammarName(label: string | null): string | null {
  if (!label) return null
  const name = label.toLowerCase()
  const canonical = Object.hasOwn(kAliases, name) ? (kAliases[name] ?? name) : name
  return Object.hasOwn(kGrammars, canonical) ? canonical : null
}

let core: Promise<HLJSApi> | null = null
const registered = new Map<string, Promise<HLJSApi>>()

function loadGrammar(name: string, load: Loader): Promise<HLJSApi> {
  let ready = registered.get(name)
  if (!ready) {
    core ??= import('highlight.js/lib/core').then((m) => m.default)
    ready = Promise.all([core, load()]).then(([hljs, grammar]) => {
      hljs.registerLanguage(name, grammar.default)
      return hljs
    })
    // A failed chunk load (network) is retried next time rather than remembered.
    ready.catch(() => registered.delete(name))
    registered.set(name, ready)
  }
  return ready
}

// Highlights `code` as the language its fence names. Null means "show it plain": no label, a
// language off the allow-list, code too big, or highlight.js could not be loaded.
export async function highlight(code: string, label: string | null): Promise<HlNode[] | null> {
  const name = grammarName(label)
  const load = name ? kGrammars[name] : undefined
  if (!name || !load || code.length > kMaxHighlightChars) return null
  try {
    const hljs = await loadGrammar(name, load)
    const nodes = treeOf(hljs.highlight(code, { language: name, ignoreIllegals: true })._emitter)
    // The tree must hold exactly the code: if highlight.js's internals ever change shape, fall back.
    return nodes && textOf(nodes) === code ? nodes : null
  } catch {
    return null // the chunk did not load (offline, new deploy): plain code is a fine fallback
  }
}

// highlight.js's own HTML renderer walks the emitter with these three calls; we collect instead.
interface Builder {
  addText(text: string): void
  openNode(node: { scope?: string }): void
  closeNode(node: { scope?: string }): void
}

function isWalkable(v: unknown): v is { walk(builder: Builder): unknown } {
  return typeof v === 'object' && v !== null && 'walk' in v && typeof v.walk === 'function'
}

function treeOf(emitter: unknown): HlNode[] | null {
  if (!isWalkable(emitter)) return null
  const root: { className: string; children: HlNode[] } = { className: '', children: [] }
  const stack = [root]
  const top = () => stack[stack.length - 1] ?? root
  emitter.walk({
    addText(text) {
      const out = top().children
      const last = out[out.length - 1]
      if (typeof last === 'string') out[out.length - 1] = last + text
      else out.push(text)
    },
    openNode(node) {
      stack.push({ className: node.scope ? scopeClasses(node.scope) : '', children: [] })
    },
    closeNode() {
      const node = stack.length > 1 ? stack.pop() : undefined
      if (!node) return
      // Scope-less nodes (the root, some sub-languages) add no span, only their children.
      if (node.className) top().children.push(node)
      else for (const child of node.children) top().children.push(child)
    },
  })
  return root.children
}

// As highlight.js names classes: "title.function" -> "hljs-title function_",
// "language:xml" -> "language-xml". Anything unexpected is dropped, never passed through.
function scopeClasses(scope: string): string {
  if (scope.startsWith('language:')) return safeClass(`language-${scope.slice('language:'.length)}`)
  const [first = '', ...rest] = scope.split('.')
  return [`hljs-${first}`, ...rest.map((part, i) => `${part}${'_'.repeat(i + 1)}`)]
    .map(safeClass)
    .filter(Boolean)
    .join(' ')
}

function safeClass(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? name : ''
}

function textOf(nodes: readonly HlNode[]): string {
  let text = ''
  for (const n of nodes) text += typeof n === 'string' ? n : textOf(n.children)
  return text
}
