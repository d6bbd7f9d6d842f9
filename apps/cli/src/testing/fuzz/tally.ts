/**
 * What the fuzzer saw, counted: probes tried, gRPC status codes by rpc,
 * the refusals the coordinator must have counted, accepted probes, hangs,
 * and the outcomes of the garbage below gRPC.
 */
import * as grpc from '@grpc/grpc-js';
import type { RpcName } from './codec.ts';
import type { ProbeResult } from './probes.ts';
import type { WireOutcome } from './wire-garbage.ts';

const bump = <K>(map: Map<K, number>, key: K, by = 1): void => void map.set(key, (map.get(key) ?? 0) + by);

export class Tally {
  tried = 0;
  /** Calls of a known rpc that ended with an error status the coordinator sent or caused: each must be in its kfkd_rejected_messages_total. */
  refused = 0;
  /** Calls still unanswered at their deadline: the coordinator hung. */
  hung = 0;
  readonly codes = new Map<string, number>();
  readonly accepted = new Map<RpcName, number>();
  /** One status detail (and probe kind) per `rpc code`, to say what each code was about. */
  readonly examples = new Map<string, string>();
  readonly wire = new Map<string, number>();
  wireTried = 0;

  add(result: ProbeResult): void {
    this.tried++;
    const code = result.accepted ? 'accepted' : grpc.status[result.code];
    bump(this.codes, `${result.rpc} ${code}`);
    if (!this.examples.has(`${result.rpc} ${code}`)) this.examples.set(`${result.rpc} ${code}`, `${result.kind} (${result.token} token): ${result.details.slice(0, 120)}`);
    if (result.accepted) bump(this.accepted, result.rpc);
    else if (result.code === grpc.status.DEADLINE_EXCEEDED) this.hung++;
    else if (result.code !== grpc.status.OK) this.refused++;
  }

  addWire(outcome: WireOutcome): void {
    this.wireTried++;
    bump(this.wire, `${outcome.probe} ${outcome.result}`);
    // A stream reset without a status is refused by HTTP/2 itself (an
    // unauthenticated session gets 2 concurrent streams, session-guard.ts)
    // before it is a gRPC call: there is no message to count, only a stream.
    if (outcome.rpc && outcome.result !== 'grpc-0' && outcome.result !== 'stream-reset') this.refused++;
  }

  perRpc(): Map<RpcName, number> {
    const counts = new Map<RpcName, number>();
    for (const [key, n] of this.codes) bump(counts, key.split(' ')[0] as RpcName, n);
    return counts;
  }

  report(extra: Readonly<Record<string, string | number>>): string {
    const sorted = (map: Map<string, number>, examples?: Map<string, string>): string[] =>
      [...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `    ${k}: ${n}${examples?.get(k) ? `  e.g. ${examples.get(k)}` : ''}`);
    return [
      'fuzz figures',
      `  messages tried: ${this.tried} gRPC calls (${[...this.perRpc()].map(([rpc, n]) => `${rpc} ${n}`).join(', ')}) + ${this.wireTried} raw TCP/HTTP/2 probes`,
      '  gRPC status seen by the fuzzer, by rpc:',
      ...sorted(this.codes, this.examples),
      '  raw probes, by outcome:',
      ...sorted(this.wire),
      `  refused (errors the coordinator must count): ${this.refused}`,
      `  hung calls: ${this.hung}`,
      ...Object.entries(extra).map(([k, v]) => `  ${k}: ${v}`),
    ].join('\n');
  }
}
