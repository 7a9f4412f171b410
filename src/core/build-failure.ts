/**
 * A failed image build, whichever builder ran it (the local Docker engine or BuildKit in the cluster):
 * the step, the builder's reason and the step's last output lines. The up engine turns it into
 * BUILD_FAILED with the path of the full log.
 */
export class BuildFailure extends Error {
  constructor(readonly step: string, readonly reason: string, readonly tail: string[]) {
    super(`${step}: ${reason}`)
  }
}
