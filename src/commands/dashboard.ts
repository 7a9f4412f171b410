import {Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Dashboard extends DraftCommand {
  static override summary = 'Serve the local dashboard for an app without watching it; --snapshot serves a saved session read-only.'
  static override description = `Prints a URL on 127.0.0.1 (with a token of this session) of a page that shows the app's release: its pods with restarts and the last termination reason, their logs as they stream, and the helm history with a Rollback button. Rebuild now runs a deploy cycle (build, push, deploy, rollout), whose stages and build log the page shows. Nothing is watched: \`draft up --watch\` serves the same page for a loop.

Save snapshot writes the page's state to .draft/snapshots/; \`draft dashboard --snapshot FILE\` serves such a file read-only, for a bug report.`
  static override examples = ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard ./api --env staging', '<%= config.bin %> dashboard --snapshot .draft/snapshots/dashboard-2025-01-01T10-00-00-000Z.json']
  static override args = releaseArgs
  static override flags = {
    ...releaseFlags,
    registry: Flags.string({description: 'Registry Rebuild now pushes to, e.g. 127.0.0.1:5000 or ghcr.io/you.'}),
    set: Flags.string({description: 'Helm value for Rebuild now, e.g. --set replicaCount=2 (repeatable).', multiple: true}),
    'build-network': Flags.string({description: 'Network mode of build steps, e.g. host.'}),
    timeout: Flags.string({description: 'How long a rollout may take, e.g. 90s or 5m.'}),
    snapshot: Flags.string({description: 'Serve this saved snapshot read-only instead (no cluster needed).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Dashboard)
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const ui = await import('../ui/watch-renderer.js')
    const renderer = this.json ? new ui.JsonLinesWatchRenderer() : new ui.PlainWatchRenderer()
    try {
      if (flags.snapshot) {
        const {serveSnapshot} = await import('../dashboard/snapshot.js')
        await serveSnapshot(flags.snapshot, {emit: event => renderer.event(event), signal: interrupt.signal})
      } else {
        const {deployOnChange} = await import('../up/deploy.js')
        const overrides = {...releaseOverrides(flags), registry: flags.registry, set: flags.set, buildNetwork: flags['build-network']}
        await deployOnChange(args.path, overrides, {emit: event => renderer.event(event), signal: interrupt.signal, cleanup: false, watch: false})
      }
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      renderer.close()
    }
  }
}
