import { describe, expect, it } from 'vitest'
import type { FileInfo } from '../../protocol/frames'
import { fileInfo } from '../../protocol/files.fixture'
import {
  extension,
  fileIcon,
  fitBox,
  formatSize,
  formatSpeed,
  imageSrc,
  imageSrcset,
  percent,
} from './attachments'

const image = (over: Partial<FileInfo> = {}): FileInfo => fileInfo({ id: 12, ...over })

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [12 * 1024, '12 KB'],
    [1024 * 1024 - 1, '1.0 MB'],
    [3.4 * 1024 * 1024, '3.4 MB'],
    [100 * 1024 * 1024, '100 MB'],
    [2.5 * 1024 ** 3, '2.5 GB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text)
  })

  it('shows speeds per second and progress in whole percents', () => {
    expect(formatSpeed(2.5 * 1024 * 1024)).toBe('2.5 MB/s')
    expect(percent(0, 10)).toBe(0)
    expect(percent(999, 1000)).toBe(99)
    expect(percent(1000, 1000)).toBe(100)
    expect(percent(0, 0)).toBe(100)
  })
})

describe('image boxes and variants', () => {
  it('fits an image into 320 × 320, keeping its shape, and never enlarges it', () => {
    expect(fitBox({ width: 1600, height: 1200 })).toEqual({ width: 320, height: 240 })
    expect(fitBox({ width: 300, height: 3000 })).toEqual({ width: 32, height: 320 })
    expect(fitBox({ width: 1920, height: 1080 }, 480, 480)).toEqual({ width: 480, height: 270 })
    expect(fitBox({ width: 100, height: 50 })).toEqual({ width: 100, height: 50 })
    expect(fitBox({ width: null, height: null })).toBeNull()
  })

  it('offers thumb, preview and original by width, the thumb first', () => {
    expect(imageSrc(image())).toBe('/api/files/12?v=thumb')
    expect(imageSrcset(image())).toBe(
      '/api/files/12?v=thumb 320w, /api/files/12?v=preview 1280w, /api/files/12 1600w',
    )
    // No preview, and an original as wide as the preview would be: one entry per width.
    expect(imageSrcset(image({ preview: false, width: 800 }))).toBe(
      '/api/files/12?v=thumb 320w, /api/files/12 800w',
    )
    expect(imageSrcset(image({ width: 1280 }))).toBe(
      '/api/files/12?v=thumb 320w, /api/files/12?v=preview 1280w',
    )
  })

  it('serves animated and small images whole', () => {
    expect(imageSrc(image({ animated: true }))).toBe('/api/files/12')
    expect(imageSrcset(image({ animated: true }))).toBe('')
    expect(imageSrc(image({ thumb: false, preview: false, width: 200, height: 100 }))).toBe('/api/files/12')
    expect(imageSrcset(image({ thumb: false, preview: false }))).toBe('')
  })

  it('labels a file card with its extension', () => {
    expect(extension('backup.tar.gz')).toBe('GZ')
    expect(extension('notes.txt')).toBe('TXT')
    expect(extension('README')).toBe('')
  })

  it('picks a file card’s picture from the extension', () => {
    expect(fileIcon('backup.tar.gz')).toBe('fileArchive')
    expect(fileIcon('report.PDF')).toBe('fileText')
    expect(fileIcon('main.cpp')).toBe('fileCode')
    expect(fileIcon('README')).toBe('file')
  })
})
