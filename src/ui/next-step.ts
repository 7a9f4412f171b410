import type {UpResult} from '../up/up-engine.js'

/**
 * What the summary of `draft up` suggests doing next to reach the app: a port-forward to the Service
 * the chart rendered, on its port, from a free local one. Kept to this one pure function so the hint
 * can change in one place (to `draft connect` once it exists).
 */
export function nextStep(r: Pick<UpResult, 'release' | 'namespace' | 'kubeContext' | 'service'>): {command: string; url?: string} {
  const kubectl = `kubectl${r.kubeContext ? ` --context ${r.kubeContext}` : ''} -n ${r.namespace}`
  if (!r.service) return {command: `${kubectl} get pods -l app.kubernetes.io/instance=${r.release}`}
  const local = r.service.localPort ?? r.service.containerPort ?? r.service.port
  return {command: `${kubectl} port-forward svc/${r.service.name} ${local}:${r.service.port}`, url: `http://localhost:${local}`}
}
