import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import { fileTypeFromBuffer } from 'file-type';
import {
  ConflictError,
  NotFoundError,
  UnsupportedMediaTypeError,
  inspectImage,
  type Principal,
  type WindowQuota,
} from '@petpro/kit';
import type { DocumentRecord } from './onboarding.repository.ts';
import type { DocumentType } from './state-machine.ts';
import type { OnboardingAccess } from './onboarding.access.ts';
import { actorKindOf, applicationNotFound, assertEditable } from './onboarding.model.ts';
import type { FileStore } from '../shared/storage.ts';
import type { ClinicStore } from '../store.ts';

/** File types accepted as onboarding documents, judged from the bytes (never the name or the declared type). */
const DOCUMENT_MIME: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

const documentNotFound = () => new NotFoundError('document_not_found', 'No such document');

/**
 * An application's private documents (licences, tax registration): stored on disk outside any web
 * root, readable by the applicant and reviewers only, changed only while the application is editable.
 */
export class DocumentsService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      access: OnboardingAccess;
      files: FileStore;
      uploads: { maxPixels: number; quota: Pick<WindowQuota, 'consume'> };
      documentMaxCount: number;
    },
  ) {}

  /**
   * Stores a document privately; 415 unless its bytes are PDF, JPEG or PNG. Applicant (or a reviewer) while editable.
   */
  async add(
    p: Principal,
    id: string,
    type: DocumentType,
    file: { buffer: Buffer; originalName: string },
  ): Promise<DocumentRecord> {
    const app = await this.deps.access.visible(p, id);
    assertEditable(app);
    await this.deps.uploads.quota.consume(`upload:${p.userId}`);
    const detected = await fileTypeFromBuffer(file.buffer);
    const ext = detected && DOCUMENT_MIME[detected.mime];
    if (!detected || !ext) throw new UnsupportedMediaTypeError('Documents must be PDF, JPEG or PNG files');
    // A scanned page is kept as sent, but its header must not announce a picture too large to ever view.
    if (detected.mime !== 'application/pdf')
      await inspectImage(file.buffer, { maxPixels: this.deps.uploads.maxPixels, accepted: [detected.mime] });
    const docId = uuidv7();
    const storageKey = `documents/${id}/${docId}.${ext}`;
    const record: DocumentRecord = {
      id: docId,
      applicationId: id,
      type,
      fileName: safeFileName(file.originalName, `${type}.${ext}`),
      contentType: detected.mime,
      sizeBytes: file.buffer.length,
      sha256: createHash('sha256').update(file.buffer).digest('hex'),
      storageKey,
      uploadedBy: p.userId,
      createdAt: new Date(),
    };
    await this.deps.files.put(storageKey, file.buffer);
    try {
      await this.deps.store.transaction(async (repos) => {
        const locked = await repos.onboarding.findById(id, { forUpdate: true });
        if (!locked) throw applicationNotFound();
        assertEditable(locked);
        if ((await repos.onboarding.documents(id)).length >= this.deps.documentMaxCount)
          throw new ConflictError(
            'too_many_documents',
            `An application can hold at most ${this.deps.documentMaxCount} documents`,
          );
        await repos.onboarding.addDocument(record);
        await repos.onboarding.addEvent(id, uuidv7(), {
          type: 'document_uploaded',
          actorKind: actorKindOf(p, app),
          actorUserId: p.userId,
          detail: { documentId: docId, type, sizeBytes: record.sizeBytes },
        });
      });
    } catch (err) {
      await this.deps.files.remove(storageKey);
      throw err;
    }
    return record;
  }

  /** A document's bytes, for its applicant and reviewers only (404 for anyone else). */
  async open(p: Principal, id: string, docId: string): Promise<{ doc: DocumentRecord; stream: Readable }> {
    await this.deps.access.visible(p, id);
    const doc = (await this.deps.store.repos.onboarding.documents(id)).find((d) => d.id === docId);
    const stream = doc && (await this.deps.files.open(doc.storageKey));
    if (!doc || !stream) throw documentNotFound();
    return { doc, stream };
  }

  async remove(p: Principal, id: string, docId: string): Promise<void> {
    const app = await this.deps.access.visible(p, id);
    assertEditable(app);
    const doc = (await this.deps.store.repos.onboarding.documents(id)).find((d) => d.id === docId);
    if (!doc) throw documentNotFound();
    await this.deps.store.transaction(async (repos) => {
      const locked = await repos.onboarding.findById(id, { forUpdate: true });
      if (!locked) throw applicationNotFound();
      assertEditable(locked);
      if (!(await repos.onboarding.deleteDocument(id, docId))) throw documentNotFound();
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'document_deleted',
        actorKind: actorKindOf(p, app),
        actorUserId: p.userId,
        detail: { documentId: docId, type: doc.type },
      });
    });
    await this.deps.files.remove(doc.storageKey);
  }
}

/** A display file name that is safe in a Content-Disposition header; the stored name is generated. */
export function safeFileName(name: string, fallback: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(0, 100)
    .trim();
  return cleaned || fallback;
}
