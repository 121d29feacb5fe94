/**
 * Internal API shapes that two PetPro services share, defined once: the producing service types (or
 * validates) its answer with the schema, the consuming service parses the answer with it, so a
 * change on one side that the other cannot read fails the type check or shows as a clear 502.
 */
export * from './parse.ts';
export * from './auth.ts';
export * from './clinic.ts';
export * from './user.ts';
export * from './push.ts';
export * from './realtime.ts';
export * from './profile-fill.ts';
