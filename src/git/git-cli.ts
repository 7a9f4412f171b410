import {type ProcessRunner, ProgramNotFound} from '../process/process-runner.js'
import {type Git, type SourceState, parseStatus} from './git.js'

/**
 * Files draft itself writes into the app folder: they are not the app's changes, so they never make
 * it "+dirty". draft writes a `.draft/.gitignore` for them, which is itself new until committed, and
 * folders made by an older draft have none.
 */
const DRAFT_OUTPUT = ['.draft/cache', '.draft/logs', '.draft/snapshots', '.draft/.gitignore']

export class GitCli implements Git {
  constructor(private readonly runner: ProcessRunner, private readonly binary = 'git') {}

  async sourceState(dir: string): Promise<SourceState | undefined> {
    // One process: the HEAD commit and the changes under this folder only (a monorepo's other apps do
    // not make this one dirty).
    const args = ['-C', dir, 'status', '--porcelain=v2', '--branch', '--untracked-files=normal', '--', '.', ...DRAFT_OUTPUT.map(p => `:(exclude)${p}`)]
    try {
      const result = await this.runner.run(this.binary, args, {env: {GIT_OPTIONAL_LOCKS: '0'}, timeoutMs: 10_000})
      return result.exitCode === 0 ? parseStatus(result.stdout) : undefined
    } catch (error) {
      if (error instanceof ProgramNotFound) return undefined
      throw error
    }
  }
}
