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
            'This address was given as the business contact in a PetPro vendor application. Enter this code in the ' +
              'application to confirm it:',
            `Verification code: ${v.code}`,
            `The code is valid for ${v.minutes} minutes. If you know nothing of this application, ignore this email.`,
          ],
        })
      : render(lang, {
          subject: `Kode verifikasi PetPro Anda: ${v.code}`,
          heading: greeting(lang),
          paragraphs: [
            'Alamat ini dicantumkan sebagai kontak usaha dalam pendaftaran mitra PetPro. Masukkan kode ini di ' +
              'formulir pendaftaran untuk mengonfirmasinya:',
            `Kode verifikasi: ${v.code}`,
            `Kode ini berlaku ${v.minutes} menit. Jika Anda tidak mengetahui pendaftaran ini, abaikan email ini.`,
          ],
        });
  },
  /**
   * An invitation to join a clinic's staff on PetPro, to an address the clinic typed: it names the
   * clinic only when its name is plain text (no links) and nothing else the clinic wrote. `url` when a
   * client app can open it (PUBLIC_APP_URL); otherwise the code is accepted in the app.
   */
  staffInvitation(lang: Language, v: { clinic: string; token: string; days: number; url?: string }): RenderedMail {
    const clinic = mailSafeText(v.clinic, 80);
    return lang === 'en'
      ? render(lang, {
          subject: 'You are invited to join a clinic on PetPro',
          heading: greeting(lang),
          paragraphs: [
            `${clinic ? `${clinic}, a clinic on PetPro,` : 'A clinic on PetPro'} invites you to join its staff, so ` +
              `that you can see its schedule and bookings. To accept, log in to PetPro with this email address and ` +
              `accept the invitation${v.url ? ' from the link below' : ' with the code below'}. It is valid for ` +
              `${v.days} days and works once.`,
            `Invitation code: ${v.token}`,
            'If you do not know this clinic, ignore this email: nothing changes without your acceptance.',
          ],
          action: v.url ? { label: 'Accept the invitation', url: v.url } : undefined,
        })
      : render(lang, {
          subject: 'Anda diundang bergabung dengan klinik di PetPro',
          heading: greeting(lang),
          paragraphs: [
            `${clinic ? `${clinic}, klinik di PetPro,` : 'Sebuah klinik di PetPro'} mengundang Anda bergabung ` +
              `sebagai staf, agar Anda dapat melihat jadwal dan pemesanannya. Untuk menerima, masuk ke PetPro dengan ` +
              `alamat email ini lalu terima undangan${v.url ? ' melalui tautan di bawah' : ' dengan kode di bawah'}. ` +
              `Undangan berlaku ${v.days} hari dan hanya dapat digunakan sekali.`,
            `Kode undangan: ${v.token}`,
            'Jika Anda tidak mengenal klinik ini, abaikan email ini: tidak ada yang berubah tanpa persetujuan Anda.',
          ],
          action: v.url ? { label: 'Terima undangan', url: v.url } : undefined,
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
              `Good news: ${application} is approved. Your clinic has been created; log in again to manage it, then ` +
                `add opening hours, staff and services and publish it.`,
            ],
            action: v.url ? { label: 'Open PetPro', url: v.url } : undefined,
          })
        : render(lang, {
            subject: 'Pendaftaran mitra PetPro Anda disetujui',
            heading: greeting(lang, v.name),
            paragraphs: [
              `Kabar baik: ${application} telah disetujui. Klinik Anda sudah dibuat; silakan masuk kembali untuk ` +
                `mengelolanya, lalu tambahkan jam buka, staf, dan layanan sebelum menerbitkannya.`,
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
            `Our team reviewed ${application} and asks for some changes before it can be approved. Update it and ` +
              `submit it again.`,
            ...reason,
          ],
          action: v.url ? { label: 'Update the application', url: v.url } : undefined,
        })
      : render(lang, {
          subject: 'Pendaftaran mitra PetPro Anda perlu diperbaiki',
          heading: greeting(lang, v.name),
          paragraphs: [
            `Tim kami telah meninjau ${application} dan meminta beberapa perbaikan sebelum dapat disetujui. Perbarui ` +
              `lalu kirim kembali.`,
            ...reason,
          ],
          action: v.url ? { label: 'Perbarui pendaftaran', url: v.url } : undefined,
        });
  },
};
