import type {DraftError} from '../core/errors.js'
import {loadPacks} from '../pack-model/registry.js'
import {type DetectOptions, type Detection, detectApp, openApp, whyNoPack} from './detect.js'

/** `draft detect PATH`: what the packs visible from that app make of it, and why none fits if so. */
export async function detectPath(path: string, options: DetectOptions = {}): Promise<{detection: Detection; problem?: DraftError}> {
  const snapshot = openApp(path)
  const packs = loadPacks({appDir: snapshot.root})
  const detection = await detectApp(snapshot, packs, options)
  return {detection, problem: whyNoPack(detection, packs)}
}
