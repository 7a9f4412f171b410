import yaml from 'js-yaml'

/** The Service a deploy exposes, as the chart rendered it: where a port-forward goes. */
export interface ServiceTarget {
  name: string
  /** The Service port to forward to. */
  port: number
  /** The container port behind it (its targetPort, resolved by name), when the chart says. */
  containerPort?: number
  /** A free port on this machine for the forward; chosen by `draft up` after the deploy. */
  localPort?: number
}

interface Port {
  name?: string
  port?: number
  targetPort?: number | string
  containerPort?: number
}
interface Manifest {
  kind?: string
  metadata?: {name?: string}
  spec?: {
    selector?: Record<string, string>
    ports?: Port[]
    template?: {metadata?: {labels?: Record<string, string>}; spec?: {containers?: {ports?: Port[]}[]}}
  }
}

/**
 * The Service in front of the release's (first) Deployment, from helm's rendered manifest: the one
 * whose selector matches the pod labels, else the first Service. Its port is the one whose targetPort
 * reaches a container port (named `http` first), else its first port. Pure.
 */
export function serviceIn(manifest: string): ServiceTarget | undefined {
  const docs: Manifest[] = []
  try {
    yaml.loadAll(manifest, doc => {
      if (doc && typeof doc === 'object') docs.push(doc as Manifest)
    })
  } catch {
    return undefined
  }
  const deployment = docs.find(d => d.kind === 'Deployment')
  const labels = deployment?.spec?.template?.metadata?.labels ?? {}
  const containerPorts = (deployment?.spec?.template?.spec?.containers ?? []).flatMap(c => c.ports ?? [])
  const services = docs.filter(d => d.kind === 'Service' && d.metadata?.name && d.spec?.ports?.length)
  const selects = (s: Manifest): boolean => Object.entries(s.spec?.selector ?? {}).every(([k, v]) => labels[k] === v) && Object.keys(s.spec?.selector ?? {}).length > 0
  const service = services.find(selects) ?? services[0]
  if (!service) return undefined

  const resolve = (target: Port['targetPort'], port: number): number | undefined => {
    if (typeof target === 'string' && !/^\d+$/.test(target)) return containerPorts.find(c => c.name === target)?.containerPort
    return target === undefined ? port : Number(target)
  }
  const ports = (service.spec!.ports ?? []).filter((p): p is Port & {port: number} => typeof p.port === 'number')
  const reaching = ports.filter(p => containerPorts.some(c => c.containerPort === resolve(p.targetPort, p.port)))
  const chosen = reaching.find(p => p.name === 'http') ?? reaching[0] ?? ports[0]
  if (!chosen) return undefined
  const containerPort = resolve(chosen.targetPort, chosen.port)
  return {name: service.metadata!.name!, port: chosen.port, ...(containerPort ? {containerPort} : {})}
}
