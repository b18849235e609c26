/**
 * Who hears about a signal: the routing decision the router makes for every signal, from the
 * runtime settings alone.
 */
import { isJobKind, type Outcome, type Signal, type SignalKind } from '../signal.js';
import type { ChannelRef, RuntimeRoute, RuntimeSettings } from './runtimeSettings.js';

/** Good news: sent only when `notifications.successMessages` is on. */
const SUCCESS_OUTCOMES: ReadonlySet<Outcome> = new Set(['succeeded', 'ok']);
/** Work in progress: sent only when `notifications.progressMessages` is on. */
const PROGRESS_OUTCOMES: ReadonlySet<Outcome> = new Set(['pending', 'running', 'started']);
/**
 * Kinds that are about the organization's safety, not one vault's routine: they are delivered even for
 * vaults outside `watchedVaults`, because an attacker deletes recovery points where nobody watches.
 */
const ALWAYS_WATCHED_KINDS: ReadonlySet<SignalKind> = new Set(['tamper', 'policy-change', 'alarm', 'unparsed']);

/** Whether a signal is routine news (success or progress) and which switch lets it through. */
export function routineCategory(signal: Signal): 'success' | 'progress' | undefined {
  if (signal.kind === 'unparsed') return undefined;
  if (SUCCESS_OUTCOMES.has(signal.outcome)) return 'success';
  if (PROGRESS_OUTCOMES.has(signal.outcome)) return 'progress';
  // A job's `created` is its start, not the creation of something that lasts.
  if (signal.outcome === 'created' && isJobKind(signal.kind)) return 'progress';
  return undefined;
}

/** True when the signal's vault is watched (an empty watch list watches every vault). */
export function isWatched(signal: Signal, settings: RuntimeSettings): boolean {
  if (settings.watchedVaults.length === 0 || ALWAYS_WATCHED_KINDS.has(signal.kind)) return true;
  const vault = signal.vault?.name ?? vaultNameFromArn(signal.vault?.arn);
  // A signal that names no vault cannot be filtered by vault; keep it rather than lose it.
  if (vault === undefined) return true;
  return settings.watchedVaults.some(
    (w) =>
      w.name === vault &&
      (w.accounts === undefined || (signal.account !== undefined && w.accounts.includes(signal.account))) &&
      (w.regions === undefined || (signal.region !== undefined && w.regions.includes(signal.region))),
  );
}

function vaultNameFromArn(arn: string | undefined): string | undefined {
  const match = arn?.match(/:backup-vault:([^:/]+)$/);
  return match?.[1];
}

/** True when every condition of the route holds for the signal. */
export function routeMatches(route: RuntimeRoute, signal: Signal): boolean {
  if (!route.severities.includes(signal.severity)) return false;
  if (route.kinds !== undefined && !route.kinds.includes(signal.kind)) return false;
  return true;
}

/**
 * The channels that hear about a signal, in the order the configuration defines them.
 * Routine news only when switched on; every matching route contributes its channels; a signal no
 * route matches goes to the default channel; unparsed input always reaches the default channel.
 */
export function selectChannels(signal: Signal, settings: RuntimeSettings): ChannelRef[] {
  const routine = routineCategory(signal);
  if (routine === 'success' && !settings.successMessages) return [];
  if (routine === 'progress' && !settings.progressMessages) return [];
  if (!isWatched(signal, settings)) return [];

  const names = new Set<string>();
  for (const route of settings.routes) {
    if (routeMatches(route, signal)) for (const name of route.channels) names.add(name);
  }
  if (names.size === 0 || signal.kind === 'unparsed') names.add(settings.defaultChannel);
  return settings.channels.filter((channel) => names.has(channel.name));
}
