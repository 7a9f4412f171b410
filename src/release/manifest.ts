import yaml from 'js-yaml'

import {parseImageRef} from '../registry/image-ref.js'

/**
 * What a release's rendered manifests say about the images it runs. Pure: the manifest comes from
 * helm (`helm get manifest`, or the status of a release).
 */
interface Workload {
  kind?: string
  metadata?: {name?: string}
  spec?: {template?: {spec?: {containers?: {name?: string; image?: string}[]}}}
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet'])

/** The container images of the release's workloads, in manifest order, each once. */
export function workloadImages(manifest: string): string[] {
  const images: string[] = []
  try {
    yaml.loadAll(manifest, doc => {
      const object = doc as Workload | null
      if (!object?.kind || !WORKLOADS.has(object.kind)) return
      for (const c of object.spec?.template?.spec?.containers ?? []) if (c.image && !images.includes(c.image)) images.push(c.image)
    })
  } catch {
    // A manifest that is not YAML names no image; the caller shows the tag as unknown.
  }
  return images
}

/** The tag of an image reference (or its digest when it has no tag). */
export function tagOf(image: string): string | undefined {
  try {
    const ref = parseImageRef(image)
    return ref.tag ?? ref.digest
  } catch {
    const colon = image.lastIndexOf(':')
    return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : undefined
  }
}
