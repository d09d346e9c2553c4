// zod probes `new Function` once, on its first parse, to decide whether to compile its parsers;
// under the page's CSP (no 'unsafe-eval') the probe fails and is reported as a policy violation.
// Imported first by main.ts, before any module that might parse at load: zod never tries.
import * as z from 'zod';

z.config({ jitless: true });
