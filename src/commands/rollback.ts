import {statSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Rollback extends DraftCommand {
  static override summary = 'Go back to the previous revision, or to the one given, and wait until it runs.'
  static override description = `Runs helm rollback (a new revision with the old revision's manifests), then waits for the rollout with the same diagnosis as \`draft up\`, and prints what is live now. Without REVISION it goes back to the revision that was live before the current one, so two rollbacks in a row toggle between the last two deploys.

Afterwards, \`draft up\` on the folder deploys the folder again, even if nothing in it changed.`
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback 3', '<%= config.bin %> rollback --namespace dev --json']
  static override args = {
    revision: Args.string({description: 'Revision to go back to (`draft history` lists them); default: the previous one.'}),
    ...releaseArgs,
  }

  static override flags = {
    ...releaseFlags,
    timeout: Flags.string({description: 'How long to wait for the rollout, e.g. 90s or 5m.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Rollback)
    // `draft rollback ./app`: one argument that is a folder, not a number, is the app folder.
    const [revision, path] = args.revision !== undefined && !/^\d+$/.test(args.revision) && args.path === '.' && isDirectory(args.revision) ? [undefined, args.revision] : [args.revision, args.path]
    const [{rollbackRelease}, ui, render] = await Promise.all([import('../release/run.js'), import('../ui/up-renderer.js'), import('../ui/render-release.js')])
    const renderer = this.json ? new ui.JsonLinesRenderer() : process.stdout.isTTY ? new ui.TtyRenderer() : new ui.PlainRenderer()
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      if (!this.json) process.stderr.write('\nStopping the wait (Ctrl-C again to quit at once); the rollback goes on in the cluster.\n')
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    let result
    try {
      result = await rollbackRelease(path, releaseOverrides(flags), {
        ...(revision === undefined ? {} : {revision}),
        emit: event => renderer.event(event),
        signal: interrupt.signal,
      })
    } finally {
      process.off('SIGINT', onSignal)
      renderer.close()
    }
    process.stdout.write(this.json ? `${JSON.stringify({type: 'result', ...result})}\n` : render.renderRollback(result))
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
