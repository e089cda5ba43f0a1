import Redis from 'ioredis';

type ScriptArgument = string | Buffer | number;

/**
 * A Lua script of libs/store, sent by its SHA-1 (EVALSHA) rather than its
 * whole body on every call: ioredis loads it once per connection (the first
 * call is an EVAL) and again after a reconnect or a SCRIPT FLUSH. `name` is
 * the command it becomes on a client, unique within libs/store.
 */
export class StoreScript {
  /** Every script made so far (scripts/measure-request-path.mjs names them in what MONITOR shows). */
  static readonly all: StoreScript[] = [];

  constructor(
    readonly name: string,
    readonly numberOfKeys: number,
    readonly lua: string,
  ) {
    StoreScript.all.push(this);
  }

  /**
   * Makes the scripts commands of the client. Before any command is sent
   * (a repository's constructor): the client auto-pipelines, and a pipeline
   * already under way would not know a command defined after it began.
   */
  static define(redis: Redis, scripts: StoreScript[]): void {
    for (const script of scripts) redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }

  run(redis: Redis, keys: string[], args: ScriptArgument[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    const command = (redis as unknown as Record<string, (...values: ScriptArgument[]) => Promise<unknown>>)[this.name];
    if (!command) throw new Error(`script ${this.name} is not defined on this connection (StoreScript.define)`);
    return command.call(redis, ...keys, ...args);
  }
}
