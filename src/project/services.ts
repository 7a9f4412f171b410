import {posix} from 'node:path'

import {DraftError} from '../core/errors.js'
import {appNameFrom} from '../scaffold/plan.js'
import type {ComposeProject, ComposeVolume} from './compose.js'
import {findCycle} from './graph.js'

/**
 * Which services a project has and how each is built or run, decided from the compose file (when
 * there is one) and the apps detection found. Pure: what exists on disk comes in as `exists`.
 */

/** An app folder detection found below the root. */
export interface DetectedApp {
  /** Relative to the root, `/`-separated. */
  path: string
  pack: string | null
  framework?: string | null
  /** Why it is a library (the inspector's evidence), when it is one: nothing to deploy. */
  library?: string
}

export interface ServiceBuild {
  /** Build context, relative to the root ('.' is the root). */
  context: string
  /** Relative to the root. */
  dockerfile: string
  /** The Dockerfile is there already (it is kept and used). */
  dockerfileExists: boolean
  /** The context is not the service's folder: the pack's Dockerfile cannot be used, only its chart. */
  chartOnly: boolean
  target?: string
  args: Record<string, string>
}

export interface ServiceSpec {
  /** The name other services use (the compose service, or the app's folder name). */
  name: string
  /** Its Kubernetes name: release, Deployment and Service. */
  release: string
  kind: 'build' | 'image'
  /** The service's own folder, relative to the root: its chart and scaffold go there. */
  path: string
  build?: ServiceBuild
  /** kind image: the image deployed as it is. */
  image?: string
  ports: number[]
  env: Record<string, string>
  dependsOn: {name: string; line?: number}[]
  volumes: ComposeVolume[]
  command?: string[]
  entrypoint?: string[]
  user?: number
  /** Where it was declared: `compose.yaml:12`, or the app folder. */
  origin: {file: string; line?: number}
}

export interface ServicesPlan {
  services: ServiceSpec[]
  /** Folders and compose services that are not deployed, with why, one line each. */
  skipped: {name: string; reason: string}[]
  warnings: string[]
}

export interface PlanServicesInput {
  compose?: ComposeProject
  apps: readonly DetectedApp[]
  only?: readonly string[]
  /** Leave image-only services (redis, postgres, ...) out. */
  noDependencies?: boolean
  exists: {folder(path: string): boolean; file(path: string): boolean}
}

export function planServices(input: PlanServicesInput): ServicesPlan {
  const {compose, apps, exists} = input
  const warnings = [...(compose?.warnings ?? [])]
  const skipped: ServicesPlan['skipped'] = (compose?.skipped ?? []).map(s => ({name: s.name, reason: s.reason}))
  let services: ServiceSpec[]

  if (compose) {
    const file = compose.file
    services = compose.services.map((s): ServiceSpec => {
      const origin = {file, ...(s.line ? {line: s.line} : {})}
      const base = {name: s.name, release: releaseName(s.name, file, s.line), ports: s.ports, env: s.environment, dependsOn: s.dependsOn, volumes: s.volumes, origin, ...(s.user !== undefined ? {user: s.user} : {})}
      if (!s.build) return {...base, kind: 'image', path: '.', image: s.image!, ...(s.command ? {command: s.command} : {}), ...(s.entrypoint ? {entrypoint: s.entrypoint} : {})}
      const at = {file, ...(s.build.line ? {line: s.build.line} : {})}
      const {context, dockerfile} = s.build
      if (!exists.folder(context)) {
        throw new DraftError('COMPOSE_BUILD_MISSING', {...at, service: s.name, what: 'context', path: context}, {location: at})
      }
      const dockerfileExists = exists.file(dockerfile)
      const path = serviceFolder(context, dockerfile)
      const chartOnly = path !== context
      // Only a Dockerfile at the usual place of a service's own folder can be written by a pack.
      if (!dockerfileExists && (chartOnly || posix.basename(dockerfile) !== 'Dockerfile' || posix.dirname(dockerfile) !== (context === '.' ? '.' : context))) {
        throw new DraftError('COMPOSE_BUILD_MISSING', {...at, service: s.name, what: 'dockerfile', path: dockerfile}, {location: at})
      }
      return {
        ...base,
        kind: 'build',
        path,
        build: {context, dockerfile, dockerfileExists, chartOnly, ...(s.build.target ? {target: s.build.target} : {}), args: s.build.args},
      }
    })
    const used = new Set(services.filter(s => s.kind === 'build').flatMap(s => [s.path, s.build!.context]))
    for (const app of apps) {
      if (used.has(app.path)) continue
      skipped.push({name: app.path, reason: app.library ? `library: ${app.library}` : app.pack ? `not a service of ${file}` : 'no pack fits'})
    }
  } else {
    services = []
    for (const app of apps) {
      if (app.library) skipped.push({name: app.path, reason: `library: ${app.library}`})
      else if (!app.pack) skipped.push({name: app.path, reason: 'no pack fits (`draft detect --explain` in the folder says why)'})
      else {
        const name = posix.basename(app.path)
        services.push({
          name,
          release: releaseName(name, app.path),
          kind: 'build',
          path: app.path,
          build: {context: app.path, dockerfile: posix.join(app.path, 'Dockerfile'), dockerfileExists: exists.file(posix.join(app.path, 'Dockerfile')), chartOnly: false, args: {}},
          ports: [],
          env: {},
          dependsOn: [],
          volumes: [],
          origin: {file: app.path},
        })
      }
    }
  }

  for (const s of services) {
    if (s.release !== s.name && s.release !== s.name.toLowerCase()) {
      warnings.push(`${where(s.origin)}: service ${s.name} is deployed as ${s.release} (Kubernetes names are lower case with dashes): other services reach it as ${s.release}, not ${s.name}`)
    }
  }
  const byRelease = new Map<string, ServiceSpec>()
  for (const s of services) {
    const other = byRelease.get(s.release)
    if (other) throw new DraftError('DUPLICATE_RELEASE', {file: s.origin.file, ...(s.origin.line ? {line: s.origin.line} : {}), release: s.release, services: [other.name, s.name]}, {location: s.origin})
    byRelease.set(s.release, s)
  }
  const cycle = findCycle(services)
  if (cycle) {
    const file = compose?.file ?? 'draft.toml'
    throw new DraftError('DEPENDENCY_CYCLE', {file, ...(cycle.line ? {line: cycle.line} : {}), cycle: cycle.cycle}, {location: {file, ...(cycle.line ? {line: cycle.line} : {})}})
  }

  if (input.noDependencies) {
    for (const s of services.filter(s => s.kind === 'image')) skipped.push({name: s.name, reason: `image ${s.image}: left out (--no-dependencies)`})
    services = services.filter(s => s.kind !== 'image')
  }
  if (input.only?.length) {
    for (const name of input.only) {
      if (!services.some(s => s.name === name)) throw new DraftError('UNKNOWN_SERVICE', {name, flag: '--only', services: services.map(s => s.name)})
    }
    services = services.filter(s => input.only!.includes(s.name))
  }
  // A dependency that is not deployed with the others is not waited for.
  const kept = new Set(services.map(s => s.name))
  services = services.map(s => {
    const gone = s.dependsOn.filter(d => !kept.has(d.name))
    if (gone.length) warnings.push(`${where(s.origin)}: service ${s.name} depends on ${gone.map(d => d.name).join(', ')}, which ${gone.length === 1 ? 'is' : 'are'} not scaffolded here; draft up will not wait for ${gone.length === 1 ? 'it' : 'them'}`)
    return gone.length ? {...s, dependsOn: s.dependsOn.filter(d => kept.has(d.name))} : s
  })
  return {services, skipped, warnings}
}

/**
 * A service's own folder: the folder of its Dockerfile when the context is the whole project (the usual
 * monorepo layout, `context: .` and `dockerfile: api/Dockerfile`), its context otherwise.
 */
export function serviceFolder(context: string, dockerfile: string): string {
  const folder = posix.dirname(dockerfile)
  if (context === '.' && folder !== '.') return folder
  return context
}

function releaseName(name: string, file: string, line?: number): string {
  try {
    return appNameFrom(name)
  } catch {
    throw new DraftError('COMPOSE_INVALID', {file, ...(line ? {line} : {}), problem: `"${name}" cannot be made into a Kubernetes name`, fix: 'Rename the service so that it starts with a letter.'}, {location: {file, ...(line ? {line} : {})}})
  }
}

const where = (origin: {file: string; line?: number}): string => `${origin.file}${origin.line ? `:${origin.line}` : ''}`
