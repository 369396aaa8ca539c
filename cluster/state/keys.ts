// Key layout, shared by both implementations: everything under faasmpi:<cluster>:, a user's under
// faasmpi:<cluster>:user:<user>:.
import { checkName } from './types.js';

export class Keys {
  readonly prefix: string;
  constructor(cluster: string) {
    this.prefix = `faasmpi:${checkName('cluster', cluster)}:`;
  }
  hostIndex(): string { return `${this.prefix}hosts`; }
  host(id: string): string { return `${this.prefix}host:${id}`; }
  slots(id: string): string { return `${this.prefix}slots:${id}`; }
  queueIndex(): string { return `${this.prefix}queue`; }
  queued(id: string): string { return `${this.prefix}queued:${id}`; }
  queueSeq(): string { return `${this.prefix}queue-seq`; }
  user(user: string): UserKeys { return new UserKeys(`${this.prefix}user:${checkName('user', user)}:`); }
}

export class UserKeys {
  constructor(readonly prefix: string) {}
  jobIndex(): string { return `${this.prefix}jobs`; }
  job(id: string): string { return `${this.prefix}job:${id}`; }
  hostTable(groupId: string): string { return `${this.prefix}group:${groupId}`; }
}
