import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import type { Logger } from "pino";

/**
 * One leader among the controller's replicas, by a coordination.k8s.io Lease, as client-go's
 * leader election does it: the holder renews the lease every `renewMs`; another replica takes
 * it over only once `renewTime + leaseDuration` has passed. Every write carries the
 * resourceVersion it read, so of two replicas racing for an expired lease exactly one wins (the
 * other gets 409). A leader that cannot renew in time steps down before the lease expires, so two
 * leaders never act at once as long as clocks agree within the margin.
 */

export interface LeaderElectionOptions {
  kubeconfig: KubeConfig;
  namespace: string;
  name: string;
  /** This replica's identity: the pod name in a cluster. */
  identity: string;
  /**
   * Where this replica's webhook is reached (http://<pod IP>:<port>), written on the Lease while
   * it leads, so that the other replicas can hand it the events they receive.
   */
  address?: string;
  leaseDurationMs?: number;
  renewMs?: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export const LEADER_ADDRESS_ANNOTATION = "kvsync.io/leader-address";

export class LeaderElector {
  readonly #options: Required<Omit<LeaderElectionOptions, "kubeconfig" | "address">> &
    Pick<LeaderElectionOptions, "address">;
  readonly #api: CoordinationV1Api;
  #timer: NodeJS.Timeout | undefined;
  #leading = false;
  #lastRenew = 0;
  #stopped = false;
  #leaderAddress: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#api = options.kubeconfig.makeApiClient(CoordinationV1Api);
    this.#options = { leaseDurationMs: 15_000, renewMs: 5_000, ...options };
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** The current leader's address as its Lease says, when a live leader published one. */
  get leaderAddress(): string | undefined {
    return this.#leading ? this.#options.address : this.#leaderAddress;
  }

  start(): void {
    void this.#tick();
  }

  /**
   * Stops trying. A leader releases the lease so another replica takes over at once, unless
   * `release` is false (a process that must exit now): then the lease expires on its own.
   */
  async stop({ release = true }: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#leading) return;
    this.#setLeading(false);
    if (!release) return;
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity === this.#options.identity) {
        lease.spec.holderIdentity = "";
        lease.spec.renewTime = new V1MicroTime(0);
        await this.#api.replaceNamespacedLease({
          name: this.#options.name,
          namespace: this.#options.namespace,
          body: lease,
        });
      }
    } catch {
      // The lease then simply expires.
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      const held = await this.#tryAcquireOrRenew();
      // stop() may have come while the lease was being written: it has the last word.
      if (this.#isStopped()) return;
      if (held) {
        this.#lastRenew = Date.now();
        this.#setLeading(true);
      } else {
        this.#setLeading(false); // another replica holds it
      }
    } catch (error) {
      this.#options.logger.warn(
        { err: { message: error instanceof Error ? error.message.split("\n")[0] : "unknown" } },
        "leader election: lease not read or written",
      );
      // Renewals keep failing: step down before the lease can expire under another replica.
      const { leaseDurationMs, renewMs } = this.#options;
      if (Date.now() - this.#lastRenew >= leaseDurationMs - renewMs) this.#setLeading(false);
    }
    // After stop(), this timer fires once and returns at the first line.
    this.#timer = setTimeout(() => void this.#tick(), this.#options.renewMs);
  }

  /** True when this replica holds the lease after the call. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity, leaseDurationMs } = this.#options;
    const now = new V1MicroTime(Date.now());
    const lease = await this.#read();
    this.#leaderAddress = undefined;
    const annotations =
      this.#options.address === undefined
        ? {}
        : { [LEADER_ADDRESS_ANNOTATION]: this.#options.address };
    if (lease === undefined) {
      const created = await this.#write(undefined, {
        metadata: { name, namespace, annotations },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      });
      return created;
    }
    const spec = lease.spec ?? {};
    const mine = spec.holderIdentity === identity;
    const renewed = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
    const expired = renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < Date.now();
    if (!mine && !expired && spec.holderIdentity !== "") {
      this.#leaderAddress = lease.metadata?.annotations?.[LEADER_ADDRESS_ANNOTATION];
      return false;
    }
    const { [LEADER_ADDRESS_ANNOTATION]: _previous, ...others } = lease.metadata?.annotations ?? {};
    const taken = await this.#write(lease, {
      ...lease,
      metadata: { ...lease.metadata, annotations: { ...others, ...annotations } },
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        renewTime: now,
        ...(mine ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    });
    return taken;
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
      });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Create (no previous) or replace at the read resourceVersion; false when another won. */
  async #write(previous: V1Lease | undefined, body: V1Lease): Promise<boolean> {
    const { name, namespace } = this.#options;
    try {
      if (previous === undefined) await this.#api.createNamespacedLease({ namespace, body });
      else await this.#api.replaceNamespacedLease({ name, namespace, body });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return false;
      throw error;
    }
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    this.#options.logger.info({ identity: this.#options.identity, leading }, "leader election");
    if (leading) this.#options.onStartedLeading();
    else this.#options.onStoppedLeading();
  }
}
