import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.ts';

// Room for the multipart boundaries and the few small text fields next to the file.
const MULTIPART_OVERHEAD = 64 * 1024;

const mib = (bytes: number) => `${Math.round((bytes / 1_048_576) * 10) / 10} MiB`;

/** Discards the rest of the request body, then calls `done` once (also when the client goes away). */
function drainThen(req: Request, done: () => void): void {
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    done();
  };
  if (req.readableEnded) {
    finish();
    return;
  }
  req.on('end', finish);
  req.on('close', finish);
  req.on('error', finish);
  req.resume();
}

/**
 * Reads a multipart/form-data body with one file in the field `file` into memory (req.file), at
 * most `maxBytes`, other form fields into req.body: a larger file is a 413, another content type a
 * 415, a missing file or malformed body a 400. Every upload route of every service uses this one.
 */
export function singleFileUpload(maxBytes: number, opts: { fieldSize?: number } = {}): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: opts.fieldSize ?? 1_024, parts: 12 },
  }).single('file');
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      return next(new UnsupportedMediaTypeError('Send the file as multipart/form-data in the field "file"'));
    }
    const declared = Number(req.headers['content-length']);
    // An announced oversize body is refused without parsing it. The rest of the body is still read
    // (and thrown away) before answering: answering mid-upload makes a proxy or client in front of
    // us see a reset or stall instead of the 413.
    if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD) {
      return drainThen(req, () => next(new PayloadTooLargeError(`The file must be at most ${mib(maxBytes)}`)));
    }
    parse(req, res, (err: unknown) => {
      if (!err) {
        if (!req.file)
          return next(
            new ValidationError([
              { field: 'file', message: 'is required: send the file in the multipart field "file"', code: 'required' },
            ]),
          );
        return next();
      }
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE')
          return next(new PayloadTooLargeError(`The file must be at most ${mib(maxBytes)}`));
        if (err.code === 'LIMIT_UNEXPECTED_FILE')
          return next(
            new ValidationError([
              {
                field: err.field ?? 'file',
                message: 'only one file, in the field "file", is accepted',
                code: 'unexpected_file',
              },
            ]),
          );
        return next(new BadRequestError('invalid_upload', `The upload is not valid: ${err.message}`));
      }
      // busboy's parse errors (truncated body, bad boundary) are the client's, not ours.
      return next(new BadRequestError('invalid_upload', 'The multipart body could not be read'));
    });
  };
}

/** The file singleFileUpload read (it answers 400 before the handler when there is none). */
export function uploadedFile(req: Request): { buffer: Buffer; originalName: string; size: number } {
  const file = req.file;
  if (!file) throw new ValidationError([{ field: 'file', message: 'is required', code: 'required' }]);
  return { buffer: file.buffer, originalName: file.originalname, size: file.size };
}
