import { greeting, mailSafeText, renderMail as render, type Language, type RenderedMail } from '@petpro/kit';

export type { RenderedMail };

export type Decision = 'approved' | 'rejected' | 'changes_requested';

/** Every mail the clinic service sends, in Bahasa Indonesia (default) and English. */
export const templates = {
  /**
   * The code mailed to the contact address an applicant typed: that address has not agreed to
   * anything yet, so the mail carries nothing the applicant wrote (no names, no business name).
   */
  contactCode(lang: Language, v: { code: string; minutes: number }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: `Your PetPro verification code: ${v.code}`,
          heading: greeting(lang),
          paragraphs: [
            'This address was given as the business contact in a PetPro vendor application. Enter this code in the application to confirm it:',
            `Verification code: ${v.code}`,
            `The code is valid for ${v.minutes} minutes. If you know nothing of this application, ignore this email.`,
          ],
        })
      : render(lang, {
          subject: `Kode verifikasi PetPro Anda: ${v.code}`,
          heading: greeting(lang),
          paragraphs: [
            'Alamat ini dicantumkan sebagai kontak usaha dalam pendaftaran mitra PetPro. Masukkan kode ini di formulir pendaftaran untuk mengonfirmasinya:',
            `Kode verifikasi: ${v.code}`,
            `Kode ini berlaku ${v.minutes} menit. Jika Anda tidak mengetahui pendaftaran ini, abaikan email ini.`,
          ],
        });
  },
  decision(
    lang: Language,
    v: { name: string; business: string; decision: Decision; reason?: string | null; url?: string },
  ): RenderedMail {
    const reason = v.reason ? [lang === 'en' ? `Reason: ${v.reason}` : `Alasan: ${v.reason}`] : [];
    // The business name as the applicant wrote it, only when it is plain text (no links).
    const named = mailSafeText(v.business, 120);
    const application =
      lang === 'en'
        ? named
          ? `the application for ${named}`
          : 'your application'
        : named
          ? `pendaftaran untuk ${named}`
          : 'pendaftaran Anda';
    if (v.decision === 'approved') {
      return lang === 'en'
        ? render(lang, {
            subject: 'Your PetPro vendor application is approved',
            heading: greeting(lang, v.name),
            paragraphs: [
              `Good news: ${application} is approved. Your clinic has been created; log in again to manage it, then add opening hours, staff and services and publish it.`,
            ],
            action: v.url ? { label: 'Open PetPro', url: v.url } : undefined,
          })
        : render(lang, {
            subject: 'Pendaftaran mitra PetPro Anda disetujui',
            heading: greeting(lang, v.name),
            paragraphs: [
              `Kabar baik: ${application} telah disetujui. Klinik Anda sudah dibuat; silakan masuk kembali untuk mengelolanya, lalu tambahkan jam buka, staf, dan layanan sebelum menerbitkannya.`,
            ],
            action: v.url ? { label: 'Buka PetPro', url: v.url } : undefined,
          });
    }
    if (v.decision === 'rejected') {
      return lang === 'en'
        ? render(lang, {
            subject: 'Your PetPro vendor application was not approved',
            heading: greeting(lang, v.name),
            paragraphs: [`We are sorry: ${application} was not approved.`, ...reason],
          })
        : render(lang, {
            subject: 'Pendaftaran mitra PetPro Anda tidak disetujui',
            heading: greeting(lang, v.name),
            paragraphs: [`Mohon maaf, ${application} tidak disetujui.`, ...reason],
          });
    }
    return lang === 'en'
      ? render(lang, {
          subject: 'Your PetPro vendor application needs changes',
          heading: greeting(lang, v.name),
          paragraphs: [
            `Our team reviewed ${application} and asks for some changes before it can be approved. Update it and submit it again.`,
            ...reason,
          ],
          action: v.url ? { label: 'Update the application', url: v.url } : undefined,
        })
      : render(lang, {
          subject: 'Pendaftaran mitra PetPro Anda perlu diperbaiki',
          heading: greeting(lang, v.name),
          paragraphs: [
            `Tim kami telah meninjau ${application} dan meminta beberapa perbaikan sebelum dapat disetujui. Perbarui lalu kirim kembali.`,
            ...reason,
          ],
          action: v.url ? { label: 'Perbarui pendaftaran', url: v.url } : undefined,
        });
  },
};
