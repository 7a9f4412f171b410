import type {DraftError} from '../core/errors.js'
import {type TrustDeps, loadAppPacks} from '../pack-model/trust.js'
import {type DetectOptions, type Detection, detectApp, openApp, whyNoPack} from './detect.js'

/** `draft detect PATH`: what the packs visible from that app make of it, and why none fits if so. */
export async function detectPath(path: string, options: DetectOptions, trust: TrustDeps): Promise<{detection: Detection; problem?: DraftError}> {
  const snapshot = openApp(path)
  const packs = await loadAppPacks(snapshot.root, trust)
  const detection = await detectApp(snapshot, packs, options)
  return {detection, problem: whyNoPack(detection, packs)}
}
