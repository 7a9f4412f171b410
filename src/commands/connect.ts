import {Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Connect extends DraftCommand {
  static override summary = 'Forward the app\'s ports to localhost and stream its logs, across redeploys, until Ctrl-C.'
  static override description = `Each container port of the release is forwarded to the same port on localhost (the next free one when it is taken), and the URLs are printed. New connections go to a Ready pod of the newest version: after a redeploy they move to the new pod while open connections finish on the old one, and the local port and URL never change. The logs of every pod follow, each line labelled with a short pod name (--no-logs to leave them out).

A deleted pod or an API server restart is reconnected with backoff; when no pod is Ready, connect says why and waits. Everything goes through the Kubernetes API (port-forward, logs), so any cluster your kubeconfig reaches works.`
  static override examples = [
    '<%= config.bin %> connect',
    '<%= config.bin %> connect --port 8080:3000',
    '<%= config.bin %> connect ./api --env staging --no-logs',
    '<%= config.bin %> connect --json',
    '<%= config.bin %> connect ./shop --service api --service web',
  ]

  static override args = releaseArgs

  static override flags = {
    ...releaseFlags,
    port: Flags.string({char: 'p', description: 'Forward LOCAL:REMOTE instead of the declared ports (repeatable); an explicit local port that is taken is an error.', multiple: true}),
    logs: Flags.boolean({description: 'Stream the pods\' logs (--no-logs: only forward).', default: true, allowNo: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Connect)
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const [{connect}, {ConnectRenderer}, {isProjectConfig}] = await Promise.all([import('../connect/connect.js'), import('../ui/connect-renderer.js'), import('../config/project-toml.js')])
      const renderer = new ConnectRenderer(this.json)
      if (!this.json) process.stderr.write('Ctrl-C to stop.\n')
      if (isProjectConfig(args.path)) {
        // Every service (or those --service names): its ports, each on a URL of its own, and its logs.
        const [{connectProject}, {DraftError}] = await Promise.all([import('../project/connect.js'), import('../core/errors.js')])
        if (flags.port?.length) throw new DraftError('CONFIG_INVALID', {file: '--port', key: 'port', problem: 'at the root of several services a port means nothing without its service', fix: 'Leave --port out (each service\'s ports are forwarded), or pass --service NAME with it.'})
        await connectProject(args.path, releaseOverrides(flags), {logs: flags.logs, emit: event => renderer.event(event), signal: interrupt.signal})
        return
      }
      await connect(
        args.path,
        {env: flags.env, namespace: flags.namespace, kubeContext: flags['kube-context'], release: flags.release},
        {ports: flags.port ?? [], logs: flags.logs, emit: event => renderer.event(event), signal: interrupt.signal},
      )
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
