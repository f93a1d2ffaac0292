// thrown when a study was stopped by Ctrl-C after writing what it had: exit with this code
export class Stopped extends Error {
  constructor(readonly exitCode: number) {
    super('stopped');
  }
}
