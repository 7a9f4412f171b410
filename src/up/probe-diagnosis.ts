/**
 * What a failing probe means for the developer, from the kubelet's message and, when there is one, the
 * container's own log: nothing listens on the port (and where the app says it listens instead), the
 * app answers with an error status at the probe's path, or it answers too slowly. Pure.
 */
export interface ProbeExplanation {
  cause: string
  fix: string
  /** The app's own log shows it listening where the probe cannot reach: waiting will not help. */
  decisive?: boolean
}

export interface Listening {
  port: number
  /** The app bound to loopback only: the kubelet (and everyone else) cannot reach it. */
  loopback: boolean
  line: string
}

/**
 * Where the app says it listens, from lines such as "listening on 3000", "Uvicorn running on
 * http://127.0.0.1:8000", "Tomcat started on port 8080 (http)" or "Server started at :5000". The verb
 * must come right before the address or port: a log line's timestamp, or "connecting to the database
 * on localhost:5432", is not where the app listens.
 */
export function listeningIn(lines: readonly string[]): Listening | undefined {
  const verb = '(?:listening|listens|listen|running|serving|started|bound|available)'
  const address = new RegExp(`\\b${verb}\\s+(?:on|at|to)\\s+(?:https?://)?(\\[[0-9a-f:.]+\\]|[\\w.-]+)?:(\\d{2,5})\\b`, 'i')
  const port = new RegExp(`\\b${verb}\\b[^\\n]{0,30}?\\bport\\s*[:=]?\\s*(\\d{2,5})\\b`, 'i')
  const bare = /\blistening\s+(?:on\s+)?(\d{2,5})\b/i
  for (const line of [...lines].reverse()) {
    const a = address.exec(line)
    if (a) return {port: Number(a[2]), loopback: /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(a[1] ?? ''), line: line.trim()}
    const p = port.exec(line) ?? bare.exec(line)
    if (p) return {port: Number(p[1]), loopback: false, line: line.trim()}
  }
  return undefined
}

export function explainProbe(message: string, input: {containerPort?: number | undefined; path?: string | undefined; logs?: readonly string[] | undefined}): ProbeExplanation {
  const port = input.containerPort ?? portIn(message)
  const where = port ? `:${port}` : 'the probe\'s port'
  const said = input.logs ? listeningIn(input.logs) : undefined
  const status = /statuscode: (\d{3})/.exec(message)?.[1]
  if (status) {
    const path = input.path ?? pathIn(message) ?? '/'
    return {
      cause: `the app answers ${status} at ${path} on ${where}, and a probe needs a 2xx or 3xx`,
      fix: `Point probes.path in the chart's values.yaml at a path that answers 200 (or set probes.type=tcp), or make ${path} answer.`,
    }
  }
  if (/connection refused|no route to host|connect: /i.test(message)) {
    if (said?.loopback) {
      return {
        cause: `nothing answers on ${where}: the app listens on localhost only ("${said.line}")`,
        fix: 'Make the app listen on 0.0.0.0 (all interfaces); inside a pod, localhost is unreachable from the kubelet and from other pods.',
        decisive: true,
      }
    }
    if (said && said.port !== port) {
      return {
        cause: `nothing listens on ${where} (the app listens on :${said.port}: "${said.line}")`,
        fix: `Set containerPort: ${said.port} in the chart's values.yaml (or --set port=${said.port} with draft create), or make the app listen on ${port ?? 'the chart\'s port'}.`,
        decisive: true,
      }
    }
    return {
      cause: `nothing listens on ${where}${said ? '' : ' (the app has not said where it listens)'}`,
      fix: `Make the app listen on 0.0.0.0 and port ${port ?? 'containerPort'}, or change containerPort in the chart's values.yaml to the port it uses.`,
    }
  }
  if (/timeout|deadline exceeded|timed out/i.test(message)) {
    return {
      cause: `the app does not answer on ${where} within the probe's timeout`,
      fix: 'Raise probes.timeoutSeconds in the chart\'s values.yaml if the app is slow to answer, or make its health path cheap.',
    }
  }
  return {cause: `failing probe: ${message.split('\n')[0]!.trim()}`, fix: `Make the app answer on ${where}, or change containerPort and probes in the chart's values.yaml.`}
}

const portIn = (message: string): number | undefined => {
  const m = /:(\d{2,5})(?:\/|"|\b)/.exec(message)
  return m ? Number(m[1]) : undefined
}
const pathIn = (message: string): string | undefined => /https?:\/\/[^/\s"]+(\/[^\s"]*)/.exec(message)?.[1]

/** Kubelet events that say nothing about the app, left out of a diagnosis. */
export const EVENT_NOISE = new Set(['MissingClusterDNS', 'DNSConfigForming'])
