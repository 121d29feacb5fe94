import type { Language } from '@petpro/kit';

/** What the account pages say, in Bahasa Indonesia (default) and English. */
export const PAGE_TEXT = {
  id: {
    verifyTitle: 'Konfirmasi email',
    verifyIntro: 'Tekan tombol di bawah untuk mengonfirmasi alamat email akun PetPro Anda.',
    verifyButton: 'Konfirmasi email',
    verifiedTitle: 'Email terkonfirmasi',
    verifiedBody: 'Terima kasih! Alamat email Anda sudah terkonfirmasi. Silakan masuk ke aplikasi PetPro.',
    resetTitle: 'Buat kata sandi baru',
    resetIntro:
      'Pilih kata sandi baru untuk akun PetPro Anda (minimal 8 karakter). Setelah itu, semua perangkat akan keluar.',
    passwordLabel: 'Kata sandi baru',
    confirmLabel: 'Ulangi kata sandi baru',
    resetButton: 'Simpan kata sandi',
    resetDoneTitle: 'Kata sandi diperbarui',
    resetDoneBody: 'Kata sandi Anda sudah diganti. Silakan masuk ke aplikasi PetPro dengan kata sandi baru.',
    problemTitle: 'Ada masalah',
    missingToken: 'Tautan ini tidak lengkap. Buka tautan dari email Anda sekali lagi.',
  },
  en: {
    verifyTitle: 'Confirm your email',
    verifyIntro: 'Press the button below to confirm the email address of your PetPro account.',
    verifyButton: 'Confirm email',
    verifiedTitle: 'Email confirmed',
    verifiedBody: 'Thank you! Your email address is confirmed. You can now log in to the PetPro app.',
    resetTitle: 'Choose a new password',
    resetIntro:
      'Choose a new password for your PetPro account (at least 8 characters). Every device will then be logged out.',
    passwordLabel: 'New password',
    confirmLabel: 'Repeat the new password',
    resetButton: 'Save the password',
    resetDoneTitle: 'Password changed',
    resetDoneBody: 'Your password has been changed. Log in to the PetPro app with the new one.',
    problemTitle: 'Something went wrong',
    missingToken: 'This link is incomplete. Open the link from your email again.',
  },
} satisfies Record<Language, Record<string, string>>;

/** Why a page's action failed, by the error code the service gave, in the reader's language. */
export const PROBLEM_TEXT: Record<Language, Record<string, string>> = {
  id: {
    invalid_token:
      'Tautan ini tidak berlaku: sudah dipakai, kedaluwarsa, atau salah salin. Minta tautan baru di aplikasi.',
    password_too_short: 'Kata sandi terlalu pendek: gunakan minimal 8 karakter.',
    password_too_long: 'Kata sandi terlalu panjang: gunakan paling banyak 128 karakter.',
    password_too_common: 'Kata sandi ini terlalu umum; pilih yang lain.',
    passwords_differ: 'Kedua kata sandi tidak sama.',
    too_many_attempts: 'Terlalu banyak percobaan; coba lagi nanti.',
    other: 'Permintaan tidak dapat diproses; coba lagi nanti.',
  },
  en: {
    invalid_token: 'This link is not valid: already used, expired or copied wrongly. Ask for a new one in the app.',
    password_too_short: 'The password is too short: use at least 8 characters.',
    password_too_long: 'The password is too long: use at most 128 characters.',
    password_too_common: 'This password is too common; choose another.',
    passwords_differ: 'The two passwords are not the same.',
    too_many_attempts: 'Too many attempts; try again later.',
    other: 'The request could not be processed; try again later.',
  },
};
