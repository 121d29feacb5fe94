import { runMain } from '@petpro/kit';
import { definition } from './app.ts';

await runMain(definition);
