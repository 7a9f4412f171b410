import {DraftError} from '../core/errors.js'

/**
 * Image references, normalised the way the Docker CLI does, so that the host we look credentials up
 * for, the repository we ask the registry about and the name we hand to `docker push` and the chart
 * all agree with what Docker itself would use.
 */
export interface ImageRef {
  /** Registry host, with port when given; Docker Hub is `docker.io`. */
  registry: string
  /** Repository path inside the registry, e.g. `library/nginx` or `me/app`. */
  path: string
  tag?: string
  digest?: string
}

export const DOCKER_HUB = 'docker.io'
/** The key Docker uses for Docker Hub in config.json and with credential helpers. */
export const DOCKER_HUB_INDEX = 'https://index.docker.io/v1/'
/** Docker Hub's registry API lives on another host than its name. */
const DOCKER_HUB_API = 'registry-1.docker.io'

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const IPV6 = /^\[[a-fA-F0-9:]+\]$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
const HEX64 = /^[a-f0-9]{64}$/
const MAX_NAME = 255

const bad = (input: string, reason: string): DraftError<'BAD_IMAGE_REF'> =>
  new DraftError('BAD_IMAGE_REF', {input, reason})

/** `host`, `host:port`, `[v6]:port`: what Docker accepts before the first slash as a registry. */
export function isValidHost(host: string): boolean {
  const m = /^(.*?)(?::(\d+))?$/.exec(host)
  const name = m?.[1] ?? ''
  if (m?.[2] !== undefined && Number(m[2]) > 65535) return false
  if (IPV6.test(name)) return true
  return name.length > 0 && name.split('.').every(label => DOMAIN_LABEL.test(label))
}

/** Docker's rule: a first component with `.` or `:`, `localhost`, or capitals is a registry host. */
const looksLikeHost = (first: string): boolean =>
  first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()

function splitHost(name: string): {registry: string; path: string} {
  const slash = name.indexOf('/')
  const first = slash === -1 ? '' : name.slice(0, slash)
  let registry = DOCKER_HUB
  let path = name
  if (slash !== -1 && looksLikeHost(first)) {
    registry = first
    path = name.slice(slash + 1)
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`
  return {registry, path}
}

function validatePath(input: string, path: string): void {
  if (path !== path.toLowerCase()) throw bad(input, 'the repository name must be lower case')
  for (const component of path.split('/')) {
    if (!COMPONENT.test(component)) {
      throw bad(input, component === '' ? 'it has an empty path component' : `"${component}" is not a valid path component`)
    }
  }
}

/** Parses `name`, `host:port/name`, `host/ns/name:tag`, `name@sha256:…` and fills in Docker Hub defaults. */
export function parseImageRef(input: string): ImageRef {
  const text = input.trim()
  if (text === '') throw bad(input, 'it is empty')
  if (/^[a-z]+:\/\//i.test(text)) throw bad(input, 'an image reference has no scheme (drop the http:// or https://)')

  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw bad(input, `"${digest}" is not a valid digest`)
    if (digest.startsWith('sha256:') && digest.length !== 'sha256:'.length + 64) {
      throw bad(input, 'a sha256 digest has exactly 64 hex characters')
    }
  }

  // A tag is after the last colon, unless that colon belongs to a host:port (a slash follows it).
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon !== -1 && !rest.slice(colon + 1).includes('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw bad(input, `"${tag}" is not a valid tag`)
  }

  if (rest === '') throw bad(input, 'it has no repository name')
  if (rest.length > MAX_NAME) throw bad(input, `the name is longer than ${MAX_NAME} characters`)
  if (HEX64.test(rest)) throw bad(input, 'a 64-character hex string is an image ID, not a name')

  const {registry, path} = splitHost(rest)
  if (!isValidHost(registry)) throw bad(input, `"${registry}" is not a valid registry host`)
  validatePath(input, path)

  return {registry, path, ...(tag === undefined ? {} : {tag}), ...(digest === undefined ? {} : {digest})}
}

/** `registry/path`, fully qualified: what the registry API and credentials care about. */
export const repositoryOf = (ref: ImageRef): string => `${ref.registry}/${ref.path}`

/** The fully qualified reference, e.g. `docker.io/library/nginx:1.27`. */
export function formatImageRef(ref: ImageRef): string {
  return `${repositoryOf(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`
}

/** The short form Docker prints: `nginx:1.27`, `me/app`, `127.0.0.1:45000/app:abc`. */
export function familiarImageRef(ref: ImageRef): string {
  let name = repositoryOf(ref)
  if (ref.registry === DOCKER_HUB) name = ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice(8) : ref.path
  return `${name}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`
}

/** Where the registry HTTP API for a registry host answers. */
export const apiHost = (registry: string): string => (registry === DOCKER_HUB ? DOCKER_HUB_API : registry)

/** The key Docker uses for this registry in config.json `auths`, `credHelpers` and helper requests. */
export const credentialKey = (registry: string): string =>
  registry === DOCKER_HUB || registry === 'index.docker.io' || registry === DOCKER_HUB_API ? DOCKER_HUB_INDEX : registry

/**
 * The repository `draft up` pushes to and hands to the chart, from the registry setting
 * (`127.0.0.1:45000`, `ghcr.io/me`, `docker.io/me`, `me`, or empty for images only the local
 * cluster sees) and the image name. The setting is kept as the user wrote it, only validated, so that
 * what we print is what they typed.
 */
export function imageRepository(registry: string, imageName: string): string {
  const setting = registry.trim().replace(/\/+$/, '')
  if (/^[a-z]+:\/\//i.test(setting)) {
    throw new DraftError('BAD_IMAGE_REF', {
      input: registry,
      reason: 'the registry setting is a host and optional path, without http:// or https:// (e.g. ghcr.io/me)',
    })
  }
  const name = imageName.trim().replace(/^\/+/, '')
  const repository = setting === '' ? name : `${setting}/${name}`
  const ref = parseImageRef(repository)
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw bad(repository, 'the registry setting and the image name must not carry a tag or digest')
  }
  return repository
}

/** `repository:tag` for the registry setting, image name and tag. */
export function imageReference(registry: string, imageName: string, tag: string): string {
  const repository = imageRepository(registry, imageName)
  if (!TAG.test(tag)) throw bad(`${repository}:${tag}`, `"${tag}" is not a valid tag`)
  return `${repository}:${tag}`
}
