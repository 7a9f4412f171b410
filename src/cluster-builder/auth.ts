import {createHash} from 'node:crypto'

import type {Credentials} from '../registry/credentials.js'
import {credentialKey} from '../registry/image-ref.js'

/**
 * The push credentials as the builder reads them: one Docker config file per registry, each a key of
 * the builder's Secret, so that builds for different registries never overwrite each other's entry.
 * Pure. What these return holds secrets: it goes into the Secret object, never into a message or log.
 */

/** The Secret key (and file name in the pods) for a registry host: only the characters a key may hold. */
export function authFileName(registry: string): string {
  const readable = registry.replace(/[^-._a-zA-Z0-9]/g, '_').slice(0, 200)
  return `registry-${readable}.json`
}

/** A Docker config.json with the one registry's credentials, in the form buildctl's auth provider reads. */
export function authFileContent(registry: string, credentials: Credentials): string {
  const key = credentialKey(registry)
  const entry =
    credentials.kind === 'basic'
      ? {auth: Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}
      : {...(credentials.username ? {username: credentials.username} : {}), identitytoken: credentials.identityToken}
  return JSON.stringify({auths: {[key]: entry}})
}

/** sha256 of the file as the pod will see it: the build waits for exactly this content. */
export const authDigest = (content: string): string => createHash('sha256').update(content, 'utf8').digest('hex')
