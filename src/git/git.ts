/**
 * What draft asks git: which commit an app folder is at, and whether the folder has changes that
 * commit does not hold. `draft up` records the answer on the helm revision, so `draft history` can
 * say what each revision was built from. `GitCli` runs git through the process runner; `FakeGit`
 * answers from memory.
 */
export interface SourceState {
  /** Full commit id of HEAD. */
  commit: string
  /** Tracked changes or untracked (not ignored) files inside the folder. */
  dirty: boolean
}

export interface Git {
  /** Undefined when the folder is not in a git work tree, has no commit yet, or git is not installed. */
  sourceState(dir: string): Promise<SourceState | undefined>
}

/** `abc123…` or `abc123…+dirty`: how a source state is written down and shown. */
export const describeSource = (state: SourceState): string => `${state.commit}${state.dirty ? '+dirty' : ''}`

/**
 * Reads `git status --porcelain=v2 --branch`: the `# branch.oid` header is HEAD (or `(initial)`
 * before the first commit), and any other non-header line is a change.
 */
export function parseStatus(output: string): SourceState | undefined {
  let commit: string | undefined
  let dirty = false
  for (const line of output.split('\n')) {
    if (line.startsWith('# branch.oid ')) commit = line.slice('# branch.oid '.length).trim()
    else if (line.trim() !== '' && !line.startsWith('# ')) dirty = true
  }
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined
  return {commit, dirty}
}
