import type { LoginResult } from '../accounts/accounts.service.ts';
import { toTokensView } from '../accounts/accounts.view.ts';
import type { MfaState, StepUpProof } from './mfa.service.ts';
import type { LoginAnswerView, MfaStateView, StepUpHeaders } from './mfa.schemas.ts';

export function toMfaStateView(s: MfaState): MfaStateView {
  return { enabled: s.enabled, methods: s.methods, backupCodesRemaining: s.backupCodesRemaining };
}

/** A login's answer as API.md has it: the tokens and the user (never the session id), or the MFA challenge. */
export function toLoginView(result: LoginResult): LoginAnswerView {
  if ('mfaRequired' in result) return { mfaRequired: true, mfaToken: result.mfaToken, methods: result.methods };
  return toTokensView(result.tokens, result.user);
}

/** The step-up proof the headers carry, if any. */
export function stepUpProofOf(h: StepUpHeaders): StepUpProof | undefined {
  return h['X-MFA-Code'] ? { method: h['X-MFA-Method'], code: h['X-MFA-Code'] } : undefined;
}
