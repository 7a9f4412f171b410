/**
 * Keeps secrets off the page: registry credentials and the values of environment variables a
 * release takes from Secrets never reach a browser, even when a build or the app prints them. Every
 * event is cleaned before it enters the page state, and every response body again before it is sent
 * (a secret learnt late is still caught there).
 */
export const MASK = '••••••'

/** Shorter values would mask ordinary words; they are not taken as secrets. */
export const MIN_SECRET_LENGTH = 4

export class Redactor {
  private readonly secrets = new Set<string>()
  private pattern?: RegExp

  /** Adds values to hide; true when one of them is new. */
  add(values: Iterable<string>): boolean {
    let added = false
    for (const value of values) {
      for (const form of forms(value)) {
        if (form.length < MIN_SECRET_LENGTH || this.secrets.has(form)) continue
        this.secrets.add(form)
        added = true
      }
    }
    if (added) {
      // Longest first, so that a secret containing another is masked whole.
      const sorted = [...this.secrets].sort((a, b) => b.length - a.length)
      this.pattern = new RegExp(sorted.map(escape).join('|'), 'g')
    }
    return added
  }

  get size(): number {
    return this.secrets.size
  }

  text(value: string): string {
    return this.pattern && value ? value.replace(this.pattern, MASK) : value
  }

  /** A copy of `value` with every string cleaned; the same object when there was nothing to clean. */
  value<T>(value: T): T {
    if (!this.pattern) return value
    return this.walk(value) as T
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value)
    if (Array.isArray(value)) {
      let changed = false
      const out = value.map(v => {
        const w = this.walk(v)
        if (w !== v) changed = true
        return w
      })
      return changed ? out : value
    }
    if (value && typeof value === 'object') {
      let changed = false
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) {
        const w = this.walk(v)
        if (w !== v) changed = true
        out[k] = w
      }
      return changed ? out : value
    }
    return value
  }
}

/** The value, and how it reads inside JSON and base64 (a pull secret's auth is base64 of user:password). */
function forms(value: string): string[] {
  return [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')]
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
