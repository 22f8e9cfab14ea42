// Mistakes in how a scenario built its run (not invariant failures): each names the culprit.

export class UnknownSimNodeError extends Error {
  constructor (readonly nodeId: string, readonly asker: string) {
    super(`${asker}: the simulation has no node ${nodeId}`)
    this.name = 'UnknownSimNodeError'
  }
}

export class UnknownMachineError extends Error {
  constructor (readonly nodeId: string, readonly machine: string) {
    super(`node ${nodeId} runs no machine named ${machine}`)
    this.name = 'UnknownMachineError'
  }
}

export class DuplicateMachineError extends Error {
  constructor (readonly nodeId: string, readonly machine: string) {
    super(`node ${nodeId} already runs a machine named ${machine}`)
    this.name = 'DuplicateMachineError'
  }
}

export class NodeAlreadyUpError extends Error {
  constructor (readonly nodeId: string) {
    super(`node ${nodeId} is already up: a boot needs a crash first`)
    this.name = 'NodeAlreadyUpError'
  }
}
