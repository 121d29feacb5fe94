import { promises as fs } from 'node:fs';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { intVar } from './config.ts';
import type { Logger } from './log.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A line for the log when mail goes to the outbox (e.g. the verification link); never logged with SMTP. */
  outboxHint?: string;
  /**
   * The Message-ID header (`<id@domain>`), e.g. derived from a delivery's idempotency key; nodemailer's
   * own when absent.
   */
  messageId?: string;
}

export type Language = 'id' | 'en';

/** Sends mail over SMTP_URL, or writes .eml files to an outbox folder when no SMTP server is configured. */
export class Mailer {
  private readonly transport: Transporter;
  private readonly outboxDir?: string;

  constructor(
    opts: { smtpUrl?: string; from: string; dataDir: string },
    private readonly log: Logger,
  ) {
    this.from = opts.from;
    if (opts.smtpUrl) {
      this.transport = nodemailer.createTransport(opts.smtpUrl);
    } else {
      this.outboxDir = path.resolve(opts.dataDir, 'outbox');
      this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    }
  }
  private readonly from: string;

  async send(msg: MailMessage): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.from,
      to: msg.to,
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
      messageId: msg.messageId,
    });
    if (this.outboxDir) {
      await fs.mkdir(this.outboxDir, { recursive: true });
      const file = path.join(
        this.outboxDir,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-` +
          `${info.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}.eml`,
      );
      await fs.writeFile(file, (info as unknown as { message: Buffer }).message);
      this.log.info(
        { to: msg.to, subject: msg.subject, file },
        `mail written to the outbox${msg.outboxHint ? `: ${msg.outboxHint}` : ''}`,
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** Escapes text for an HTML mail body. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A simple, consistent HTML layout for every PetPro mail; `paragraphs` are plain text (escaped here). */
export function mailHtml(opts: {
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  footer: string;
}): string {
  const ps = opts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const action = opts.action
    ? `<p><a href="${escapeHtml(opts.action.url)}" ` +
      'style="background:#0f766e;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">' +
      `${escapeHtml(opts.action.label)}</a></p>\n` +
      `<p style="font-size:12px;color:#555">${escapeHtml(opts.action.url)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:sans-serif;max-width:560px;margin:auto">
<h2>${escapeHtml(opts.heading)}</h2>
${ps}
${action}
<hr><p style="font-size:12px;color:#555">${escapeHtml(opts.footer)}</p>
</body></html>`;
}

/** A rendered mail: subject, plain-text part and HTML part. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What a template says; renderMail lays it out the same way for every service. */
export interface MailParts {
  subject: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}

const FOOTER: Record<Language, string> = {
  id: 'Email ini dikirim otomatis oleh PetPro. Jika Anda tidak merasa melakukan ini, abaikan email ini.',
  en: 'This email was sent automatically by PetPro. If this was not you, you can ignore it.',
};

/** Renders a PetPro mail in the user's language, with a plain-text part beside the HTML. */
export function renderMail(lang: Language, p: MailParts): RenderedMail {
  const text = [
    p.heading,
    '',
    ...p.paragraphs.flatMap((x) => [x, '']),
    ...(p.action ? [`${p.action.label}: ${p.action.url}`, ''] : []),
    '--',
    FOOTER[lang],
  ].join('\n');
  return {
    subject: p.subject,
    text,
    html: mailHtml({ heading: p.heading, paragraphs: p.paragraphs, action: p.action, footer: FOOTER[lang] }),
  };
}

const hourlyCap = (def: number) => intVar(0, 10_000, { zeroMeans: 'no limit' }).default(def);

/**
 * Caps on mail that someone's action sends to an address (a contact code, a staff invitation, an
 * "already registered" notice): per recipient address and per acting account, per hour. Services
 * that send such mail spread this into their configuration.
 */
export const mailLimitEnv = {
  MAIL_PER_ADDRESS_PER_HOUR: hourlyCap(5),
  MAIL_PER_ACCOUNT_PER_HOUR: hourlyCap(20),
};

/**
 * Text a user wrote, fit to appear in a mail to someone else: control and format characters
 * removed, spaces collapsed, at most `max` characters; undefined when empty or when it carries
 * anything link-like (a scheme, `www.`, a domain name) that would turn PetPro's mail into the
 * writer's advertisement or phishing.
 */
export function mailSafeText(text: string | null | undefined, max: number): string | undefined {
  const clean = (text ?? '')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!clean || clean.length > max) return undefined;
  if (/:\/\/|www\.|@|\p{L}\.\p{L}{2}/iu.test(clean)) return undefined;
  return clean;
}

/**
 * The greeting of a mail: with the account's own name when it is a plain, short name (letters,
 * spaces, `.'-`; no digits, no links), else without a name.
 */
export function greeting(lang: Language, name?: string | null): string {
  const safe = mailSafeText(name, 40);
  const plain = safe && /^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u.test(safe) ? safe : undefined;
  const hello = lang === 'en' ? 'Hi' : 'Halo';
  return plain ? `${hello} ${plain},` : `${hello},`;
}
