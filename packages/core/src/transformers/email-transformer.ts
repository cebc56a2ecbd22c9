import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';

/** Options of the `email` transformer. */
export const emailTransformerOptionsSchema = z.strictObject({
  /**
   * Keep the case of the part before the `@`. The domain is always lower-cased; the local part
   * is lower-cased too by default, because nearly every mail system treats it case-insensitively
   * and mixed case makes the same address look like a change.
   * @default false
   * @example { keepLocalPartCase: true }
   */
  keepLocalPartCase: z.boolean().optional(),
});

/** Options of the `email` transformer; see {@link emailTransformerOptionsSchema}. */
export type EmailTransformerOptions = z.infer<typeof emailTransformerOptionsSchema>;

const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

function whyInvalid(address: string): string | undefined {
  if (/\s/.test(address)) return 'it contains a space';
  const at = address.split('@');
  if (at.length !== 2) return at.length < 2 ? 'it has no @' : 'it has more than one @';
  const [local = '', domain = ''] = at;
  if (local === '') return 'nothing comes before the @';
  if (local.length > 64) return 'the part before the @ is longer than 64 characters';
  if (!LOCAL_PART.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'the part before the @ holds characters an address cannot have';
  if (!domain.includes('.')) return 'the domain has no dot';
  if (address.length > 254) return 'it is longer than 254 characters';
  const labels = domain.split('.');
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return 'the domain is not a valid host name';
  if (!/^\p{L}{2,}$/u.test(labels.at(-1) ?? '') && !/^xn--[a-z0-9-]+$/i.test(labels.at(-1) ?? '')) return 'the domain does not end in a top-level domain such as .com';
  return undefined;
}

function transformEmail(value: unknown, context: TransformContext<EmailTransformerOptions>): TransformResult {
  if (typeof value !== 'string') return failure('email', `${describeValue(value)} is not an email address.`, 'Send the address as text, e.g. "name@example.com".');
  let address = value.trim();
  const named = /^[^<>]*<([^<>]+)>$/.exec(address);
  if (named?.[1]) address = named[1].trim();
  address = address.replace(/^mailto:/i, '');
  const reason = whyInvalid(address);
  if (reason) return failure('email', `${describeValue(value)} is not a valid email address: ${reason}.`, 'Fix the address in the source, e.g. "name@example.com".');
  const at = address.indexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  return { ok: true, value: `${context.options.keepLocalPartCase ? local : local.toLowerCase()}@${domain}` };
}

/**
 * `email`: a trimmed, lower-cased, checked email address. Accepts `mailto:` links and the
 * `Name <address>` form. The check is practical, not RFC 5322: one `@`, no spaces, a dotted
 * domain ending in a top-level domain.
 *
 * @example transform: 'email', transformOptions: { keepLocalPartCase: true }
 */
export const emailTransformer = defineTransformer<EmailTransformerOptions>({
  name: 'email',
  optionsSchema: emailTransformerOptionsSchema,
  transform: transformEmail,
});
