import {type FactSet, type Inspector, fact, lineOf} from '../facts.js'

/**
 * The Procfile, in any language: `web` starts the app (each ecosystem's inspector reads it as its
 * start command), `release` runs once before a new version serves traffic (migrations). Packs map
 * `procfile.release` to their releaseCommand variable.
 */
export const procfileInspector: Inspector = {
  name: 'procfile',
  inspect(snapshot) {
    const text = snapshot.read('Procfile')
    if (!text) return {}
    const facts: FactSet = {}
    for (const [process, name] of [['web', 'web'], ['release', 'release']] as const) {
      const match = new RegExp(`^${process}:\\s*(.+?)\\s*$`, 'm').exec(text)
      if (match) facts[name] = fact(match[1]!, `Procfile ${process} process`, 'Procfile', lineOf(text, new RegExp(`^${process}:`, 'm')))
    }
    return facts
  },
}
