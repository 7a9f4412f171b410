import {Args, Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'

export default class Up extends DraftCommand {
  static override summary = 'Build, push and deploy the app, then wait until it is running; with --watch, again on every save.'
  static override description = `Builds the image with Docker (BuildKit when available), tags it with a digest of its content, pushes it (skipped when the registry already has it, or when a local cluster sees local images), upgrades the Helm release and waits for the rollout. With nothing changed, it is a no-op. Settings come from draft.toml; flags override them.

With --watch it keeps going: each burst of saves becomes one cycle, a save during a build cancels that stale build, and a failed cycle leaves the last good release running.

With --watch a local dashboard shows every cycle, build log, pod and log line, and can rebuild, pause and roll back: draft prints its URL (127.0.0.1 only, with a token of this session). --ui=false (or ui = false in draft.toml) leaves it out.

With --builder cluster (or builder = "cluster" in draft.toml) the image is built by BuildKit that draft runs in the cluster, which pushes it to the registry itself: no Docker on this machine. draft creates or upgrades that builder on first use (see \`draft builder status\`).

With --connect (or connect = true in draft.toml) the app's ports are forwarded to localhost and its logs streamed after the deploy, as draft connect does; with --watch the URL stays the same across cycles.

At a project root (a draft.toml with [services.NAME] tables, written by draft create there) it does this for every service: the changed ones are built at once (as many as the machine has cores), each service's release is deployed once the services it depends on are ready, an unchanged service gets no new revision, and one table ends the run. One service failing does not stop the others; the exit code says so. With --watch, a save goes to the services whose build context holds the file, and only them; the dashboard there has a row per service.

With --watch --sync (or sync = true in draft.toml) the app runs in development mode and a saved source file is copied into the running container instead of rebuilding the image, following the [sync] rules of draft.toml; a change that needs a new image (a dependency manifest, the Dockerfile) still rebuilds, and so does every cycle where a sync cannot apply.`
  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --watch',
    '<%= config.bin %> up --watch --connect',
    '<%= config.bin %> up --watch --ui=false',
    '<%= config.bin %> up --watch --sync --connect',
    '<%= config.bin %> up --builder cluster',
    '<%= config.bin %> up --registry 127.0.0.1:5000 --namespace dev',
    '<%= config.bin %> up --env staging --set replicaCount=2',
    '<%= config.bin %> up --build-arg PYTHON_VERSION=3.13',
    '<%= config.bin %> up --json',
    '<%= config.bin %> up ./shop --service api --service web',
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
    set: Flags.string({description: 'Helm value, e.g. --set replicaCount=2 (repeatable).', multiple: true}),
    'build-arg': Flags.string({description: 'Docker build argument, e.g. --build-arg PYTHON_VERSION=3.13 (repeatable); over draft.toml\'s build-args.', multiple: true}),
    'build-network': Flags.string({description: 'Network mode of build steps, e.g. host (local builds).'}),
    builder: Flags.string({description: 'Where to build: local (Docker on this machine) or cluster (BuildKit that draft runs in the cluster); default: builder in draft.toml, else local.', options: ['local', 'cluster']}),
    timeout: Flags.string({description: 'How long to wait for the rollout, e.g. 90s or 5m.'}),
    watch: Flags.boolean({char: 'w', description: 'Keep watching and deploy every saved change.'}),
    quiet: Flags.string({description: 'With --watch: quiet period after the last save before a cycle starts (default 300ms).', dependsOn: ['watch']}),
    cleanup: Flags.boolean({description: 'With --watch: uninstall the release when you stop.', dependsOn: ['watch']}),
    connect: Flags.boolean({description: 'Then forward the ports to localhost and stream the logs until Ctrl-C (with --watch, for the whole session); default: connect in draft.toml.', allowNo: true}),
    ui: Flags.string({description: 'With --watch: serve the dashboard on 127.0.0.1 (--ui=false: not); default: ui in draft.toml, else true.', options: ['true', 'false'], dependsOn: ['watch']}),
    service: Flags.string({description: 'At a project root: only this service (repeatable); the ones it depends on are taken as deployed.', multiple: true}),

    sync: Flags.boolean({description: 'With --watch: copy saved files into the running container instead of rebuilding, per draft.toml\'s [sync] rules (development mode); default: sync in draft.toml.', allowNo: true, dependsOn: ['watch']}),
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
      buildArg: flags['build-arg'],
      buildNetwork: flags['build-network'],
      builder: flags.builder,
      timeout: flags.timeout,
      quiet: flags.quiet,
      connect: flags.connect,
      ui: flags.ui === undefined ? undefined : flags.ui === 'true',
      sync: flags.sync,
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
      const {isProjectConfig} = await import('../config/project-toml.js')
      if (isProjectConfig(args.path)) {
        const project = {...overrides, ...(flags.service?.length ? {services: flags.service} : {})}
        if (flags.watch && flags.connect) {
          const {DraftError} = await import('../core/errors.js')
          throw new DraftError('CONFIG_INVALID', {file: '--connect', key: 'connect', problem: 'with --watch at the root of several services, --connect is not offered yet', fix: 'Run `draft connect` at the root in another terminal: it forwards every service and follows each redeploy.'})
        }
        if (flags.sync) {
          const {DraftError} = await import('../core/errors.js')
          throw new DraftError('CONFIG_INVALID', {file: '--sync', key: 'sync', problem: 'live update is not offered yet at the root of several services', fix: 'Leave --sync out here: every save builds and deploys the services whose build context holds it.'})
        }
        if (flags.watch) await this.watchProject(args.path, project, interrupt.signal, Boolean(flags.cleanup))
        else await this.onceProject(args.path, project, interrupt.signal, Boolean(flags.connect))
      } else if (flags.service?.length) {
        const {DraftError} = await import('../core/errors.js')
        throw new DraftError('CONFIG_INVALID', {file: '--service', key: 'service', problem: `${args.path} holds one app, not a project of services`, fix: 'Leave --service out, or run draft up at the project root (its draft.toml has [services.NAME] tables).'})
      } else if (flags.watch) await this.watch(args.path, overrides, interrupt.signal, Boolean(flags.cleanup))
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

  private async onceProject(path: string, overrides: Record<string, unknown>, signal: AbortSignal, connect: boolean): Promise<void> {
    const [{deployProject}, {failedRows}, ui, {loadProject}, {DraftError}] = await Promise.all([
      import('../project/run.js'),
      import('../project/project-up.js'),
      import('../ui/project-renderer.js'),
      import('../config/project-toml.js'),
      import('../core/errors.js'),
    ])
    const names = loadProject(path, overrides).services.map(s => s.name)
    const renderer = this.json ? new ui.JsonLinesProjectRenderer() : new ui.LinesProjectRenderer(names)
    let failed: string[] = []
    let total = 0
    try {
      const {run} = await deployProject(path, overrides, {emit: event => renderer.event(event), signal})
      renderer.result(run)
      failed = failedRows(run).map(r => `${r.service} (${r.state === 'blocked' ? 'blocked' : r.error?.code ?? r.state})`)
      total = run.rows.length
    } finally {
      renderer.close()
    }
    if (failed.length) throw new DraftError('SERVICES_FAILED', {failed, total})
    if (connect && !signal.aborted) {
      // As `draft connect` at the root: every service's ports and logs, until Ctrl-C.
      const [{connectProject}, {ConnectRenderer}] = await Promise.all([import('../project/connect.js'), import('../ui/connect-renderer.js')])
      const lines = new ConnectRenderer(this.json)
      if (!this.json) process.stderr.write('Ctrl-C to stop.\n')
      await connectProject(path, overrides, {logs: true, emit: event => lines.event(event), signal})
    }
  }

  private async watchProject(path: string, overrides: Record<string, unknown>, signal: AbortSignal, cleanup: boolean): Promise<void> {
    const [{deployProjectOnChange}, ui] = await Promise.all([import('../project/run.js'), import('../ui/project-renderer.js')])
    const renderer = this.json ? new ui.JsonLinesProjectWatchRenderer() : new ui.LinesProjectWatchRenderer()
    try {
      await deployProjectOnChange(path, overrides, {emit: event => renderer.event(event), signal, cleanup})
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
