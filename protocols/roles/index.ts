// Role election (committee leaders/backups and communication managers) by
// rendezvous hashing; see docs/protocols/roles.md.
export { electRoles, rolesOf, rolesEqual } from './elect.js'
export type { Member, RoleInput, CommitteeRoles, Roles, Role } from './elect.js'
export { rankByRendezvous, clWeight, cmWeight, encodeRoleHashInput, compareBytes, ROLE_HASH_DOMAIN } from './rendezvous.js'
