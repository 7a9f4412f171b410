/**
 * The dependency graph of a project's services: cycle detection, the order to deploy in, and who
 * depends on whom. Pure; names are service names, and every edge may carry the line that declares
 * it, so a cycle is reported where it is written.
 */
export interface GraphNode {
  name: string
  dependsOn: readonly {name: string; line?: number}[]
}

/** The first cycle found (in the order the services are listed), closed: [a, b, a]. */
export function findCycle(nodes: readonly GraphNode[]): {cycle: string[]; line?: number} | undefined {
  const byName = new Map(nodes.map(n => [n.name, n]))
  const state = new Map<string, 'open' | 'done'>()
  const stack: {name: string; line?: number}[] = []
  const visit = (name: string, line?: number): {cycle: string[]; line?: number} | undefined => {
    if (state.get(name) === 'done') return undefined
    if (state.get(name) === 'open') {
      const from = stack.findIndex(s => s.name === name)
      return {cycle: [...stack.slice(from).map(s => s.name), name], ...(line !== undefined ? {line} : {})}
    }
    const node = byName.get(name)
    if (!node) return undefined
    state.set(name, 'open')
    stack.push({name, ...(line !== undefined ? {line} : {})})
    for (const dep of node.dependsOn) {
      const found = visit(dep.name, dep.line)
      if (found) return found
    }
    stack.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const node of nodes) {
    const found = visit(node.name)
    if (found) return found
  }
  return undefined
}

/**
 * Deploy waves: every service comes after all it depends on; services of one wave do not depend on
 * each other. Dependencies outside `nodes` (services not selected this run) are taken as there.
 * Within a wave the listed order is kept. Throws on a cycle (check with findCycle first).
 */
export function deployWaves(nodes: readonly GraphNode[]): string[][] {
  const names = new Set(nodes.map(n => n.name))
  const placed = new Set<string>()
  const waves: string[][] = []
  let left = nodes.slice()
  while (left.length) {
    const wave = left.filter(n => n.dependsOn.every(d => !names.has(d.name) || placed.has(d.name)))
    if (wave.length === 0) throw new Error(`dependency cycle among ${left.map(n => n.name).join(', ')}`)
    for (const n of wave) placed.add(n.name)
    waves.push(wave.map(n => n.name))
    left = left.filter(n => !placed.has(n.name))
  }
  return waves
}

/** Everything `name` depends on, directly or not, that is in `nodes`. */
export function dependenciesOf(nodes: readonly GraphNode[], name: string): Set<string> {
  const byName = new Map(nodes.map(n => [n.name, n]))
  const out = new Set<string>()
  const walk = (n: string): void => {
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (out.has(d.name) || !byName.has(d.name)) continue
      out.add(d.name)
      walk(d.name)
    }
  }
  walk(name)
  return out
}
