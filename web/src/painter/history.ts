// Undo and redo for the painter, bounded by count and by bytes (a 4000×3000 snapshot is 48 MB). An
// entry is what `apply` swaps with the document: undoing hands back the entry that redoes it, so
// each step keeps one copy of the pixels it changed, never two.
export class History<T> {
  private done: T[] = []
  private undone: T[] = []

  constructor(
    private readonly cost: (entry: T) => number,
    readonly maxEntries = 50,
    readonly maxCost = 256 * 1024 * 1024,
  ) {}

  get canUndo(): boolean {
    return this.done.length > 0
  }
  get canRedo(): boolean {
    return this.undone.length > 0
  }
  get size(): number {
    return this.done.length + this.undone.length
  }
  get bytes(): number {
    let n = 0
    for (const e of this.done) n += this.cost(e)
    for (const e of this.undone) n += this.cost(e)
    return n
  }

  // A new change: what was undone can no longer be redone. The oldest steps go first when over a
  // bound, redo steps before them; the newest step always stays, so the last change can be undone.
  push(entry: T): void {
    this.undone = []
    this.done.push(entry)
    while (this.done.length > this.maxEntries) this.done.shift()
    while (this.done.length > 1 && this.bytes > this.maxCost) this.done.shift()
  }

  // `apply` swaps the entry with the document and returns what was there, which redo swaps back.
  undo(apply: (entry: T) => T): boolean {
    const entry = this.done.pop()
    if (entry === undefined) return false
    this.undone.push(apply(entry))
    return true
  }

  redo(apply: (entry: T) => T): boolean {
    const entry = this.undone.pop()
    if (entry === undefined) return false
    this.done.push(apply(entry))
    return true
  }

  clear(): void {
    this.done = []
    this.undone = []
  }
}
