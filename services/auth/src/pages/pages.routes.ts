import express, { type Request, type Response, type Router } from 'express';
import { AppError, z, type Language } from '@petpro/kit';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { requestMeta } from '../shared/request-meta.ts';
import { PAGE_TEXT, PROBLEM_TEXT } from './pages.text.ts';
import { renderPage, sendPage } from './pages.view.ts';

const PageInput = z.object({
  token: z.string().trim().min(1).max(200).optional().catch(undefined),
  lang: z.enum(['id', 'en']).optional().catch(undefined),
  password: z.string().max(1024).optional().catch(undefined),
  confirm: z.string().max(1024).optional().catch(undefined),
});

/** The page's fields from the query (links) or the posted form; anything malformed counts as missing. */
function pageInput(req: Request) {
  return PageInput.parse({ ...(req.query as object), ...(req.body as object | undefined) });
}

/** `lang` from the link or form, else the browser's Accept-Language (Bahasa Indonesia by default). */
function pageLanguage(req: Request, lang: Language | undefined): Language {
  return lang ?? requestMeta(req).language;
}

/** The reader's words for a refusal: the first field error's code (password policy) or the error's code. */
function problemText(lang: Language, err: AppError): string {
  const code = err.extra.errors?.[0]?.code ?? err.code;
  return PROBLEM_TEXT[lang][code] ?? PROBLEM_TEXT[lang].other!;
}

/**
 * The pages mail links open when there is no client app (PUBLIC_APP_URL unset): confirming an
 * email address and choosing a new password. Plain HTML forms, no script; the GET pages change
 * nothing (mail scanners open links), the form POST does the work through the same service calls
 * as the API. HTML pages, not API: they are not in the OpenAPI document.
 */
export function pagesRoutes(service: AccountsService): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  const verifyForm = (lang: Language, token: string) => ({
    title: PAGE_TEXT[lang].verifyTitle,
    paragraphs: [PAGE_TEXT[lang].verifyIntro],
    form: { action: 'verify-email', hidden: { token, lang }, button: PAGE_TEXT[lang].verifyButton },
  });
  const resetForm = (lang: Language, token: string) => ({
    title: PAGE_TEXT[lang].resetTitle,
    paragraphs: [PAGE_TEXT[lang].resetIntro],
    form: {
      action: 'reset-password',
      hidden: { token, lang },
      passwords: [
        { name: 'password', label: PAGE_TEXT[lang].passwordLabel },
        { name: 'confirm', label: PAGE_TEXT[lang].confirmLabel },
      ],
      button: PAGE_TEXT[lang].resetButton,
    },
  });
  const missingToken = (res: Response, lang: Language) =>
    sendPage(
      res,
      400,
      renderPage(lang, { title: PAGE_TEXT[lang].problemTitle, paragraphs: [PAGE_TEXT[lang].missingToken] }),
    );

  router.get('/verify-email', (req, res) => {
    const input = pageInput(req);
    const lang = pageLanguage(req, input.lang);
    if (!input.token) return missingToken(res, lang);
    sendPage(res, 200, renderPage(lang, verifyForm(lang, input.token)));
  });
  router.post('/verify-email', form, async (req, res) => {
    const input = pageInput(req);
    const lang = pageLanguage(req, input.lang);
    if (!input.token) return missingToken(res, lang);
    try {
      await service.verifyEmail(input.token);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return sendPage(
        res,
        err.status,
        renderPage(lang, { title: PAGE_TEXT[lang].problemTitle, paragraphs: [], problem: problemText(lang, err) }),
      );
    }
    sendPage(
      res,
      200,
      renderPage(lang, { title: PAGE_TEXT[lang].verifiedTitle, paragraphs: [PAGE_TEXT[lang].verifiedBody] }),
    );
  });

  router.get('/reset-password', (req, res) => {
    const input = pageInput(req);
    const lang = pageLanguage(req, input.lang);
    if (!input.token) return missingToken(res, lang);
    sendPage(res, 200, renderPage(lang, resetForm(lang, input.token)));
  });
  router.post('/reset-password', form, async (req, res) => {
    const input = pageInput(req);
    const lang = pageLanguage(req, input.lang);
    if (!input.token) return missingToken(res, lang);
    const password = input.password ?? '';
    try {
      if (password !== (input.confirm ?? password))
        throw new AppError(400, 'passwords_differ', 'The two passwords are not the same');
      await service.resetPassword(input.token, password, requestMeta(req));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return sendPage(
        res,
        err.status,
        renderPage(lang, { ...resetForm(lang, input.token), problem: problemText(lang, err) }),
        err.extra.retryAfterSeconds,
      );
    }
    sendPage(
      res,
      200,
      renderPage(lang, { title: PAGE_TEXT[lang].resetDoneTitle, paragraphs: [PAGE_TEXT[lang].resetDoneBody] }),
    );
  });
  return router;
}
