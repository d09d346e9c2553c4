// Alisa's actions as the model's tools (issue 16): each action of the registry (and each MCP
// tool) with its JSON Schema, offered to the model; a call the model makes runs through the one
// executor as the model's (`source: 'model'`: it asks the user unless it only reads), and what the
// model reads back is the outcome in words, secrets redacted, capped.
import * as z from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionOutcome } from '../../protocol/actions';
import { redactSecrets } from '../../common/privacy/redact';
import type { ToolSpec } from '../llm/types';
import { DESKTOP_ACTIONS } from './desktop';
import type { ActionExecutor } from './executor';

/** What a tool result may put in the prompt. */
const RESULT_MAX = 8000;

/** The tools the model may call now: editor actions only while a VS Code window runs them, desktop actions only where they work. */
export function toolSpecs(executor: ActionExecutor): ToolSpec[] {
  // Asked on every reply that offers tools: no database read (status() lists "always allow" answers).
  const now = executor.offering();
  if (!now.enabled) return [];
  const builtin = ACTION_NAMES.filter((name) => {
    if (now.rules[ACTIONS[name].risk] === 'deny') return false;
    if ((DESKTOP_ACTIONS as readonly string[]).includes(name)) return now.desktop;
    if (ACTIONS[name].runs === 'editor') return executor.windowOffers(name);
    return true;
  }).map((name) => ({
    name,
    description: ACTIONS[name].description,
    parameters: z.toJSONSchema(ACTIONS[name].args, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
  const external = executor.externalTools().map((t) => ({ name: t.name, description: t.description, parameters: t.inputSchema }));
  return [...builtin, ...external];
}

/** What the model reads back from a call. */
export function outcomeForModel(outcome: ActionOutcome): string {
  const text =
    outcome.status === 'done'
      ? String(outcome.result?.text ?? 'Done.')
      : `${outcome.status === 'denied' ? 'The user said no' : outcome.status === 'expired' ? 'The user did not answer' : `It ${outcome.status === 'failed' ? 'failed' : 'was refused'}`}: ${outcome.reason ?? ''}`.trim();
  const capped = text.length > RESULT_MAX ? `${text.slice(0, RESULT_MAX)}\n… (cut)` : text;
  return redactSecrets(capped).text;
}
