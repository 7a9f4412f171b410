/**
 * What a pod says about live update, in its annotations. Pure.
 *
 *   draft.dev/sync     set by the chart in sync mode (its value: the reload mode): the pod can take
 *                      synced files (a writable app folder; with restart, the wrapper runs the app)
 *   draft.dev/synced   written by draft after every sync: how many files differ from the image
 *                      the pod started from, e.g. {"files":3,"image":"draft-0123456789abcdef","at":"..."}
 *
 * Why on the pod: the synced files live and die with it. A pod that replaces it starts from the
 * image without them and without the annotation, so `draft status` can never report a sync that the
 * running pod does not have.
 */
export const SYNC_MODE_ANNOTATION = 'draft.dev/sync'
export const SYNCED_ANNOTATION = 'draft.dev/synced'

export interface SyncRecord {
  /** Distinct files synced into the pod since it started from the image. */
  files: number
  /** The image tag it started from. */
  image: string
  /** When the last sync landed (RFC 3339). */
  at: string
}

export const formatSyncRecord = (record: SyncRecord): string => JSON.stringify({files: record.files, image: record.image, at: record.at})

/** The record in a pod's annotations; undefined when there is none or it is not draft's. */
export function parseSyncRecord(annotations: Readonly<Record<string, string>> | undefined): SyncRecord | undefined {
  const raw = annotations?.[SYNCED_ANNOTATION]
  if (!raw) return undefined
  try {
    const value = JSON.parse(raw) as Partial<SyncRecord>
    if (typeof value.files !== 'number' || typeof value.image !== 'string') return undefined
    return {files: value.files, image: value.image, at: typeof value.at === 'string' ? value.at : ''}
  } catch {
    return undefined
  }
}

/** One line for `draft status`: "synced 3 files since image draft-0123…". */
export const describeSyncRecord = (record: SyncRecord): string => `synced ${record.files} file${record.files === 1 ? '' : 's'} since image ${record.image}`
