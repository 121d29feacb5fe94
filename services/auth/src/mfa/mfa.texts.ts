import { greeting, renderMail as render, type Language, type RenderedMail } from '@petpro/kit';
import type { SmsPurpose } from './mfa.repository.ts';

/** When, for a reader in Jakarta (the product's market): "4 Desember 2026 10.15 WIB". */
function when(lang: Language, at: Date): string {
  const s = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'id-ID', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Asia/Jakarta',
  }).format(at);
  return `${s} WIB`;
}

/** The mail MFA sends, in Bahasa Indonesia (default) and English. */
export const mfaMail = {
  backupCodeUsed(lang: Language, v: { name: string; remaining: number }): RenderedMail {
    const few = v.remaining <= 2;
    return lang === 'en'
      ? render(lang, {
          subject: 'A PetPro backup code was used',
          heading: greeting(lang, v.name),
          paragraphs: [
            `A backup code was just used to log in to your PetPro account. ${v.remaining} unused codes remain.`,
            ...(few ? ['You are running out of backup codes: create a new set in your security settings.'] : []),
            'If this was not you, change your password and create new backup codes now.',
          ],
        })
      : render(lang, {
          subject: 'Kode cadangan PetPro telah digunakan',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Sebuah kode cadangan baru saja digunakan untuk masuk ke akun PetPro Anda. ' +
              `Tersisa ${v.remaining} kode yang belum digunakan.`,
            ...(few ? ['Kode cadangan Anda hampir habis: buat set baru di pengaturan keamanan.'] : []),
            'Jika ini bukan Anda, segera ubah kata sandi dan buat kode cadangan baru.',
          ],
        });
  },
  recoveryLink(lang: Language, v: { name: string; url: string; token: string; minutes: number; hours: number }) {
    return lang === 'en'
      ? render(lang, {
          subject: 'Recover access to your PetPro account',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Someone who knows your password asked to remove the second factor of your PetPro account ' +
              `because it was lost. The link is valid for ${v.minutes} minutes and works once.`,
            `Opening it does not remove the second factor at once: the removal happens ${v.hours} hours later, ` +
              'and you are told on every channel. Logging in with your second factor meanwhile cancels it.',
            'If this was not you, change your password now.',
            `Recovery code: ${v.token}`,
          ],
          action: { label: 'Start the recovery', url: v.url },
        })
      : render(lang, {
          subject: 'Pulihkan akses ke akun PetPro Anda',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Seseorang yang mengetahui kata sandi Anda meminta penghapusan faktor kedua akun PetPro Anda ' +
              `karena hilang. Tautan ini berlaku ${v.minutes} menit dan hanya dapat digunakan sekali.`,
            `Membukanya tidak langsung menghapus faktor kedua: penghapusan terjadi ${v.hours} jam kemudian, ` +
              'dan Anda diberi tahu di setiap saluran. Masuk dengan faktor kedua Anda sebelum itu akan membatalkannya.',
            'Jika ini bukan Anda, segera ubah kata sandi.',
            `Kode pemulihan: ${v.token}`,
          ],
          action: { label: 'Mulai pemulihan', url: v.url },
        });
  },
  recoveryPending(lang: Language, v: { name: string; executeAfter: Date }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'The second factor of your PetPro account will be removed',
          heading: greeting(lang, v.name),
          paragraphs: [
            'An account recovery was confirmed: the second factor of your PetPro account will be removed on ' +
              `${when(lang, v.executeAfter)}.`,
            'If this was not you, log in with your authenticator app, a texted code or a backup code before then: ' +
              'that cancels the removal. Then change your password.',
          ],
        })
      : render(lang, {
          subject: 'Faktor kedua akun PetPro Anda akan dihapus',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Pemulihan akun telah dikonfirmasi: faktor kedua akun PetPro Anda akan dihapus pada ' +
              `${when(lang, v.executeAfter)}.`,
            'Jika ini bukan Anda, masuklah dengan aplikasi autentikator, kode SMS, atau kode cadangan ' +
              'sebelum waktu itu: itu membatalkan penghapusan. Lalu ubah kata sandi Anda.',
          ],
        });
  },
  mfaRemoved(lang: Language, v: { name: string; byAdmin: boolean }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'The second factor of your PetPro account was removed',
          heading: greeting(lang, v.name),
          paragraphs: [
            v.byAdmin
              ? 'A PetPro administrator removed the second factor of your account at your request.'
              : 'The account recovery you confirmed is done: your account no longer asks for a second factor.',
            'Set up a new second factor in your security settings. If this was not you, reset your password now.',
          ],
        })
      : render(lang, {
          subject: 'Faktor kedua akun PetPro Anda telah dihapus',
          heading: greeting(lang, v.name),
          paragraphs: [
            v.byAdmin
              ? 'Administrator PetPro telah menghapus faktor kedua akun Anda atas permintaan Anda.'
              : 'Pemulihan akun yang Anda konfirmasi telah selesai: akun Anda tidak lagi meminta faktor kedua.',
            'Siapkan faktor kedua yang baru di pengaturan keamanan. Jika ini bukan Anda, segera atur ulang kata sandi.',
          ],
        });
  },
};

/** The texts MFA sends: short, the code first, no link (phishing texts carry links). */
export const mfaSms = {
  code(lang: Language, code: string, purpose: SmsPurpose, minutes: number): string {
    if (lang === 'en') {
      const what = purpose === 'setup' ? 'to confirm this number' : 'to verify it is you';
      return (
        `${code} is your PetPro code ${what}. Valid ${minutes} minutes. ` +
        'Never share it, PetPro will never ask for it.'
      );
    }
    const what = purpose === 'setup' ? 'untuk mengonfirmasi nomor ini' : 'untuk memastikan ini Anda';
    return (
      `${code} adalah kode PetPro Anda ${what}. Berlaku ${minutes} menit. ` +
      'Jangan berikan kepada siapa pun, PetPro tidak pernah memintanya.'
    );
  },
  recoveryPending(lang: Language, executeAfter: Date): string {
    return lang === 'en'
      ? `PetPro: the second factor of your account will be removed on ${when(lang, executeAfter)}. ` +
          'Not you? Log in with your second factor to cancel.'
      : `PetPro: faktor kedua akun Anda akan dihapus pada ${when(lang, executeAfter)}. ` +
          'Bukan Anda? Masuk dengan faktor kedua untuk membatalkan.';
  },
};
