import type {Git, SourceState} from './git.js'

/** Source states by folder; a folder without one is not a git work tree. */
export class FakeGit implements Git {
  readonly states = new Map<string, SourceState>()
  readonly asked: string[] = []

  async sourceState(dir: string): Promise<SourceState | undefined> {
    this.asked.push(dir)
    return this.states.get(dir)
  }
}
