import { renderMail as render, type Language, type RenderedMail } from '@petpro/kit';

export type { RenderedMail };

/** Every mail the auth service sends, in Bahasa Indonesia (default) and English. */
export const templates = {
  verifyEmail(lang: Language, v: { name: string; url: string; token: string; hours: number }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Confirm your PetPro email address',
          heading: `Hi ${v.name},`,
          paragraphs: [
            `Welcome to PetPro! Please confirm your email address. The link is valid for ${v.hours} hours and works once.`,
            `Verification code: ${v.token}`,
          ],
          action: { label: 'Confirm email', url: v.url },
        })
      : render(lang, {
          subject: 'Konfirmasi alamat email PetPro Anda',
          heading: `Halo ${v.name},`,
          paragraphs: [
            `Selamat datang di PetPro! Silakan konfirmasi alamat email Anda. Tautan ini berlaku ${v.hours} jam dan hanya dapat digunakan sekali.`,
            `Kode verifikasi: ${v.token}`,
          ],
          action: { label: 'Konfirmasi email', url: v.url },
        });
  },
  passwordReset(lang: Language, v: { name: string; url: string; token: string; minutes: number }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Reset your PetPro password',
          heading: `Hi ${v.name},`,
          paragraphs: [
            `Someone asked to reset the password of your PetPro account. The link is valid for ${v.minutes} minutes and works once. After the reset, every device is logged out.`,
            `Reset code: ${v.token}`,
          ],
          action: { label: 'Choose a new password', url: v.url },
        })
      : render(lang, {
          subject: 'Atur ulang kata sandi PetPro Anda',
          heading: `Halo ${v.name},`,
          paragraphs: [
            `Ada permintaan untuk mengatur ulang kata sandi akun PetPro Anda. Tautan ini berlaku ${v.minutes} menit dan hanya dapat digunakan sekali. Setelah diatur ulang, semua perangkat akan keluar.`,
            `Kode atur ulang: ${v.token}`,
          ],
          action: { label: 'Buat kata sandi baru', url: v.url },
        });
  },
  alreadyRegistered(lang: Language, v: { name: string; loginUrl: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Someone tried to register with your email',
          heading: `Hi ${v.name},`,
          paragraphs: [
            'Someone tried to create a PetPro account with your email address, which already has an account. If it was you, just log in, or reset your password if you forgot it.',
          ],
          action: { label: 'Log in', url: v.loginUrl },
        })
      : render(lang, {
          subject: 'Ada yang mencoba mendaftar dengan email Anda',
          heading: `Halo ${v.name},`,
          paragraphs: [
            'Seseorang mencoba membuat akun PetPro dengan alamat email Anda, padahal email ini sudah terdaftar. Jika itu Anda, silakan masuk, atau atur ulang kata sandi jika lupa.',
          ],
          action: { label: 'Masuk', url: v.loginUrl },
        });
  },
  passwordChanged(lang: Language, v: { name: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Your PetPro password was changed',
          heading: `Hi ${v.name},`,
          paragraphs: [
            'The password of your PetPro account was just changed, and your other devices were logged out. If this was not you, reset your password now.',
          ],
        })
      : render(lang, {
          subject: 'Kata sandi PetPro Anda telah diubah',
          heading: `Halo ${v.name},`,
          paragraphs: [
            'Kata sandi akun PetPro Anda baru saja diubah, dan perangkat lain telah dikeluarkan. Jika ini bukan Anda, segera atur ulang kata sandi.',
          ],
        });
  },
};
