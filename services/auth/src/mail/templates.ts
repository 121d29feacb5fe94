import { greeting, renderMail as render, type Language, type RenderedMail } from '@petpro/kit';

export type { RenderedMail };

/**
 * Every mail the auth service sends, in Bahasa Indonesia (default) and English. A name appears only
 * in mail to an account's proven address, and only as a plain short name (kit `greeting`): the
 * verification mail goes to an address that anyone may have typed, so it names nobody.
 */
export const templates = {
  verifyEmail(lang: Language, v: { url: string; token: string; hours: number }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Confirm your PetPro email address',
          heading: greeting(lang),
          paragraphs: [
            `A PetPro account was just created with this email address. To confirm that the address is yours, ` +
              `open the link below; it is valid for ${v.hours} hours and works once.`,
            'If you did not sign up, someone else may have typed your address: ignore this email and the account ' +
              'stays unconfirmed.',
            `Verification code: ${v.token}`,
          ],
          action: { label: 'Confirm email', url: v.url },
        })
      : render(lang, {
          subject: 'Konfirmasi alamat email PetPro Anda',
          heading: greeting(lang),
          paragraphs: [
            `Akun PetPro baru saja dibuat dengan alamat email ini. Untuk mengonfirmasi bahwa alamat ini milik ` +
              `Anda, buka tautan di bawah; tautan berlaku ${v.hours} jam dan hanya dapat digunakan sekali.`,
            'Jika Anda tidak mendaftar, mungkin orang lain salah mengetik alamat Anda: abaikan email ini dan ' +
              'akun tersebut tidak akan dikonfirmasi.',
            `Kode verifikasi: ${v.token}`,
          ],
          action: { label: 'Konfirmasi email', url: v.url },
        });
  },
  passwordReset(lang: Language, v: { name: string; url: string; token: string; minutes: number }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Reset your PetPro password',
          heading: greeting(lang, v.name),
          paragraphs: [
            `Someone asked to reset the password of your PetPro account. The link is valid for ${v.minutes} ` +
              `minutes and works once. After the reset, every device is logged out.`,
            `Reset code: ${v.token}`,
          ],
          action: { label: 'Choose a new password', url: v.url },
        })
      : render(lang, {
          subject: 'Atur ulang kata sandi PetPro Anda',
          heading: greeting(lang, v.name),
          paragraphs: [
            `Ada permintaan untuk mengatur ulang kata sandi akun PetPro Anda. Tautan ini berlaku ${v.minutes} ` +
              `menit dan hanya dapat digunakan sekali. Setelah diatur ulang, semua perangkat akan keluar.`,
            `Kode atur ulang: ${v.token}`,
          ],
          action: { label: 'Buat kata sandi baru', url: v.url },
        });
  },
  /** `loginUrl` only when a client app can open it (PUBLIC_APP_URL); the login API itself is no page. */
  alreadyRegistered(lang: Language, v: { name: string; loginUrl?: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Someone tried to register with your email',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Someone tried to create a PetPro account with your email address, which already has an account. If ' +
              'it was you, just log in, or reset your password if you forgot it.',
          ],
          action: v.loginUrl ? { label: 'Log in', url: v.loginUrl } : undefined,
        })
      : render(lang, {
          subject: 'Ada yang mencoba mendaftar dengan email Anda',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Seseorang mencoba membuat akun PetPro dengan alamat email Anda, padahal email ini sudah terdaftar. ' +
              'Jika itu Anda, silakan masuk, atau atur ulang kata sandi jika lupa.',
          ],
          action: v.loginUrl ? { label: 'Masuk', url: v.loginUrl } : undefined,
        });
  },
  passwordChanged(lang: Language, v: { name: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: 'Your PetPro password was changed',
          heading: greeting(lang, v.name),
          paragraphs: [
            'The password of your PetPro account was just changed, and your other devices were logged out. If ' +
              'this was not you, reset your password now.',
          ],
        })
      : render(lang, {
          subject: 'Kata sandi PetPro Anda telah diubah',
          heading: greeting(lang, v.name),
          paragraphs: [
            'Kata sandi akun PetPro Anda baru saja diubah, dan perangkat lain telah dikeluarkan. Jika ini bukan ' +
              'Anda, segera atur ulang kata sandi.',
          ],
        });
  },
  /** A social login provider was linked to the account (by a verified-email match or by the user). */
  providerLinked(lang: Language, v: { name: string; provider: string }): RenderedMail {
    return lang === 'en'
      ? render(lang, {
          subject: `${v.provider} sign-in was added to your PetPro account`,
          heading: greeting(lang, v.name),
          paragraphs: [
            `Your PetPro account can now be signed in to with ${v.provider}. If this was not you, sign in, ` +
              `remove ${v.provider} under linked accounts and change your password.`,
          ],
        })
      : render(lang, {
          subject: `Masuk dengan ${v.provider} ditambahkan ke akun PetPro Anda`,
          heading: greeting(lang, v.name),
          paragraphs: [
            `Akun PetPro Anda kini dapat dimasuki dengan ${v.provider}. Jika ini bukan Anda, masuklah, hapus ` +
              `${v.provider} di akun tertaut, lalu ubah kata sandi Anda.`,
          ],
        });
  },
};
