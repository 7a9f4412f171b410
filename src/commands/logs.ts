import {Flags} from '@oclif/core'

import {DraftCommand} from '../cli/base-command.js'
import {releaseArgs, releaseFlags, releaseOverrides} from '../cli/release-flags.js'

export default class Logs extends DraftCommand {
  static override summary = 'Print the logs of the app\'s pods, each line labelled with its pod; -f follows them, new pods included.'
  static override description = `Reads the logs of every pod of the release through the Kubernetes API and prints them in time order, each line labelled with a short pod name. With --follow it keeps going until Ctrl-C, and pods that appear later (a redeploy, a restarted container) are followed from their first line.

--build prints the log of the last image build instead (draft up writes it to .draft/logs/build.log).`
  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs -f',
    '<%= config.bin %> logs --since 10m --tail 100',
    '<%= config.bin %> logs --previous',
    '<%= config.bin %> logs --build',
    '<%= config.bin %> logs ./shop -f --service api --service worker',
  ]

  static override args = releaseArgs

  static override flags = {
    ...releaseFlags,
    follow: Flags.boolean({char: 'f', description: 'Keep streaming, and follow new pods as they appear.', exclusive: ['previous', 'build']}),
    since: Flags.string({description: 'Only lines newer than this, e.g. 30s, 10m, 2h.', exclusive: ['build']}),
    tail: Flags.integer({description: 'Only the last N lines of each container.', min: 0, exclusive: ['build']}),
    previous: Flags.boolean({description: 'The log of the previous instance of each restarted container (the one that crashed).', exclusive: ['build']}),
    container: Flags.string({char: 'c', description: 'Only this container of each pod.', exclusive: ['build']}),
    build: Flags.boolean({description: 'Print the log of the last image build.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const [connect, {ConnectRenderer}, {isProjectConfig}] = await Promise.all([import('../connect/connect.js'), import('../ui/connect-renderer.js'), import('../config/project-toml.js')])
    const project = isProjectConfig(args.path) ? await import('../project/connect.js') : undefined
    if (flags.build && project) {
      for (const log of project.projectBuildLogs(args.path, releaseOverrides(flags))) {
        if (this.json) for (const line of log.text.split('\n').filter(Boolean)) process.stdout.write(`${JSON.stringify({type: 'build-log-line', service: log.service, line})}\n`)
        else process.stdout.write(`── ${log.service} (${log.path}) ──\n${log.text}`)
      }
      return
    }
    if (flags.build) {
      const log = connect.buildLog(args.path)
      if (this.json) {
        for (const line of log.text.split('\n').filter(Boolean)) process.stdout.write(`${JSON.stringify({type: 'build-log-line', line})}\n`)
      } else {
        process.stdout.write(log.text)
      }
      return
    }
    const interrupt = new AbortController()
    const onSignal = (): void => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const renderer = new ConnectRenderer(this.json)
      if (project) {
        const {since, ...request} = {
          follow: Boolean(flags.follow),
          previous: Boolean(flags.previous),
          ...(flags.since !== undefined ? {since: flags.since} : {}),
          ...(flags.tail !== undefined ? {tail: flags.tail} : {}),
          ...(flags.container ? {container: flags.container} : {}),
        }
        await project.projectLogs(args.path, releaseOverrides(flags), {...request, ...(since === undefined ? {} : {sinceSeconds: connect.sinceSeconds(since)})}, {emit: event => renderer.event(event), signal: interrupt.signal})
        return
      }
      await connect.logs(
        args.path,
        {env: flags.env, namespace: flags.namespace, kubeContext: flags['kube-context'], release: flags.release},
        {
          follow: Boolean(flags.follow),
          previous: Boolean(flags.previous),
          ...(flags.since !== undefined ? {since: flags.since} : {}),
          ...(flags.tail !== undefined ? {tail: flags.tail} : {}),
          ...(flags.container ? {container: flags.container} : {}),
        },
        {emit: event => renderer.event(event), signal: interrupt.signal},
      )
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
