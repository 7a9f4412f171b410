/**
 * The one place the builder's BuildKit version is pinned. The test bed builds its stand-in image
 * from the BuildKit Go module at this same version (test/bed/lib/buildkit.sh reads it from here).
 */
export const BUILDKIT_VERSION = 'v0.34.2'

/** The official images of that version: the rootless one (the default) and the one that runs as root. */
export const BUILDKIT_IMAGES = {
  rootless: `docker.io/moby/buildkit:${BUILDKIT_VERSION}-rootless`,
  privileged: `docker.io/moby/buildkit:${BUILDKIT_VERSION}`,
} as const
