import {Command, Flags} from '@oclif/core'

import {isDraftError} from '../core/errors.js'
import {renderError} from '../ui/render-error.js'
import {symbols, yellow} from '../ui/style.js'

/**
 * What every draft command shares: a --json flag, and one way to show a failure. A DraftError prints
 * its message and its fix (or a JSON object with code, message, fix, file and line) and exits 1.
 */
export abstract class DraftCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'Print machine-readable JSON instead of text.', default: false}),
  }

  protected get json(): boolean {
    return this.argv.includes('--json')
  }

  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  protected warn_(message: string): void {
    if (!this.json) process.stderr.write(`${yellow(`${symbols.warn} ${message}`)}\n`)
  }

  /**
   * How this run treats the packs an app brings: remembered answers in $DRAFT_HOME, a question on the
   * terminal when there is one (stdin and stderr both), --yes for this run only.
   */
  protected async packTrust(yes: boolean): Promise<import('../pack-model/trust.js').TrustDeps> {
    const [{FileTrustStore}, {draftHome}, {askTrust}] = await Promise.all([
      import('../pack-model/trust-store.js'),
      import('../pack-model/registry.js'),
      import('../ui/render-packs.js'),
    ])
    const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY)
    return {store: new FileTrustStore(draftHome()), yes, ...(tty ? {ask: askTrust} : {})}
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (!isDraftError(error)) return super.catch(error)
    if (this.json) {
      process.stdout.write(`${JSON.stringify({type: 'error', error: error.toJSON()})}\n`)
    } else {
      process.stderr.write(renderError(error))
    }
    process.exitCode = 1
    return undefined
  }
}
