import { renderMail as render, type Language, type RenderedMail } from '@petpro/kit';

export type { RenderedMail };

export type Decision = 'approved' | 'rejected' | 'changes_requested';

/** Every mail the clinic service sends, in Bahasa Indonesia (default) and English. */
export const templates = {
  contactCode(lang: Language, v: { name: string; code: string; minutes: number; business: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: `Your PetPro verification code: ${v.code}`,
          heading: `Hi ${v.name},`,
          paragraphs: [
            `This address was given as the business contact of ${v.business} in a PetPro vendor application. Enter this code in the application to confirm it:`,
            `Verification code: ${v.code}`,
            `The code is valid for ${v.minutes} minutes.`,
          ],
        })
      : render(lang, {
          subject: `Kode verifikasi PetPro Anda: ${v.code}`,
          heading: `Halo ${v.name},`,
          paragraphs: [
            `Alamat ini dicantumkan sebagai kontak usaha ${v.business} dalam pendaftaran mitra PetPro. Masukkan kode ini di formulir pendaftaran untuk mengonfirmasinya:`,
            `Kode verifikasi: ${v.code}`,
            `Kode ini berlaku ${v.minutes} menit.`,
          ],
        });
  },
  decision(
    lang: Language,
    v: { name: string; business: string; decision: Decision; reason?: string | null; url: string },
  ): RenderedMail {
    const reason = v.reason ? [lang === 'en' ? `Reason: ${v.reason}` : `Alasan: ${v.reason}`] : [];
    if (v.decision === 'approved') {
      return lang === 'en'
        ? render(lang, {
            subject: 'Your PetPro vendor application is approved',
            heading: `Hi ${v.name},`,
            paragraphs: [
              `Good news: the application for ${v.business} is approved. Your clinic has been created; log in again to manage it, then add opening hours, staff and services and publish it.`,
            ],
            action: { label: 'Open PetPro', url: v.url },
          })
        : render(lang, {
            subject: 'Pendaftaran mitra PetPro Anda disetujui',
            heading: `Halo ${v.name},`,
            paragraphs: [
              `Kabar baik: pendaftaran untuk ${v.business} telah disetujui. Klinik Anda sudah dibuat; silakan masuk kembali untuk mengelolanya, lalu tambahkan jam buka, staf, dan layanan sebelum menerbitkannya.`,
            ],
            action: { label: 'Buka PetPro', url: v.url },
          });
    }
    if (v.decision === 'rejected') {
      return lang === 'en'
        ? render(lang, {
            subject: 'Your PetPro vendor application was not approved',
            heading: `Hi ${v.name},`,
            paragraphs: [`We are sorry: the application for ${v.business} was not approved.`, ...reason],
          })
        : render(lang, {
            subject: 'Pendaftaran mitra PetPro Anda tidak disetujui',
            heading: `Halo ${v.name},`,
            paragraphs: [`Mohon maaf, pendaftaran untuk ${v.business} tidak disetujui.`, ...reason],
          });
    }
    return lang === 'en'
      ? render(lang, {
          subject: 'Your PetPro vendor application needs changes',
          heading: `Hi ${v.name},`,
          paragraphs: [
            `Our team reviewed the application for ${v.business} and asks for some changes before it can be approved. Update it and submit it again.`,
            ...reason,
          ],
          action: { label: 'Update the application', url: v.url },
        })
      : render(lang, {
          subject: 'Pendaftaran mitra PetPro Anda perlu diperbaiki',
          heading: `Halo ${v.name},`,
          paragraphs: [
            `Tim kami telah meninjau pendaftaran untuk ${v.business} dan meminta beberapa perbaikan sebelum dapat disetujui. Perbarui lalu kirim kembali.`,
            ...reason,
          ],
          action: { label: 'Perbarui pendaftaran', url: v.url },
        });
  },
};
