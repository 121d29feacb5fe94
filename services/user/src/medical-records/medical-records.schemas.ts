import { calendarDateString, pageOf, pageQuery, pastDateString, splitList, z } from '@petpro/kit';
import { IdParam, line, text } from '../shared/strings.ts';
import { RECORD_TYPES } from './medical-records.repository.ts';

const type = z.enum(RECORD_TYPES, { error: `must be one of ${RECORD_TYPES.join(', ')}` });

const fields = {
  type,
  title: line(200),
  date: pastDateString().openapi({ description: 'When it happened (not in the future)' }),
  nextDueDate: calendarDateString()
    .nullable()
    .optional()
    .openapi({ description: 'Vaccinations and medications only: when the next dose is due' }),
  vet: line(200).nullable().optional(),
  clinicId: z.uuid({ error: 'must be a UUID' }).nullable().optional(),
  notes: text(5000).nullable().optional(),
};

export const CreateRecordBody = z.strictObject(fields).openapi('CreateMedicalRecord');
export type CreateRecordBody = z.output<typeof CreateRecordBody>;
export const UpdateRecordBody = z
  .strictObject({ ...fields, type: type.optional(), title: fields.title.optional(), date: fields.date.optional() })
  .openapi('UpdateMedicalRecord', { description: 'Fields left out stay as they are; null clears a field.' });
export type UpdateRecordBody = z.output<typeof UpdateRecordBody>;

export const RecordParams = z.object({ id: IdParam, recordId: IdParam });
export const PetParams = z.object({ id: IdParam });

export const ListRecordsQuery = z.strictObject({
  ...pageQuery,
  type: z
    .string()
    .transform(splitList)
    .pipe(z.array(type).min(1, 'must name at least one type'))
    .optional()
    .openapi({ type: 'string', description: `One type or several separated by commas: ${RECORD_TYPES.join(', ')}` }),
  due: z.enum(['upcoming', 'overdue'], { error: 'must be upcoming or overdue' }).optional().openapi({
    description: 'Only records with a next due date from today on (upcoming) or before today (overdue), soonest first',
  }),
  sort: z
    .enum(['date', '-date'], { error: 'must be date or -date' })
    .default('-date')
    .openapi({ description: 'By date, oldest (date) or newest (-date, the default) first; ignored with due' }),
});
export type ListRecordsQuery = z.output<typeof ListRecordsQuery>;

export const RecordSchema = z
  .object({
    id: z.uuid(),
    petId: z.uuid(),
    type,
    title: z.string(),
    date: z.string(),
    nextDueDate: z.string().nullable(),
    vet: z.string().nullable(),
    clinicId: z.string().nullable(),
    notes: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('MedicalRecord');
export type RecordView = z.output<typeof RecordSchema>;

export const RecordPage = pageOf(RecordSchema).openapi('MedicalRecordPage');

export const RecordCreatedHeaders = { Location: z.string().openapi({ description: 'The record’s URL' }) };
