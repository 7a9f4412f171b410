import {existsSync, statSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {DraftError} from '../core/errors.js'
import {MANIFEST} from '../pack-model/manifest.js'
import {type LocalPack, localPack, localPacks} from '../pack-model/trust.js'
import {type TrustAnswer, type TrustStore, withAnswer} from '../pack-model/trust-store.js'

/**
 * `draft pack allow|deny PATH`: remember an answer for a pack folder (PATH holds pack.toml) or for
 * every pack an app brings (PATH is the app, with .draft/packs/), for the content it has now.
 */
export function answerPacks(path: string, answer: TrustAnswer, store: TrustStore): {pack: LocalPack; answer: TrustAnswer}[] {
  const dir = resolve(path)
  if (!existsSync(dir)) throw new DraftError('PATH_NOT_FOUND', {path})
  if (!statSync(dir).isDirectory()) throw new DraftError('PATH_NOT_DIRECTORY', {path})
  const packs = existsSync(join(dir, MANIFEST)) ? [localPack(dir)] : localPacks(dir)
  if (packs.length === 0) throw new DraftError('PACK_NOT_FOUND_IN_SOURCE', {source: path})
  let entries = store.read()
  const at = new Date().toISOString()
  for (const pack of packs) entries = withAnswer(entries, {dir: pack.dir, digest: pack.digest, answer, name: pack.name, at})
  store.write(entries)
  return packs.map(pack => ({pack, answer}))
}
