/**
 * The vocabulary shared by detection (which finds facts) and the pack model (whose variables are
 * derived from them). It lives here, below both, so that the model never imports detect/.
 */

/** Why draft believes something: a file, a line in it when known, and what was seen there. */
export interface Evidence {
  detail: string
  file?: string
  line?: number
  /** The entry of a map or list fact this evidence is about (`SESSION_SECRET`), when it is one. */
  key?: string
}

export interface Fact<T = unknown> {
  value: T
  evidence: Evidence[]
}

/** Facts of one inspector, keyed by fact name (`port`, `framework`, ...). */
export type FactSet = Record<string, Fact>

/** Facts of all inspectors, keyed `inspector.fact` (`node.port`). */
export type Facts = Record<string, Fact>
