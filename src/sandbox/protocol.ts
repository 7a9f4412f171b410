/** Precedes the results on the sandbox's stdout: whatever a template printed comes before it. */
export const RESULT_MARK = '\n\u0000draft-render-results\u0000'
