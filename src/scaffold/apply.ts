import {randomBytes} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative, sep} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {PlannedFile, ScaffoldPlan} from './plan.js'

export interface ApplyResult {
  written: string[]
  kept: string[]
}

/**
 * Write a plan all or nothing. Files are first written to a staging folder inside the app (same file
 * system, so renames are atomic), then renamed into place unit by unit: a file, or a whole chart folder.
 * Anything replaced is moved aside first. On any failure the moves are undone in reverse order, so the
 * folder is exactly as it was.
 */
export function applyPlan(plan: ScaffoldPlan): ApplyResult {
  return applyFiles({root: plan.root, files: plan.files, folders: [plan.chartPath], owner: plan.pack.name})
}

/**
 * The same for any set of planned files under one root (the services of a project): each folder of
 * `folders` (a chart) moves as one unit, every other file on its own, and a failure anywhere undoes all.
 */
export function applyFiles(plan: {root: string; files: readonly PlannedFile[]; folders: readonly string[]; owner: string}): ApplyResult {
  const root = realpathSync(plan.root)
  const toWrite = plan.files.filter(f => f.action !== 'keep')
  const kept = plan.files.filter(f => f.action === 'keep').map(f => f.path)
  if (toWrite.length === 0) return {written: [], kept}

  const staging = join(root, `.draft-staging-${randomBytes(4).toString('hex')}`)
  const undo: (() => void)[] = []
  try {
    for (const file of toWrite) {
      const target = join(staging, 'new', file.path)
      mkdirSync(dirname(target), {recursive: true})
      writeFileSync(target, file.content ?? '')
    }
    for (const unit of units(plan)) {
      const destination = join(root, unit)
      const owner = plan.files.find(f => f.path === unit || f.path.startsWith(`${unit}/`))?.owner ?? plan.owner
      assertInside(root, destination, owner)
      if (existsSync(destination)) {
        // Only what the plan means to replace (--force) may be moved aside; anything else appeared
        // since the plan was made, or is in the way (a file where the chart folder goes).
        const replacing = plan.files.some(f => f.action === 'replace' && (f.path === unit || f.path.startsWith(`${unit}/`)))
        if (!replacing) throw new DraftError('FILES_EXIST', {files: [unit]})
        const aside = join(staging, 'old', unit)
        mkdirSync(dirname(aside), {recursive: true})
        renameSync(destination, aside)
        undo.push(() => renameSync(aside, destination))
      }
      const createdDirs = mkdirs(root, dirname(unit), owner)
      renameSync(join(staging, 'new', unit), destination)
      undo.push(() => {
        rmSync(destination, {recursive: true, force: true})
        for (const dir of createdDirs.reverse()) rmSync(dir, {recursive: true, force: true})
      })
    }
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        step()
      } catch {
        // Keep undoing the rest; a leftover is better than stopping half-way.
      }
    }
    rmSync(staging, {recursive: true, force: true})
    if (error instanceof DraftError) throw error
    throw new DraftError('WRITE_FAILED', {path: plan.root, reason: (error as Error).message}, {cause: error})
  }
  rmSync(staging, {recursive: true, force: true})
  return {written: toWrite.map(f => f.path), kept}
}

/** Rename units: each chart folder moves as one, every other file on its own. */
function units(plan: {files: readonly PlannedFile[]; folders: readonly string[]}): string[] {
  const out = new Set<string>()
  for (const file of plan.files) {
    if (file.action === 'keep') continue
    out.add(plan.folders.find(folder => file.path.startsWith(`${folder}/`)) ?? file.path)
  }
  return [...out]
}

/** Parent folders a unit needs, created one by one so that undo can remove exactly those. */
function mkdirs(root: string, relDir: string, owner: string): string[] {
  const created: string[] = []
  if (relDir === '.' || relDir === '') return created
  let current = root
  for (const part of relDir.split('/')) {
    current = join(current, part)
    if (!existsSync(current)) {
      mkdirSync(current)
      created.push(current)
    }
    assertInside(root, current, owner)
  }
  return created
}

/** A symlink inside the app must not carry a write outside it; the error names who tried to write. */
function assertInside(root: string, path: string, owner: string): void {
  let probe = path
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe)
  const real = lstatSync(probe).isSymbolicLink() || existsSync(probe) ? realpathSync(probe) : probe
  const rel = relative(root, real)
  if (rel.startsWith('..') || rel.split(sep).includes('..') || (rel !== '' && real === rel)) {
    throw new DraftError('UNSAFE_PATH', {pack: owner, path: relative(root, path), ...(symlinkOn(root, probe) ? {link: symlinkOn(root, probe)} : {})})
  }
}

/** The first symlink on the way from the app folder to `path`, relative to the app. */
function symlinkOn(root: string, path: string): string | undefined {
  let current = root
  for (const part of relative(root, path).split(sep).filter(Boolean)) {
    current = join(current, part)
    try {
      if (lstatSync(current).isSymbolicLink()) return relative(root, current)
    } catch {
      return undefined
    }
  }
  return undefined
}
