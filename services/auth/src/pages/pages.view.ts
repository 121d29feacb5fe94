import type { Response } from 'express';
import { escapeHtml, type Language } from '@petpro/kit';

/** No script may run, styles only inline, forms post only to this origin, never framed. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A form on a page: posts back to `action` with the hidden fields and the visible password fields. */
export interface PageForm {
  action: string;
  hidden: Record<string, string>;
  passwords?: Array<{ name: string; label: string }>;
  button: string;
}

/**
 * A small, self-contained HTML page: inline styles only, no script at all (the pages work under a
 * CSP that forbids scripts), forms posting to the same origin.
 */
export function renderPage(
  lang: Language,
  p: { title: string; paragraphs: string[]; problem?: string; form?: PageForm },
): string {
  const form = p.form
    ? `<form method="post" action="${escapeHtml(p.form.action)}">
${Object.entries(p.form.hidden)
  .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
  .join('\n')}
${(p.form.passwords ?? [])
  .map(
    (f) =>
      `<label>${escapeHtml(f.label)}<input type="password" name="${escapeHtml(f.name)}" required minlength="8" ` +
      `maxlength="128" autocomplete="new-password"></label>`,
  )
  .join('\n')}
<button type="submit">${escapeHtml(p.form.button)}</button>
</form>`
    : '';
  const problem = p.problem ? `<p class="problem" role="alert">${escapeHtml(p.problem)}</p>\n` : '';
  const paragraphs = p.paragraphs.map((x) => `<p>${escapeHtml(x)}</p>`).join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(p.title)} · PetPro</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.4rem;color:#0f766e}
label{display:block;margin:1rem 0 .25rem}
input[type=password]{display:block;width:100%;padding:.5rem;margin-top:.25rem;box-sizing:border-box}
button{margin-top:1rem;background:#0f766e;color:#fff;border:0;padding:.6rem 1rem;border-radius:6px;font-size:1rem}
.problem{background:#fef2f2;color:#991b1b;padding:.75rem;border-radius:6px}
</style>
</head>
<body>
<h1>${escapeHtml(p.title)}</h1>
${problem}${paragraphs}
${form}
</body>
</html>
`;
}

/** Sends a page with the headers every page carries (and Retry-After when the refusal was a throttle). */
export function sendPage(res: Response, status: number, html: string, retryAfterSeconds?: number): void {
  res.status(status);
  if (retryAfterSeconds) res.setHeader('Retry-After', String(Math.ceil(retryAfterSeconds)));
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  // The address holds a live token: never send it on as a referrer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.send(html);
}
