import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'

export type TrustAnswer = 'allow' | 'deny'

/** What the user said about one app-local pack folder, for one content digest. */
export interface TrustEntry {
  /** Real path of the pack folder. */
  dir: string
  /** Content digest the answer was given for: a changed pack is asked about again. */
  digest: string
  answer: TrustAnswer
  name: string
  at: string
}

/** Where answers are remembered. One entry per folder: the latest answer wins. */
export interface TrustStore {
  read(): TrustEntry[]
  write(entries: readonly TrustEntry[]): void
}

export const TRUST_FILE = 'trusted-packs.json'

/** The answers kept in $DRAFT_HOME/trusted-packs.json. */
export class FileTrustStore implements TrustStore {
  readonly file: string

  constructor(private readonly home: string) {
    this.file = join(home, TRUST_FILE)
  }

  read(): TrustEntry[] {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw new DraftError('TRUST_STORE_INVALID', {file: this.file, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message})
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw new DraftError('TRUST_STORE_INVALID', {file: this.file, reason: (error as Error).message})
    }
    const packs = (data as {packs?: unknown} | null)?.packs
    if (!Array.isArray(packs) || !packs.every(isEntry)) throw new DraftError('TRUST_STORE_INVALID', {file: this.file, reason: 'it is not a list of {dir, digest, answer} entries'})
    return packs
  }

  /** Written to a temporary file beside it, then renamed: a crash never leaves half a file. */
  write(entries: readonly TrustEntry[]): void {
    mkdirSync(this.home, {recursive: true})
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`
    try {
      writeFileSync(temp, `${JSON.stringify({version: 1, packs: entries}, null, 2)}\n`, {mode: 0o600})
      renameSync(temp, this.file)
    } catch (error) {
      rmSync(temp, {force: true})
      throw new DraftError('WRITE_FAILED', {path: this.file, reason: (error as Error).message}, {cause: error})
    }
  }
}

function isEntry(value: unknown): value is TrustEntry {
  const e = value as Partial<TrustEntry> | null
  return typeof e?.dir === 'string' && typeof e.digest === 'string' && (e.answer === 'allow' || e.answer === 'deny')
}

/** The entries with `entry` in place of any earlier answer for the same folder. */
export function withAnswer(entries: readonly TrustEntry[], entry: TrustEntry): TrustEntry[] {
  return [...entries.filter(e => e.dir !== entry.dir), entry].sort((a, b) => (a.dir < b.dir ? -1 : 1))
}
