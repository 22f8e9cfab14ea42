// Shapes shared by the chaos harness files.
export interface SignerRef { committee: number, member: number, peerId: string }
