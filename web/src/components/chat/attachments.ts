// Pure helpers for showing files: human sizes and speeds, the box an image or video reserves before
// it loads (so the list never jumps), and the srcset of an image's variants.
import type { FileInfo } from '../../protocol/frames'
import { t } from '../../i18n'
import { formatNumber } from '../../i18n/format'

const UNITS = ['files.sizeKB', 'files.sizeMB', 'files.sizeGB', 'files.sizeTB'] as const
const fixed = (v: number, digits: number) =>
  formatNumber(v, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false })

// 0 B, 999 B, 1.5 KB, 12 KB, 3.4 MB... (1 KB = 1024 bytes), in the language's digits.
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024)
    return t('files.sizeB', { n: fixed(Math.max(0, Math.round(bytes || 0)), 0) })
  let v = bytes / 1024
  let unit = 0
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024
    unit += 1
  }
  const digits = v < 10 ? 1 : 0
  // 1023.96 KB rounds to "1024 KB": say 1.0 MB instead.
  if (Number(v.toFixed(digits)) >= 1024 && unit < UNITS.length - 1)
    return t(UNITS[unit + 1]!, { n: fixed(1, 1) })
  return t(UNITS[unit]!, { n: fixed(Number(v.toFixed(digits)), digits) })
}

export function formatSpeed(bytesPerSecond: number): string {
  return t('files.speed', { size: formatSize(bytesPerSecond) })
}

export function percent(sent: number, size: number): number {
  if (size <= 0) return 100
  return Math.min(100, Math.floor((sent * 100) / size))
}

export interface Box {
  width: number
  height: number
}

// The size an image or video is shown at: its own, scaled down to fit maxWidth × maxHeight. 320 px
// is the thumbnail's width, so a screen of one pixel per CSS pixel loads the thumbnail.
export function fitBox(
  file: Pick<FileInfo, 'width' | 'height'>,
  maxWidth = 320,
  maxHeight = 320,
): Box | null {
  const { width, height } = file
  if (!width || !height || width <= 0 || height <= 0) return null
  const scale = Math.min(1, maxWidth / width, maxHeight / height)
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

// The address to show first: the thumbnail when there is one (animated images are served whole).
export function imageSrc(file: FileInfo): string {
  return file.thumb && !file.animated ? `${file.url}?v=thumb` : file.url
}

// Every variant with its width, smallest first, one per width; '' when there is only the original.
export function imageSrcset(file: FileInfo): string {
  if (file.animated || (!file.thumb && !file.preview) || !file.width) return ''
  const full = file.width
  const candidates: [string, number][] = []
  if (file.thumb) candidates.push([`${file.url}?v=thumb`, Math.min(320, full)])
  if (file.preview) candidates.push([`${file.url}?v=preview`, Math.min(1280, full)])
  candidates.push([file.url, full])
  const seen = new Set<number>()
  return candidates
    .filter(([, w]) => !seen.has(w) && seen.add(w))
    .map(([url, w]) => `${url} ${w}w`)
    .join(', ')
}

// The upper-case extension of a name, for a file card's icon ("ZIP", "PDF"); '' when none.
export function extension(name: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name)
  return m?.[1] ? m[1].toUpperCase() : ''
}

// The picture on a file card: an archive, text, code, or a plain page, from the extension.
export type FileIconName = 'fileArchive' | 'fileText' | 'fileCode' | 'file'
const ICONS: Record<string, FileIconName> = {}
for (const e of ['ZIP', 'GZ', 'TGZ', 'XZ', 'BZ2', 'ZST', '7Z', 'RAR', 'TAR', 'DEB', 'RPM', 'DMG', 'ISO'])
  ICONS[e] = 'fileArchive'
for (const e of [
  'TXT',
  'MD',
  'PDF',
  'DOC',
  'DOCX',
  'ODT',
  'RTF',
  'CSV',
  'XLS',
  'XLSX',
  'ODS',
  'PPT',
  'PPTX',
  'ODP',
  'EPUB',
])
  ICONS[e] = 'fileText'
for (const e of [
  'JS',
  'TS',
  'PY',
  'C',
  'H',
  'CPP',
  'HPP',
  'CC',
  'RS',
  'GO',
  'JAVA',
  'KT',
  'RB',
  'PHP',
  'SH',
  'JSON',
  'XML',
  'HTML',
  'CSS',
  'SQL',
  'YAML',
  'YML',
  'TOML',
  'VUE',
])
  ICONS[e] = 'fileCode'
export function fileIcon(name: string): FileIconName {
  return ICONS[extension(name)] ?? 'file'
}
