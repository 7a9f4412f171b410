/**
 * execa, re-exported so that `npm run build` can bundle it into one file: as ~40 small ES modules it
 * costs ~80 ms to load on every run that starts a program, bundled ~30 ms.
 */
export {execa} from 'execa'
