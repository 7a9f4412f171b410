import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'

export default class Up extends DraftCommand {
  static override summary = 'Build, push and deploy the app, then wait until it is running; with --watch, again on every save.'
  static override description = `Builds the image with Docker (BuildKit when available), tags it with a digest of its content, pushes it (skipped when the registry already has it, or when a local cluster sees local images), upgrades the Helm release and waits for the rollout. With nothing changed, it is a no-op. Settings come from draft.toml; flags override them.

With --watch it keeps going: each burst of saves becomes one cycle, a save during a build cancels that stale build, and a failed cycle leaves the last good release running.

With --connect (or connect = true in draft.toml) the app's ports are forwarded to localhost and its logs streamed after the deploy, as draft connect does; with --watch the URL stays the same across cycles.`
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --watch',
    '<%= config.bin %> up --watch --connect',
    '<%= config.bin %> up --registry 127.0.0.1:5000 --namespace dev',
    '<%= config.bin %> up --env staging --set replicaCount=2',
    '<%= config.bin %> up --json',
  ]

  static override args = {
    path: Args.string({description: 'App folder (with draft.toml).', default: '.'}),
  }

  static override flags = {
    env: Flags.string({char: 'e', description: 'Environment of draft.toml to use (default: $DRAFT_ENV or development).'}),
    registry: Flags.string({description: 'Registry to push to, e.g. 127.0.0.1:5000 or ghcr.io/you.'}),
    namespace: Flags.string({char: 'n', description: 'Kubernetes namespace (created if missing).'}),
    'kube-context': Flags.string({description: 'Kubernetes context from your kubeconfig.'}),
    release: Flags.string({description: 'Helm release name.'}),
    set: Flags.string({description: 'Helm value, e.g. --set replicaCount=2 (repeatable).', multiple: true, default: []}),
    'build-network': Flags.string({description: 'Network mode of build steps, e.g. host.'}),
    timeout: Flags.string({description: 'How long to wait for the rollout, e.g. 90s or 5m.'}),
    watch: Flags.boolean({char: 'w', description: 'Keep watching and deploy every saved change.'}),
    quiet: Flags.string({description: 'With --watch: quiet period after the last save before a cycle starts (default 300ms).', dependsOn: ['watch']}),
    cleanup: Flags.boolean({description: 'With --watch: uninstall the release when you stop.', dependsOn: ['watch']}),
    connect: Flags.boolean({description: 'Then forward the ports to localhost and stream the logs until Ctrl-C (with --watch, for the whole session); default: connect in draft.toml.', allowNo: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Up)
    const overrides = {
      env: flags.env,
      registry: flags.registry,
      namespace: flags.namespace,
      kubeContext: flags['kube-context'],
      release: flags.release,
      set: flags.set,
      buildNetwork: flags['build-network'],
      timeout: flags.timeout,
      quiet: flags.quiet,
      connect: flags.connect,
    }
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      if (!this.json) process.stderr.write('\nStopping cleanly (Ctrl-C again to quit at once).\n')
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      if (flags.watch) await this.watch(args.path, overrides, interrupt.signal, Boolean(flags.cleanup))
      else await this.once(args.path, overrides, interrupt.signal)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }

  private async once(path: string, overrides: {env?: string | undefined; namespace?: string | undefined; kubeContext?: string | undefined; release?: string | undefined}, signal: AbortSignal): Promise<void> {
    const [{deploy}, ui] = await Promise.all([import('../up/deploy.js'), import('../ui/up-renderer.js')])
    const renderer = this.json ? new ui.JsonLinesRenderer() : process.stdout.isTTY ? new ui.TtyRenderer() : new ui.PlainRenderer()
    try {
      const deployed = await deploy(path, overrides, {emit: event => renderer.event(event), signal})
      // With --connect the forward starts right away: no need to suggest it.
      const target = {path, env: overrides.env, namespace: overrides.namespace, kubeContext: overrides.kubeContext, release: overrides.release}
      renderer.result(deployed.result, deployed.connect ? undefined : target)
      await deployed.connect?.(event => renderer.connect(event))
    } finally {
      renderer.close()
    }
  }

  private async watch(path: string, overrides: Record<string, unknown>, signal: AbortSignal, cleanup: boolean): Promise<void> {
    const [{deployOnChange}, ui] = await Promise.all([import('../up/deploy.js'), import('../ui/watch-renderer.js')])
    const renderer = this.json ? new ui.JsonLinesWatchRenderer() : process.stdout.isTTY ? new ui.TtyWatchRenderer() : new ui.PlainWatchRenderer()
    try {
      await deployOnChange(path, overrides, {emit: event => renderer.event(event), signal, cleanup})
    } finally {
      renderer.close()
    }
  }
}
