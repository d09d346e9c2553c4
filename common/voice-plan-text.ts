// A voice download plan in words (pure: the extension uses it too, without loading the companion).
import type { VoiceDownloadPlan } from '../protocol/voice';
import { formatBytes } from './plan-text';

/** The plan in one sentence, with every figure the user needs to decide. */
export function describeVoicePlan(plan: VoiceDownloadPlan): string {
  const parts = [
    `Downloading the voice ${plan.name} from ${plan.host} takes about ${formatBytes(plan.sizeBytes)} (about ${formatBytes(plan.unpackedBytes)} once unpacked)`,
  ];
  if (plan.partialBytes > 0) parts.push(`${formatBytes(plan.partialBytes)} of it arrived before and is not downloaded again`);
  if (plan.freeDiskBytes !== null) parts.push(`${formatBytes(plan.freeDiskBytes)} is free on that disk`);
  return `${parts.join('; ')}. It goes to ${plan.dir}.`;
}

/** Not enough room to download and unpack it. */
export function voiceLacksDisk(plan: VoiceDownloadPlan): boolean {
  return plan.freeDiskBytes !== null && plan.freeDiskBytes < plan.sizeBytes - plan.partialBytes + plan.unpackedBytes;
}
