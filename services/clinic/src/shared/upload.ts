import multer from 'multer';
import type { Request, RequestHandler } from 'express';
import { BadRequestError } from '@petpro/kit';

/**
 * Parses a multipart upload with one file in the field `file`, held in memory up to `maxBytes`
 * (multer's LIMIT_FILE_SIZE becomes 413 in the kit's error mapping). Other form fields land in req.body.
 */
export function singleFile(maxBytes: number): RequestHandler {
  return multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 10_000, parts: 12 } }).single('file');
}

/** The uploaded file, or 400 `file_required`. */
export function uploadedFile(req: Request): { buffer: Buffer; originalName: string; size: number } {
  const file = req.file;
  if (!file) throw new BadRequestError('file_required', 'Send the file as multipart/form-data in the field "file"', [{ field: 'file', message: 'is required' }]);
  return { buffer: file.buffer, originalName: file.originalname, size: file.size };
}
