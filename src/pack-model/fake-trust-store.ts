import type {TrustEntry, TrustStore} from './trust-store.js'

/** Answers in memory, for unit tests; `writes` counts how often the list was saved. */
export class FakeTrustStore implements TrustStore {
  writes = 0

  constructor(public entries: TrustEntry[] = []) {}

  read(): TrustEntry[] {
    return this.entries.map(e => ({...e}))
  }

  write(entries: readonly TrustEntry[]): void {
    this.writes++
    this.entries = entries.map(e => ({...e}))
  }
}
