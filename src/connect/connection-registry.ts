import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {draftHome} from '../util/draft-home.js'

export interface ConnectionTarget {
  release: string
  namespace: string
  context: string
}

interface Entry extends ConnectionTarget {
  pid: number
  urls: string[]
}

/**
 * Which URLs the running connect sessions serve, so that `draft status` can show them: each session
 * writes one small file under $DRAFT_HOME/connections while it runs and removes it when it ends. A
 * file whose process is gone (killed without a chance to clean up) is ignored and removed.
 */
export class ConnectionRegistry {
  constructor(
    private readonly dir = join(draftHome(), 'connections'),
    private readonly alive: (pid: number) => boolean = isAlive,
  ) {}

  /** Announces a session's URLs; the returned function takes them back. */
  record(target: ConnectionTarget, urls: readonly string[], pid = process.pid): () => void {
    const file = join(this.dir, `${keyOf(target)}.${pid}.json`)
    try {
      mkdirSync(this.dir, {recursive: true})
      writeFileSync(file, JSON.stringify({...target, pid, urls: [...urls]} satisfies Entry))
    } catch {
      // Only `draft status` reads it: a session runs as well without.
      return () => undefined
    }
    return () => rmSync(file, {force: true})
  }

  async urls(target: ConnectionTarget): Promise<string[]> {
    const key = keyOf(target)
    let names: string[]
    try {
      names = readdirSync(this.dir).filter(n => n.startsWith(`${key}.`))
    } catch {
      return []
    }
    const urls: string[] = []
    for (const name of names.sort()) {
      try {
        const entry = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as Entry
        if (this.alive(entry.pid)) urls.push(...entry.urls)
        else rmSync(join(this.dir, name), {force: true})
      } catch {
        // Half-written or foreign: not a session's.
      }
    }
    return [...new Set(urls)]
  }
}

const keyOf = (t: ConnectionTarget): string => createHash('sha256').update(`${t.context}\0${t.namespace}\0${t.release}`).digest('hex').slice(0, 16)

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
