import type {Pack} from '../pack-model/manifest.js'
import {matchGlob} from '../util/glob.js'
import type {Evidence, Facts} from './facts.js'
import type {LanguageRanking} from './languages.js'

export interface PackScore {
  pack: string
  score: number
  evidence: Evidence[]
}

export interface ScoringInput {
  paths: readonly string[]
  languages: LanguageRanking
  facts: Facts
}

/** A pack must reach this score to be chosen on its own; below it draft asks for --pack. */
export const MIN_SCORE = 25

const truthy = (value: unknown): boolean =>
  Array.isArray(value) ? value.length > 0 : typeof value === 'object' && value !== null ? Object.keys(value).length > 0 : Boolean(value)

/**
 * Score every pack against the evidence: marker files and facts add their rule weights, and the share
 * of the app's code written in the pack's languages adds up to the pack's language weight. Markup
 * languages (HTML, CSS) only count when the app has no code at all, so they can never outvote code.
 * Pure, and the order is total: score, then pack name.
 */
export function scorePacks(packs: readonly Pack[], input: ScoringInput): PackScore[] {
  const scores = packs.map(pack => {
    const evidence: Evidence[] = []
    let score = 0
    if (pack.requires.length && !pack.requires.some(glob => matchGlob(glob, input.paths).length > 0)) {
      return {pack: pack.name, score: 0, evidence: [{detail: `needs ${pack.requires.join(' or ')}`}]}
    }
    const code = input.languages.code.filter(l => pack.languages.includes(l.language))
    const pool = input.languages.code.length ? code : input.languages.other.filter(l => l.category === 'markup' && pack.languages.includes(l.language))
    const share = pool.reduce((sum, l) => sum + l.share, 0)
    if (share > 0) {
      const points = round(share * pack.languageWeight)
      score += points
      const names = pool.map(l => `${l.language} ${Math.round(l.share * 100)}%`).join(', ')
      evidence.push({detail: `${names} of the ${input.languages.code.length ? 'code' : 'markup'} (+${points})`})
    }
    for (const rule of pack.rules) {
      if (rule.files) {
        const matched = rule.files.flatMap(glob => matchGlob(glob, input.paths))
        if (matched.length) {
          score += rule.weight
          evidence.push({detail: `${rule.why ?? matched.slice(0, 3).join(', ')} (${signed(rule.weight)})`, file: matched[0]})
        }
      } else if (rule.fact) {
        const found = input.facts[rule.fact]
        if (found && truthy(found.value)) {
          score += rule.weight
          const first = found.evidence[0]
          evidence.push({
            detail: `${rule.why ?? `${rule.fact}: ${first?.detail ?? String(found.value)}`} (${signed(rule.weight)})`,
            ...(first?.file ? {file: first.file} : {}),
            ...(first?.line ? {line: first.line} : {}),
          })
        }
      }
    }
    return {pack: pack.name, score: round(score), evidence}
  })
  return scores.sort((a, b) => b.score - a.score || (a.pack < b.pack ? -1 : 1))
}

export function choosePack(scores: readonly PackScore[]): PackScore | undefined {
  const best = scores[0]
  return best && best.score >= MIN_SCORE ? best : undefined
}

const round = (n: number): number => Math.round(n * 10) / 10
const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n))
