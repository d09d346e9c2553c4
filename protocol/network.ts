// The network gate ("Offline by default, and every outbound byte visible"): every connection the
// companion makes to a host that is not this machine goes through one gate, which records it and,
// by the user's setting `alisa.network`, blocks it (offline), asks the user once per host (ask,
// the default) or allows it (allowed). These messages ask the user, carry the answer, and list
// what left the machine. Loopback (127.0.0.0/8, ::1, localhost) is never asked nor recorded.
import * as z from 'zod';
import { NETWORK_MODES } from './network-words';

export { NETWORK_FEATURE_LABELS, NETWORK_MODE_TEXT, NETWORK_MODES, networkFeatureLabel } from './network-words';
export const NetworkMode = z.enum(NETWORK_MODES);
export type NetworkMode = z.infer<typeof NetworkMode>;

/**
 * allowed: let through by the mode or by an earlier "always allow"; asked-allowed: the user said
 * yes when asked (now or earlier in this run); blocked: refused by the mode, or nobody answered;
 * denied: the user said no.
 */
export const NetworkDecision = z.enum(['allowed', 'blocked', 'asked-allowed', 'denied']);
export type NetworkDecision = z.infer<typeof NetworkDecision>;

/** One kind of attempt; repeats of the same attempt are counted in `count` rather than listed again. */
export const NetworkRecord = z.object({
  id: z.number().int(),
  /** First and latest attempt (ms since the epoch). */
  at: z.number(),
  lastAt: z.number(),
  count: z.number().int().positive(),
  host: z.string(),
  port: z.number().int().nullable(),
  feature: z.string(),
  /** Why, in words ("download the language model hf:…"). Never a full URL (it may hold a key). */
  purpose: z.string(),
  decision: NetworkDecision,
  /** What decided it ("offline mode", "no answer within 60 s", "always allowed", …). */
  reason: z.string().nullable(),
  /** gate: the feature asked the gate; socket/dns/udp: the guard under every library caught it. */
  layer: z.enum(['gate', 'socket', 'dns', 'udp']),
  /** Bytes over the connections made under this record, when known (null: none were opened). */
  bytesSent: z.number().nullable(),
  bytesReceived: z.number().nullable(),
});
export type NetworkRecord = z.infer<typeof NetworkRecord>;

/** A question to the user: may Alisa connect to this host? */
export const NetworkAskInfo = z.object({
  id: z.string(),
  host: z.string(),
  port: z.number().int().nullable(),
  feature: z.string(),
  purpose: z.string(),
  /** After this (ms since the epoch) the attempt is refused; a later answer still counts for the next one. */
  expiresAt: z.number(),
});
export type NetworkAskInfo = z.infer<typeof NetworkAskInfo>;

export const NetworkStatus = z.object({
  mode: NetworkMode,
  /** Hosts the user chose to always allow (kept in the data folder). */
  allowedHosts: z.array(z.string()),
  /** Hosts allowed or blocked for this run only. */
  sessionAllowed: z.array(z.string()),
  sessionBlocked: z.array(z.string()),
  /** Questions waiting for an answer. */
  pending: z.array(NetworkAskInfo),
});
export type NetworkStatus = z.infer<typeof NetworkStatus>;

export const NetworkConfigure = z.object({
  mode: NetworkMode.optional(),
  /** Forget every remembered answer (always allowed, and this run's allows and blocks). */
  forgetHosts: z.boolean().optional(),
});
export type NetworkConfigure = z.infer<typeof NetworkConfigure>;

export const NetworkDecide = z.object({
  id: z.string().max(100),
  allow: z.boolean(),
  /** With allow: always allow this host (kept in the data folder); otherwise for this run only. */
  remember: z.boolean().optional(),
});
export type NetworkDecide = z.infer<typeof NetworkDecide>;

export const NetworkActivity = z.object({
  mode: NetworkMode,
  allowedHosts: z.array(z.string()),
  /** Newest first. */
  records: z.array(NetworkRecord),
});
export type NetworkActivity = z.infer<typeof NetworkActivity>;

/** Sent to every client when an attempt needs the user's answer (mode `ask`): answer with `network.decide`. */
export const NetworkAskEvent = NetworkAskInfo.extend({ type: z.literal('network.ask') });
export type NetworkAskEvent = z.infer<typeof NetworkAskEvent>;
/** The question was answered (by any client) or expired: other clients close their prompt. */
export const NetworkAskDoneEvent = z.object({ type: z.literal('network.askDone'), id: z.string(), allow: z.boolean() });
export const NetworkStateEvent = z.object({ type: z.literal('network.state'), status: NetworkStatus });
