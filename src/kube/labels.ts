/** The chart's label for "this release's objects": how draft finds a release's pods and Deployments. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance'
export const instanceSelector = (release: string): string => `${INSTANCE_LABEL}=${release}`
